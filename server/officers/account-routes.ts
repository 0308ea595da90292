import { Router } from 'express';
import { z } from 'zod';
import { audited } from '../audit/audit-log.ts';
import { officerOf, requireOfficer } from '../auth/require-officer.ts';
import type { AppContext } from '../context.ts';
import { HttpError } from '../http/errors.ts';
import { parseInput } from '../http/validate.ts';
import { isUniqueViolation } from '../storage/unique-violation.ts';
import { hashPassword } from './passwords.ts';
import { createOfficer, findOfficerByUsername, officerFacilityIds } from './officer-store.ts';

const officerBody = z.strictObject({
  username: z.string().trim().toLowerCase().regex(/^[a-z0-9][a-z0-9._-]{2,63}$/, '3–64 characters: letters, digits, . _ -'),
  displayName: z.string().trim().min(1).max(120),
  password: z.string().min(12, 'at least 12 characters').max(256),
  role: z.enum(['officer', 'supervisor', 'admin']),
  /** Defaults to the admin's current facility. */
  facilityIds: z.array(z.uuid()).min(1).max(50).optional(),
});

const officerChange = z
  .strictObject({
    disabled: z.boolean().optional(),
    role: z.enum(['officer', 'supervisor', 'admin']).optional(),
    /** A new password set by the admin (the officer forgot theirs). */
    password: z.string().min(12, 'at least 12 characters').max(256).optional(),
    reason: z.string().trim().min(3).max(500),
  })
  .refine((b) => b.disabled !== undefined || b.role !== undefined || b.password !== undefined, {
    message: 'nothing to change: give disabled, role or password',
    path: ['disabled'],
  });

const officerId = z.strictObject({ id: z.uuid() });

/**
 * GET/POST/PATCH /api/officers (admins only). An admin may hand out only facilities they are
 * assigned to themselves, and the facility of their session must be among them.
 */
export function officerAccountRoutes(ctx: AppContext): Router {
  const router = Router();
  const admin = requireOfficer(ctx, ['admin']);

  router.get('/officers', admin, async (req, res) => {
    const { fac } = officerOf(req);
    const rows = await ctx.storage.db
      .selectFrom('officers')
      .innerJoin('officer_facilities', 'officer_facilities.officer_id', 'officers.id')
      .select(['officers.id', 'officers.username', 'officers.display_name', 'officers.role', 'officers.disabled', 'officers.created_at'])
      .where('officer_facilities.facility_id', '=', fac)
      .orderBy('officers.username')
      .execute();
    res.json({
      officers: rows.map((o) => ({ id: o.id, username: o.username, displayName: o.display_name, role: o.role, disabled: o.disabled === 1, createdAt: o.created_at })),
    });
  });

  router.post('/officers', admin, async (req, res) => {
    const actor = officerOf(req);
    const body = parseInput(officerBody, req.body);
    const facilityIds = [...new Set(body.facilityIds ?? [actor.fac])];
    const own = await officerFacilityIds(ctx.storage, actor.sub);
    const foreign = facilityIds.filter((id) => !own.includes(id));
    if (foreign.length > 0 || !facilityIds.includes(actor.fac)) {
      throw new HttpError(400, 'validation_failed', 'invalid request body', {
        facilityIds: [foreign.length > 0 ? 'only facilities you are assigned to' : 'must include the facility you are logged in to'],
      });
    }
    if (await findOfficerByUsername(ctx.storage, body.username)) throw new HttpError(409, 'username_taken', 'this username is taken');
    const officer = await audited(ctx.storage, (tx) => createOfficer(tx, { ...body, facilityIds }), (created) => ({
      actorKind: 'officer', actorId: actor.sub, facilityId: actor.fac, action: 'officer.created', subjectKind: 'officer', subjectId: created.id,
      details: { username: created.username, role: created.role, facilityIds },
    })).catch((err: unknown) => {
      if (isUniqueViolation(err)) throw new HttpError(409, 'username_taken', 'this username is taken');
      throw err;
    });
    res.status(201).json({
      officer: { id: officer.id, username: officer.username, displayName: officer.display_name, role: officer.role, facilityIds, createdAt: officer.created_at },
    });
  });

  /**
   * Disable or re-enable an account, change its role or reset its password. Takes effect at the
   * officer's next request (requireOfficer reads the account on every request). An admin cannot
   * change their own account here, so a facility is never left without its last admin by mistake.
   */
  router.patch('/officers/:id', admin, async (req, res) => {
    const actor = officerOf(req);
    const { id } = parseInput(officerId, req.params, 'params');
    const body = parseInput(officerChange, req.body);
    if (id === actor.sub) throw new HttpError(409, 'own_account', 'an admin cannot change their own account here');
    const target = await ctx.storage.db.selectFrom('officers').selectAll().where('id', '=', id).executeTakeFirst();
    if (!target || !(await officerFacilityIds(ctx.storage, id)).includes(actor.fac)) throw new HttpError(404, 'not_found', 'not found');
    const changes = {
      ...(body.disabled !== undefined ? { disabled: body.disabled ? 1 : 0 } : {}),
      ...(body.role !== undefined ? { role: body.role } : {}),
      ...(body.password !== undefined ? { password_hash: await hashPassword(body.password) } : {}),
    };
    await audited(ctx.storage, (tx) => tx.db.updateTable('officers').set(changes).where('id', '=', id).execute(), () => ({
      actorKind: 'officer', actorId: actor.sub, facilityId: actor.fac, action: 'officer.updated', subjectKind: 'officer', subjectId: id,
      reason: body.reason,
      details: {
        ...(body.disabled !== undefined ? { disabled: body.disabled } : {}),
        ...(body.role !== undefined ? { role: { from: target.role, to: body.role } } : {}),
        ...(body.password !== undefined ? { passwordReset: true } : {}),
      },
    }));
    // Open sockets of the account are re-checked now, not at their next request.
    ctx.revocations.publish({ kind: 'officer', officerId: id });
    const updated = await ctx.storage.db.selectFrom('officers').select(['id', 'username', 'display_name', 'role', 'disabled']).where('id', '=', id).executeTakeFirstOrThrow();
    res.json({ officer: { id: updated.id, username: updated.username, displayName: updated.display_name, role: updated.role, disabled: updated.disabled === 1 } });
  });

  return router;
}
