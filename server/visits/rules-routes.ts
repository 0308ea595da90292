import { Router } from 'express';
import { z } from 'zod';
import { audited } from '../audit/audit-log.ts';
import { officerOf, requireOfficer } from '../auth/require-officer.ts';
import type { AppContext } from '../context.ts';
import { localToday } from '../facilities/local-day.ts';
import { HttpError } from '../http/errors.ts';
import { parseInput } from '../http/validate.ts';
import { addDays } from './facility-calendar.ts';
import { facilityRulesInputSchema, getFacilityRules, saveFacilityRules, type FacilityRules } from './facility-rules.ts';
import { findInmate } from './inmate-store.ts';
import { lockFacilitySchedule } from './schedule.ts';
import { slotGrid } from './slots.ts';

/** Bookings reach 180 days ahead (POST /api/visits); the grid offers no day beyond. */
const MAX_DAYS_AHEAD = 179;

export const slotsQuerySchema = z.strictObject({
  date: z.iso.date(),
  inmateId: z.uuid(),
  visitorIds: z
    .string()
    .transform((s) => s.split(','))
    .pipe(z.array(z.uuid()).max(3, 'at most 3 visitors').refine((ids) => new Set(ids).size === ids.length, 'visitors must not repeat'))
    .optional(),
  durationMinutes: z.coerce.number().int().min(1).max(60).optional(),
  privileged: z.enum(['true', 'false']).transform((v) => v === 'true').optional(),
});

/**
 * GET/PUT /api/facility/rules (read: any officer; change: supervisor, admin; audited) and
 * GET /api/slots, the grid of free slots for booking one inmate's visit.
 */
export function facilityRulesRoutes(ctx: AppContext): Router {
  const router = Router();
  const anyOfficer = requireOfficer(ctx);
  const supervisor = requireOfficer(ctx, ['supervisor', 'admin']);

  router.get('/facility/rules', anyOfficer, async (req, res) => {
    res.json(await getFacilityRules(ctx.storage, officerOf(req).fac));
  });

  router.put('/facility/rules', supervisor, async (req, res) => {
    const officer = officerOf(req);
    const input = parseInput(facilityRulesInputSchema, req.body);
    let rules!: FacilityRules;
    await audited(
      ctx.storage,
      // under the schedule lock, so a booking is judged wholly by the old rules or wholly by the new
      async (tx) => {
        await lockFacilitySchedule(tx, tx.db, officer.fac);
        rules = { ...input, familyBooking: input.familyBooking ?? (await getFacilityRules(tx, officer.fac)).rules.familyBooking };
        return saveFacilityRules(tx, officer.fac, rules, officer.sub);
      },
      (previous) => ({
        actorKind: 'officer', actorId: officer.sub, facilityId: officer.fac, action: 'facility.rules_changed', subjectKind: 'facility', subjectId: officer.fac,
        details: { rules, previous },
      }),
    );
    res.json({ rules, isDefault: false });
  });

  router.get('/slots', anyOfficer, async (req, res) => {
    const officer = officerOf(req);
    const query = parseInput(slotsQuerySchema, req.query, 'query');
    const facility = await ctx.storage.db.selectFrom('facilities').select('timezone').where('id', '=', officer.fac).executeTakeFirstOrThrow();
    if (query.date > addDays(localToday(facility.timezone), MAX_DAYS_AHEAD)) {
      throw new HttpError(400, 'validation_failed', 'invalid query', { date: [`must be within ${MAX_DAYS_AHEAD + 1} days`] });
    }
    const inmate = await findInmate(ctx.storage, query.inmateId);
    if (!inmate || inmate.facility_id !== officer.fac) throw new HttpError(400, 'validation_failed', 'invalid query', { inmateId: ['unknown inmate'] });
    const visitorIds = query.visitorIds ?? [];
    const fields: Record<string, string[]> = {};
    if (visitorIds.length > 0) {
      const registered = await ctx.storage.db.selectFrom('visitors').select('id').where('inmate_id', '=', inmate.id).where('id', 'in', visitorIds).execute();
      visitorIds.forEach((id, i) => {
        if (!registered.some((v) => v.id === id)) fields[`visitorIds.${i}`] = ['not a registered visitor of this inmate'];
      });
    }
    const { rules } = await getFacilityRules(ctx.storage, officer.fac);
    if (visitorIds.length > rules.maxVisitorsPerVisit) fields.visitorIds = [`at most ${rules.maxVisitorsPerVisit} visitors per visit`];
    if (Object.keys(fields).length > 0) throw new HttpError(400, 'validation_failed', 'invalid query', fields);

    res.json(await slotGrid(ctx.storage, { facilityId: officer.fac, date: query.date, inmateId: inmate.id, visitorIds, durationMinutes: query.durationMinutes, privileged: query.privileged ?? false }));
  });

  return router;
}
