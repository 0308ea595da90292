import { Router, type Request } from 'express';
import { z } from 'zod';
import { appendAudit, audited } from '../audit/audit-log.ts';
import { assertSameFacility, officerOf, requireOfficer } from '../auth/require-officer.ts';
import { JOIN_EARLY_SECONDS } from '../auth/tokens.ts';
import type { AppContext } from '../context.ts';
import { findBooth } from '../facilities/booth-store.ts';
import { localDayRange, localToday } from '../facilities/local-day.ts';
import { HttpError } from '../http/errors.ts';
import { parseInput } from '../http/validate.ts';
import type { Storage } from '../storage/database.ts';
import type { BoothsTable, InmatesTable, VisitStatus } from '../storage/tables.ts';
import { visitorRecipients } from '../notifications/contacts.ts';
import { notifyVisitCancelled, visitRef } from '../notifications/events.ts';
import { COUNSEL, findInmate } from './inmate-store.ts';
import { familyUrl } from './links.ts';
import { bookingProblems, bookingProblemSchema, loadBookingContext, type BookingProblem } from './booking-rules.ts';
import { BookingRefused, createVisit, listVisits, visitView } from './schedule.ts';
import { getVisitWithParties, transitionVisit, visitEndsAt } from './visit-store.ts';

const STATUSES = ['scheduled', 'live', 'ended', 'missed', 'cancelled'] as const satisfies readonly VisitStatus[];
const MAX_VISITORS = 3;
/** A booking may start slightly in the past (a form filled in at the desk as the visit begins). */
const PAST_TOLERANCE_MS = 5 * 60_000;
const MAX_AHEAD_MS = 180 * 24 * 3600_000;

export const idParam = z.strictObject({ id: z.uuid() });

/**
 * Duration is whole minutes (1–60) from the officer UI, or seconds (10–3600) for tests and
 * scripts that need short calls; exactly one of the two.
 */
export const visitBookingBody = z
  .strictObject({
    inmateId: z.uuid(),
    boothId: z.uuid(),
    visitorIds: z
      .array(z.uuid())
      .min(1, 'at least one visitor')
      .max(MAX_VISITORS, `at most ${MAX_VISITORS} visitors`)
      .refine((ids) => new Set(ids).size === ids.length, 'visitors must not repeat'),
    scheduledStart: z.iso.datetime({ offset: true }),
    durationMinutes: z.number().int().min(1).max(60).optional(),
    durationSeconds: z.number().int().min(10).max(3600).optional(),
    privileged: z.boolean().default(false),
  })
  .superRefine((b, c) => {
    if ((b.durationMinutes === undefined) === (b.durationSeconds === undefined)) {
      c.addIssue({ code: 'custom', path: ['durationMinutes'], message: 'give exactly one of durationMinutes or durationSeconds' });
    }
    const start = new Date(b.scheduledStart).getTime();
    if (start < Date.now() - PAST_TOLERANCE_MS) c.addIssue({ code: 'custom', path: ['scheduledStart'], message: 'must not be in the past' });
    if (start > Date.now() + MAX_AHEAD_MS) c.addIssue({ code: 'custom', path: ['scheduledStart'], message: 'must be within 180 days' });
  });

export const listQuery = z.strictObject({
  date: z.iso.date().optional(),
  status: z
    .string()
    .transform((s) => s.split(','))
    .pipe(z.array(z.enum(STATUSES)).max(STATUSES.length))
    .optional(),
  boothId: z.uuid().optional(),
  inmateId: z.uuid().optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(500),
});

export const cancelBody = z.strictObject({ reason: z.string().trim().min(3).max(500) });

/** Response of POST /api/visits/check. */
export const bookingCheckResponse = z.object({ ok: z.boolean(), problems: z.array(bookingProblemSchema) });

/**
 * The inmate, booth and visitors a booking names, each checked to belong to the officer's
 * facility and inmate; `fields` holds what is wrong. Unknown and other-facility references look
 * the same, so ids of other facilities are not confirmed.
 */
async function resolveBookingParties(
  storage: Storage,
  facilityId: string,
  body: z.output<typeof visitBookingBody>,
): Promise<{ inmate?: InmatesTable; booth?: BoothsTable; fields: Record<string, string[]>; uncredentialed: Record<string, string[]> }> {
  const fields: Record<string, string[]> = {};
  const inmate = await findInmate(storage, body.inmateId);
  if (!inmate || inmate.facility_id !== facilityId) return { fields: { inmateId: ['unknown inmate'] }, uncredentialed: {} };
  const booth = await findBooth(storage, body.boothId);
  if (!booth || booth.facility_id !== facilityId) return { inmate, fields: { boothId: ['unknown booth'] }, uncredentialed: {} };
  const registered = await storage.db
    .selectFrom('visitors')
    .select(['id', 'relationship', 'advocate_credential'])
    .where('inmate_id', '=', inmate.id)
    .where('id', 'in', body.visitorIds)
    .execute();
  body.visitorIds.forEach((id, i) => {
    if (!registered.some((v) => v.id === id)) fields[`visitorIds.${i}`] = ['not a registered visitor of this inmate'];
  });
  // Privileged visits are neither recorded nor monitored: only for legal counsel.
  if (Object.keys(fields).length === 0 && body.privileged && registered.some((v) => v.relationship !== COUNSEL)) {
    fields.privileged = [`only visits where every visitor is ${COUNSEL} may be privileged`];
  }
  // Counsel registered before credentials were required have none on file: not privileged until
  // one is entered (PUT /api/visitors/{id}/advocate-credential).
  const uncredentialed: Record<string, string[]> = {};
  if (Object.keys(fields).length === 0 && body.privileged) {
    body.visitorIds.forEach((id, i) => {
      if (!registered.find((v) => v.id === id)?.advocate_credential) uncredentialed[`visitorIds.${i}`] = [ADVOCATE_CREDENTIAL_MISSING];
    });
  }
  return { inmate, booth, fields, uncredentialed };
}

export const ADVOCATE_CREDENTIAL_MISSING = 'no advocate credential on file for this counsel: enter it before booking a privileged visit';

/** A refused booking as an HTTP error: too many visitors is bad input (400), the rest are conflicts (409). */
function refusal(problems: BookingProblem[]): HttpError {
  const fields = (list: BookingProblem[]) => {
    const out: Record<string, string[]> = {};
    for (const p of list) (out[p.field] ??= []).push(p.message);
    return out;
  };
  const invalid = problems.filter((p) => p.code === 'too_many_visitors');
  if (invalid.length > 0) return new HttpError(400, 'validation_failed', 'invalid request body', fields(invalid));
  return new HttpError(409, problems[0]!.code, problems[0]!.message, fields(problems));
}

/**
 * POST/GET /api/visits, GET /api/visits/:id, POST /api/visits/:id/cancel, GET /api/visits/:id/links.
 * Any officer of the facility schedules, cancels and hands out links; every change is audited.
 */
export function visitRoutes(ctx: AppContext): Router {
  const router = Router();
  const anyOfficer = requireOfficer(ctx);

  async function visitOf(req: Request) {
    const { id } = parseInput(idParam, req.params, 'path');
    const found = await getVisitWithParties(ctx.storage, id);
    if (!found) throw new HttpError(404, 'not_found', 'visit not found');
    assertSameFacility(req, found.visit.facility_id);
    return found;
  }

  router.post('/visits', anyOfficer, async (req, res) => {
    const officer = officerOf(req);
    const body = parseInput(visitBookingBody, req.body);
    const { inmate, booth, fields, uncredentialed } = await resolveBookingParties(ctx.storage, officer.fac, body);
    if (!inmate || !booth || Object.keys(fields).length > 0) throw new HttpError(400, 'validation_failed', 'invalid request body', fields);
    if (Object.keys(uncredentialed).length > 0) throw new HttpError(409, 'advocate_credential_missing', ADVOCATE_CREDENTIAL_MISSING, uncredentialed);

    const durationSeconds = body.durationSeconds ?? body.durationMinutes! * 60;
    let visit;
    try {
      const input = {
        facilityId: officer.fac,
        inmateId: inmate.id,
        boothId: booth.id,
        visitorIds: body.visitorIds,
        scheduledStart: new Date(body.scheduledStart),
        durationSeconds,
        privileged: body.privileged,
        createdBy: officer.sub,
      };
      visit = await audited(ctx.storage, (tx) => createVisit(tx, input), (created) => ({
        actorKind: 'officer', actorId: officer.sub, facilityId: officer.fac, action: 'visit.created', subjectKind: 'visit', subjectId: created.id,
        details: { inmateId: inmate.id, boothId: booth.id, visitorIds: body.visitorIds, scheduledStart: created.scheduled_start, durationSeconds, privileged: body.privileged },
      }));
    } catch (err) {
      if (err instanceof BookingRefused) throw refusal(err.problems);
      throw err;
    }
    res.status(201).json({ visit: visitView((await getVisitWithParties(ctx.storage, visit.id))!) });
  });

  // What POST /api/visits would say about this body, without storing anything.
  router.post('/visits/check', anyOfficer, async (req, res) => {
    const officer = officerOf(req);
    const body = parseInput(visitBookingBody, req.body);
    const { inmate, booth, fields, uncredentialed } = await resolveBookingParties(ctx.storage, officer.fac, body);
    const asProblems = (code: string, found: Record<string, string[]>) =>
      Object.entries(found).flatMap(([field, messages]) => messages.map((message) => ({ code, field, message })));
    const problems: Array<{ code: string; field: string; message: string }> = [
      ...asProblems('validation_failed', fields), ...asProblems('advocate_credential_missing', uncredentialed),
    ];
    if (inmate && booth && Object.keys(fields).length === 0) {
      const start = new Date(body.scheduledStart);
      const end = new Date(start.getTime() + (body.durationSeconds ?? body.durationMinutes! * 60) * 1000);
      const context = await loadBookingContext(ctx.storage, { facilityId: officer.fac, inmateId: inmate.id, visitorIds: body.visitorIds, from: start, to: end });
      const found = bookingProblems(context, { boothId: booth.id, inmateId: inmate.id, visitorIds: body.visitorIds, start, end, privileged: body.privileged });
      problems.push(...found.map(({ code, field, message }) => ({ code, field, message })));
    }
    res.json({ ok: problems.length === 0, problems });
  });

  router.get('/visits', anyOfficer, async (req, res) => {
    const officer = officerOf(req);
    const query = parseInput(listQuery, req.query, 'query');
    const facility = await ctx.storage.db.selectFrom('facilities').select('timezone').where('id', '=', officer.fac).executeTakeFirstOrThrow();
    const date = query.date ?? localToday(facility.timezone);
    const { from, to } = localDayRange(date, facility.timezone);
    const visits = await listVisits(ctx.storage, { facilityId: officer.fac, from, to, statuses: query.status, boothId: query.boothId, inmateId: query.inmateId, limit: query.limit });
    res.json({ date, timezone: facility.timezone, visits: visits.map(visitView) });
  });

  router.get('/visits/:id', anyOfficer, async (req, res) => {
    res.json({ visit: visitView(await visitOf(req)) });
  });

  router.post('/visits/:id/cancel', anyOfficer, async (req, res) => {
    const officer = officerOf(req);
    const { visit, visitors } = await visitOf(req);
    const { reason } = parseInput(cancelBody, req.body);
    const cancelled = await audited(
      ctx.storage,
      async (tx) => {
        const done = await transitionVisit(tx, visit.id, ['scheduled'], 'cancelled', { ended_at: new Date().toISOString(), end_reason: 'cancelled' });
        if (done) await notifyVisitCancelled(tx, visitRef(visit), await visitorRecipients(tx, visitors.map((v) => v.id)), reason);
        return done;
      },
      (done) => done ? { actorKind: 'officer', actorId: officer.sub, facilityId: officer.fac, action: 'visit.cancelled', subjectKind: 'visit', subjectId: visit.id, reason } : undefined,
    );
    if (!cancelled) throw new HttpError(409, 'visit_not_scheduled', `only a scheduled visit can be cancelled (this one is ${visit.status})`);
    res.json({ visit: visitView((await getVisitWithParties(ctx.storage, visit.id))!) });
  });

  // Each call signs fresh tokens; the audit entry records who was handed links to which visit.
  router.get('/visits/:id/links', anyOfficer, async (req, res) => {
    const officer = officerOf(req);
    const { visit, visitors } = await visitOf(req);
    if (visit.status !== 'scheduled' && visit.status !== 'live') throw new HttpError(409, 'visit_closed', `this visit is ${visit.status}`);
    if (visit.privileged === 1 && visit.privileged_approval !== 'approved') {
      throw new HttpError(409, 'awaiting_approval', 'a privileged visit gets join links once a supervisor has approved it');
    }
    if (visit.confirmation === 'pending') throw new HttpError(409, 'awaiting_confirmation', 'a family booking gets join links once an officer has confirmed it');
    const scheduledStart = new Date(visit.scheduled_start);
    const links = visitors.map((v) => ({
      visitorId: v.id,
      name: v.name,
      familyUrl: familyUrl(ctx.publicUrl(), ctx.tokens.signJoin(v.id, { id: visit.id, scheduledStart, durationSeconds: visit.duration_seconds })),
    }));
    await appendAudit(ctx.storage, {
      actorKind: 'officer', actorId: officer.sub, facilityId: officer.fac, action: 'visit.links_issued', subjectKind: 'visit', subjectId: visit.id,
      details: { visitorIds: visitors.map((v) => v.id) },
    });
    res.set('Cache-Control', 'no-store');
    res.json({
      visitId: visit.id,
      validFrom: new Date(scheduledStart.getTime() - JOIN_EARLY_SECONDS * 1000).toISOString(),
      validUntil: visitEndsAt(visit).toISOString(),
      links,
    });
  });

  return router;
}
