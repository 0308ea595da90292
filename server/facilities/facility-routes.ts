import { Router } from 'express';
import { audited } from '../audit/audit-log.ts';
import { officerOf, requireOfficer } from '../auth/require-officer.ts';
import type { AppContext } from '../context.ts';
import { HttpError } from '../http/errors.ts';
import { parseInput } from '../http/validate.ts';
import { setOfficerRole } from '../officers/officer-store.ts';
import { isUniqueViolation } from '../storage/unique-violation.ts';
import { newFacilityBody } from './facility-schemas.ts';
import { facilitiesAdministeredBy, facilityViewOf, insertFacility, isFacilityCodeTaken } from './facility-store.ts';

const codeTaken = () => new HttpError(409, 'facility_code_taken', 'a facility with this code already exists', { code: ['this code is taken'] });

/**
 * GET /api/facilities: the facilities the admin manages. POST /api/facilities: an admin adds a
 * facility they will manage (they become its admin), audited in the new facility and in the one
 * they acted from.
 */
export function facilityRoutes(ctx: AppContext): Router {
  const router = Router();
  const admin = requireOfficer(ctx, ['admin']);

  router.get('/facilities', admin, async (req, res) => {
    const rows = await facilitiesAdministeredBy(ctx.storage, officerOf(req).sub);
    res.json({ facilities: rows.map(facilityViewOf) });
  });

  router.post('/facilities', admin, async (req, res) => {
    const actor = officerOf(req);
    const body = parseInput(newFacilityBody, req.body);
    const facility = await audited(
      ctx.storage,
      async (tx) => {
        if (await isFacilityCodeTaken(tx, body.code)) throw codeTaken();
        const row = await insertFacility(tx, body);
        await setOfficerRole(tx, actor.sub, row.id, 'admin');
        return row;
      },
      (row) => [row.id, actor.fac].map((facilityId) => ({
        actorKind: 'officer' as const, actorId: actor.sub, facilityId, action: 'facility.created', subjectKind: 'facility', subjectId: row.id,
        details: { code: row.code, name: row.name, kind: row.kind, timezone: row.timezone, adminOfficerId: actor.sub, createdFrom: actor.fac },
      })),
    ).catch((err: unknown) => {
      if (isUniqueViolation(err)) throw codeTaken();
      throw err;
    });
    res.status(201).json({ facility: facilityViewOf(facility) });
  });

  return router;
}
