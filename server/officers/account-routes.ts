import { Router } from 'express';
import { sql } from 'kysely';
import { z } from 'zod';
import { audited } from '../audit/audit-log.ts';
import { officerOf, requireOfficer } from '../auth/require-officer.ts';
import type { AppContext } from '../context.ts';
import { HttpError } from '../http/errors.ts';
import { parseInput } from '../http/validate.ts';
import { isUniqueViolation } from '../storage/unique-violation.ts';
import { hashPassword } from './passwords.ts';
import { createOfficer, findOfficerByUsername, officerAssignments } from './officer-store.ts';
import { newOfficerPassword, officerRole, officerUsername } from './schemas.ts';

const officerBody = z.strictObject({
  username: officerUsername,
  displayName: z.string().trim().min(1).max(120),
  password: newOfficerPassword,
  role: officerRole,
  /** Defaults to the admin's current facility; each must be one the admin manages. The role applies in each. */
  facilityIds: z.array(z.uuid()).min(1).max(50).optional(),
});

const officerChange = z
  .strictObject({
    /** Account-wide: refused unless the admin manages every facility of the account. */
    disabled: z.boolean().optional(),
    /** The role in the facility of the admin's token only. */
    role: officerRole.optional(),
    /**
     * A new password set by the admin (the officer forgot theirs); account-wide, like disabled. It
     * ends the account's sign-ins, and the officer must choose their own at the next one.
     */
    password: newOfficerPassword.optional(),
    reason: z.string().trim().min(3).max(500),
  })
  .refine((b) => b.disabled !== undefined || b.role !== undefined || b.password !== undefined, {
    message: 'nothing to change: give disabled, role or password',
    path: ['disabled'],
  });

const officerId = z.strictObject({ id: z.uuid() });

/** Facilities the officer is admin of (roles are per facility). */
async function managedFacilityIds(ctx: AppContext, officerId: string): Promise<string[]> {
  return (await officerAssignments(ctx.storage, officerId)).filter((a) => a.role === 'admin').map((a) => a.facilityId);
}

/**
 * GET/POST/PATCH /api/officers (admins only). Roles are held per facility, and an admin acts
 * only within the facilities they manage (are admin of): they hand out only those, change
 * roles only in the facility of their session, and change an account as a whole (password,
 * disabled) only when they manage every facility it belongs to.
 */
export function officerAccountRoutes(ctx: AppContext): Router {
  const router = Router();
  const admin = requireOfficer(ctx, ['admin']);

  router.get('/officers', admin, async (req, res) => {
    const { fac } = officerOf(req);
    const rows = await ctx.storage.db
      .selectFrom('officers')
      .innerJoin('officer_facilities', 'officer_facilities.officer_id', 'officers.id')
      .select(['officers.id', 'officers.username', 'officers.display_name', 'officer_facilities.role', 'officers.disabled', 'officers.must_change_password', 'officers.created_at'])
      .where('officer_facilities.facility_id', '=', fac)
      .orderBy('officers.username')
      .execute();
    res.json({
      officers: rows.map((o) => ({
        id: o.id, username: o.username, displayName: o.display_name, role: o.role, disabled: o.disabled === 1, mustChangePassword: o.must_change_password === 1, createdAt: o.created_at,
      })),
    });
  });

  router.post('/officers', admin, async (req, res) => {
    const actor = officerOf(req);
    const body = parseInput(officerBody, req.body);
    const facilityIds = [...new Set(body.facilityIds ?? [actor.fac])];
    const managed = await managedFacilityIds(ctx, actor.sub);
    const foreign = facilityIds.filter((id) => !managed.includes(id));
    if (foreign.length > 0 || !facilityIds.includes(actor.fac)) {
      throw new HttpError(400, 'validation_failed', 'invalid request body', {
        facilityIds: [foreign.length > 0 ? 'only facilities you are admin of' : 'must include the facility you are logged in to'],
      });
    }
    if (await findOfficerByUsername(ctx.storage, body.username)) throw new HttpError(409, 'username_taken', 'this username is taken');
    // One audit entry in each facility the account is created in.
    const officer = await audited(ctx.storage, (tx) => createOfficer(tx, { ...body, facilityIds }), (created) =>
      facilityIds.map((facilityId) => ({
        actorKind: 'officer' as const, actorId: actor.sub, facilityId, action: 'officer.created', subjectKind: 'officer', subjectId: created.id,
        details: { username: created.username, role: created.role, facilityIds },
      })),
    ).catch((err: unknown) => {
      if (isUniqueViolation(err)) throw new HttpError(409, 'username_taken', 'this username is taken');
      throw err;
    });
    res.status(201).json({
      officer: { id: officer.id, username: officer.username, displayName: officer.display_name, role: officer.role, facilityIds, createdAt: officer.created_at },
    });
  });

  /**
   * Disable or re-enable an account, change its role here or reset its password. Takes effect at
   * the officer's next request (requireOfficer reads the account on every request). An admin
   * cannot change their own account here, so a facility is never left without its last admin by
   * mistake. The change is audited in every facility it affects.
   */
  router.patch('/officers/:id', admin, async (req, res) => {
    const actor = officerOf(req);
    const { id } = parseInput(officerId, req.params, 'params');
    const body = parseInput(officerChange, req.body);
    if (id === actor.sub) throw new HttpError(409, 'own_account', 'an admin cannot change their own account here');
    const target = await ctx.storage.db.selectFrom('officers').selectAll().where('id', '=', id).executeTakeFirst();
    const assignments = target ? await officerAssignments(ctx.storage, id) : [];
    const here = assignments.find((a) => a.facilityId === actor.fac);
    if (!target || !here) throw new HttpError(404, 'not_found', 'not found');
    const accountWide = body.disabled !== undefined || body.password !== undefined;
    if (accountWide) {
      const managed = await managedFacilityIds(ctx, actor.sub);
      if (assignments.some((a) => !managed.includes(a.facilityId))) {
        throw new HttpError(403, 'account_spans_other_facilities', 'this account also belongs to a facility you are not admin of; an admin of every one of its facilities must do this');
      }
    }
    const changes = {
      ...(body.disabled !== undefined ? { disabled: body.disabled ? 1 : 0 } : {}),
      ...(body.password !== undefined
        ? { password_hash: await hashPassword(body.password), must_change_password: 1, session_epoch: sql<number>`session_epoch + 1`, epoch_session_id: null }
        : {}),
    };
    const affected = accountWide ? assignments.map((a) => a.facilityId) : [actor.fac];
    await audited(
      ctx.storage,
      async (tx) => {
        if (Object.keys(changes).length > 0) await tx.db.updateTable('officers').set(changes).where('id', '=', id).execute();
        if (body.role !== undefined) {
          await tx.db.updateTable('officer_facilities').set({ role: body.role }).where('officer_id', '=', id).where('facility_id', '=', actor.fac).execute();
        }
      },
      () => affected.map((facilityId) => ({
        actorKind: 'officer' as const, actorId: actor.sub, facilityId, action: 'officer.updated', subjectKind: 'officer', subjectId: id,
        reason: body.reason,
        details: {
          ...(body.disabled !== undefined ? { disabled: body.disabled } : {}),
          ...(body.role !== undefined && facilityId === actor.fac ? { role: { from: here.role, to: body.role } } : {}),
          ...(body.password !== undefined ? { passwordReset: true, mustChangePassword: true } : {}),
          ...(facilityId !== actor.fac ? { byAdminOf: actor.fac } : {}),
        },
      })),
    );
    // Open sockets of the account are re-checked now, not at their next request.
    ctx.revocations.publish({ kind: 'officer', officerId: id });
    const updated = await ctx.storage.db
      .selectFrom('officers')
      .innerJoin('officer_facilities', 'officer_facilities.officer_id', 'officers.id')
      .select(['officers.id', 'officers.username', 'officers.display_name', 'officer_facilities.role', 'officers.disabled'])
      .where('officers.id', '=', id)
      .where('officer_facilities.facility_id', '=', actor.fac)
      .executeTakeFirstOrThrow();
    res.json({ officer: { id: updated.id, username: updated.username, displayName: updated.display_name, role: updated.role, disabled: updated.disabled === 1 } });
  });

  return router;
}
