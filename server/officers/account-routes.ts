import { Router } from 'express';
import { z } from 'zod';
import { appendAudit } from '../audit/audit-log.ts';
import { officerOf, requireOfficer } from '../auth/require-officer.ts';
import type { AppContext } from '../context.ts';
import { HttpError } from '../http/errors.ts';
import { parseInput } from '../http/validate.ts';
import { isUniqueViolation } from '../storage/unique-violation.ts';
import { createOfficer, findOfficerByUsername, officerFacilityIds } from './officer-store.ts';

const officerBody = z.strictObject({
  username: z.string().trim().toLowerCase().regex(/^[a-z0-9][a-z0-9._-]{2,63}$/, '3–64 characters: letters, digits, . _ -'),
  displayName: z.string().trim().min(1).max(120),
  password: z.string().min(12, 'at least 12 characters').max(256),
  role: z.enum(['officer', 'supervisor', 'admin']),
  /** Defaults to the admin's current facility. */
  facilityIds: z.array(z.uuid()).min(1).max(50).optional(),
});

/**
 * GET/POST /api/officers (admins only). An admin may hand out only facilities they are
 * assigned to themselves, and the facility of their session must be among them.
 */
export function officerAccountRoutes(ctx: AppContext): Router {
  const router = Router();
  const admin = requireOfficer(ctx.tokens, ['admin']);

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
    const officer = await createOfficer(ctx.storage, { ...body, facilityIds }).catch((err: unknown) => {
      if (isUniqueViolation(err)) throw new HttpError(409, 'username_taken', 'this username is taken');
      throw err;
    });
    await appendAudit(ctx.storage, {
      actorKind: 'officer', actorId: actor.sub, facilityId: actor.fac, action: 'officer.created', subjectKind: 'officer', subjectId: officer.id,
      details: { username: officer.username, role: officer.role, facilityIds },
    });
    res.status(201).json({
      officer: { id: officer.id, username: officer.username, displayName: officer.display_name, role: officer.role, facilityIds, createdAt: officer.created_at },
    });
  });

  return router;
}
