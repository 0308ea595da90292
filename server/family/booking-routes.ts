import { Router, type Request } from 'express';
import { z } from 'zod';
import { appendAudit, audited } from '../audit/audit-log.ts';
import type { AppContext } from '../context.ts';
import { addDays, localClock } from '../visits/facility-calendar.ts';
import { localToday } from '../facilities/local-day.ts';
import { HttpError } from '../http/errors.ts';
import { parseInput } from '../http/validate.ts';
import { visitorRecipients } from '../notifications/contacts.ts';
import { notifyVisitBooked, notifyVisitCancelledByFamily, notifyVisitMoved, visitRef } from '../notifications/events.ts';
import type { Storage } from '../storage/database.ts';
import type { BookingProblem } from '../visits/booking-rules.ts';
import { getFacilityRules } from '../visits/facility-rules.ts';
import { familyUrl } from '../visits/links.ts';
import { BookingRefused, createVisit, moveVisit, VisitNotScheduled } from '../visits/schedule.ts';
import { transitionVisit, visitorIdsOf } from '../visits/visit-store.ts';
import { familyOf, requireFamily, type FamilySession } from './family-session.ts';
import {
  changeableUntil, familySlots, familyVisitContext, familyVisitor, familyVisitView, findAccountVisit, listFamilyVisits, type AccountVisit,
} from './family-visits.ts';

/** Bookings reach 180 days ahead, as at the desk. */
const MAX_DAYS_AHEAD = 179;

export const familySlotsQuery = z.strictObject({ visitorId: z.uuid(), date: z.iso.date() });
export const familyBookingBody = z.strictObject({ visitorId: z.uuid(), scheduledStart: z.iso.datetime({ offset: true }) });
export const familyMoveBody = z.strictObject({ scheduledStart: z.iso.datetime({ offset: true }) });
export const familyVisitIdParam = z.strictObject({ id: z.uuid() });

/** Who the booking and the changes are recorded as. */
const createdBy = (family: FamilySession) => `family:${family.accountId}`;

/** A refused family booking or move: taken (by another booth's worth of bookings, or the inmate's) → slot_taken, else the rule's own code. */
function refusal(problems: BookingProblem[]): HttpError {
  const main = problems.find((p) => p.code !== 'booth_busy') ?? problems[0];
  if (!main || main.code === 'booth_busy' || main.code === 'inmate_busy') {
    return new HttpError(409, 'slot_taken', 'that time has just been taken; load the free times again');
  }
  return new HttpError(409, main.code, main.message, { [main.field]: [main.message] });
}

/**
 * The family portal's booking API (family session only; only the account's own visitors and visits;
 * another family's visit answers like an unknown one, 404):
 * GET /api/family/slots, GET/POST /api/family/visits, POST /api/family/visits/:id/cancel and /move,
 * GET /api/family/visits/:id/join.
 */
export function familyBookingRoutes(ctx: AppContext): Router {
  const router = Router();
  const family = requireFamily(ctx);

  /** The facility's family-booking rules; refused when the facility does not take family bookings. */
  async function bookingRules(storage: Storage, facilityId: string) {
    const { rules } = await getFacilityRules(storage, facilityId);
    if (!rules.familyBooking.enabled) throw new HttpError(403, 'family_booking_disabled', 'this facility takes bookings at the desk only');
    return rules.familyBooking;
  }

  async function ownVisitor(session: FamilySession, visitorId: string, field = 'visitorId') {
    const visitor = await familyVisitor(ctx.storage, session, visitorId);
    if (!visitor) throw new HttpError(400, 'validation_failed', 'invalid request', { [field]: ['not one of your approved registrations'] });
    return visitor;
  }

  /**
   * The slots of the day of `start` for the visitor, and whether `start` is one of them (a family
   * books the grid's times only, so it never gets a time the grid would not offer).
   */
  async function slotAt(session: FamilySession, inmateId: string, visitorId: string, start: Date) {
    const facility = await ctx.storage.db.selectFrom('facilities').select('timezone').where('id', '=', session.facilityId).executeTakeFirstOrThrow();
    const date = localClock(start, facility.timezone).date;
    if (date > addDays(localToday(facility.timezone), MAX_DAYS_AHEAD)) throw new HttpError(400, 'validation_failed', 'invalid request', { scheduledStart: [`must be within ${MAX_DAYS_AHEAD + 1} days`] });
    const slots = await familySlots(ctx.storage, { facilityId: session.facilityId, inmateId, visitorId, date });
    const slot = slots.slots.find((s) => new Date(s.start).getTime() === start.getTime());
    if (!slot) throw new HttpError(400, 'validation_failed', 'invalid request', { scheduledStart: ['not one of the offered times of that day (GET /api/family/slots)'] });
    if (slot.reason === 'past') throw new HttpError(400, 'validation_failed', 'invalid request', { scheduledStart: ['must be in the future'] });
    return { slots };
  }

  async function ownVisit(req: Request): Promise<AccountVisit> {
    const { id } = parseInput(familyVisitIdParam, req.params, 'path');
    const visit = await findAccountVisit(ctx.storage, familyOf(req), id);
    if (!visit) throw new HttpError(404, 'not_found', 'visit not found');
    return visit;
  }

  /** Cancel and move: only a scheduled visit, only before the facility's change deadline. */
  async function assertChangeable(visit: AccountVisit) {
    if (visit.status !== 'scheduled') throw new HttpError(409, 'visit_not_scheduled', `only a scheduled visit can be changed (this one is ${visit.status})`);
    const context = await familyVisitContext(ctx.storage, visit.facility_id);
    if (Date.now() >= changeableUntil(visit, context).getTime()) {
      throw new HttpError(409, 'change_deadline_passed', `changes are accepted until ${context.changeDeadlineHours} hours before the visit`);
    }
  }

  const viewOf = async (session: FamilySession, visitId: string) =>
    familyVisitView((await findAccountVisit(ctx.storage, session, visitId))!, await familyVisitContext(ctx.storage, session.facilityId));

  router.get('/family/slots', family, async (req, res) => {
    const session = familyOf(req);
    const query = parseInput(familySlotsQuery, req.query, 'query');
    await bookingRules(ctx.storage, session.facilityId);
    const visitor = await ownVisitor(session, query.visitorId);
    const facility = await ctx.storage.db.selectFrom('facilities').select('timezone').where('id', '=', session.facilityId).executeTakeFirstOrThrow();
    if (query.date > addDays(localToday(facility.timezone), MAX_DAYS_AHEAD)) throw new HttpError(400, 'validation_failed', 'invalid query', { date: [`must be within ${MAX_DAYS_AHEAD + 1} days`] });
    const { boothIds: _booths, ...slots } = await familySlots(ctx.storage, { facilityId: session.facilityId, inmateId: visitor.inmate_id, visitorId: visitor.id, date: query.date });
    res.set('Cache-Control', 'no-store');
    res.json(slots);
  });

  router.get('/family/visits', family, async (req, res) => {
    res.set('Cache-Control', 'no-store');
    res.json(await listFamilyVisits(ctx.storage, familyOf(req)));
  });

  router.post('/family/visits', family, async (req, res) => {
    const session = familyOf(req);
    const body = parseInput(familyBookingBody, req.body);
    const rules = await bookingRules(ctx.storage, session.facilityId);
    const visitor = await ownVisitor(session, body.visitorId);
    const start = new Date(body.scheduledStart);
    const { slots } = await slotAt(session, visitor.inmate_id, visitor.id, start);
    const [first, ...others] = slots.boothIds;
    if (!first) throw new HttpError(409, 'slot_taken', 'no booth is free at that time');
    const awaitingConfirmation = rules.confirmation === 'officer';
    let visitId: string;
    try {
      const input = {
        facilityId: session.facilityId, inmateId: visitor.inmate_id, boothId: first, otherBoothIds: others, visitorIds: [visitor.id], scheduledStart: start,
        durationSeconds: slots.durationMinutes * 60, privileged: false, createdBy: createdBy(session), confirmation: awaitingConfirmation ? 'pending' as const : null,
      };
      const created = await audited(
        ctx.storage,
        async (tx) => {
          const visit = await createVisit(tx, input);
          await notifyVisitBooked(tx, visitRef(visit), await visitorRecipients(tx, [visitor.id]), { awaitingConfirmation });
          return visit;
        },
        (visit) => ({
          actorKind: 'family', actorId: session.accountId, facilityId: session.facilityId, action: 'visit.created', subjectKind: 'visit', subjectId: visit.id,
          details: { inmateId: visit.inmate_id, boothId: visit.booth_id, visitorIds: [visitor.id], scheduledStart: visit.scheduled_start, durationSeconds: visit.duration_seconds, awaitingConfirmation },
        }),
      );
      visitId = created.id;
    } catch (err) {
      if (err instanceof BookingRefused) throw refusal(err.problems);
      throw err;
    }
    res.status(201).json({ visit: await viewOf(session, visitId) });
  });

  router.post('/family/visits/:id/cancel', family, async (req, res) => {
    const session = familyOf(req);
    const visit = await ownVisit(req);
    await assertChangeable(visit);
    const cancelled = await audited(
      ctx.storage,
      async (tx) => {
        const done = await transitionVisit(tx, visit.id, ['scheduled'], 'cancelled', { ended_at: new Date().toISOString(), end_reason: 'cancelled_by_family' });
        if (done) {
          const visitorIds = await visitorIdsOf(tx.db, visit.id);
          await notifyVisitCancelledByFamily(tx, visitRef(visit), await visitorRecipients(tx, visitorIds));
        }
        return done;
      },
      (done) => done ? {
        actorKind: 'family', actorId: session.accountId, facilityId: session.facilityId, action: 'visit.cancelled', subjectKind: 'visit', subjectId: visit.id,
        reason: 'cancelled by the family', details: { visitorId: visit.visitor_id },
      } : undefined,
    );
    if (!cancelled) throw new HttpError(409, 'visit_not_scheduled', 'only a scheduled visit can be cancelled');
    res.json({ visit: await viewOf(session, visit.id) });
  });

  router.post('/family/visits/:id/move', family, async (req, res) => {
    const session = familyOf(req);
    const visit = await ownVisit(req);
    const body = parseInput(familyMoveBody, req.body);
    await assertChangeable(visit);
    const rules = await bookingRules(ctx.storage, session.facilityId);
    const start = new Date(body.scheduledStart);
    if (start.getTime() === new Date(visit.scheduled_start).getTime()) throw new HttpError(400, 'validation_failed', 'invalid request', { scheduledStart: ['is the visit\'s current time'] });
    const { slots } = await slotAt(session, visit.inmate_id, visit.visitor_id, start);
    // the visit's own booth first, then the others
    const boothIds = [visit.booth_id, ...slots.boothIds.filter((id) => id !== visit.booth_id)];
    // In a facility that confirms family bookings, a new time waits for an officer again.
    const confirmation = rules.confirmation === 'officer' ? 'pending' as const : visit.confirmation;
    try {
      await audited(
        ctx.storage,
        (tx) => moveVisit(tx, { visitId: visit.id, start, boothIds, confirmation }, async (inner, before, after) => {
          const visitorIds = await visitorIdsOf(inner.db, visit.id);
          await notifyVisitMoved(inner, visitRef(after), before.scheduled_start, await visitorRecipients(inner, visitorIds));
          return { before, after };
        }),
        ({ before, after }) => ({
          actorKind: 'family', actorId: session.accountId, facilityId: session.facilityId, action: 'visit.moved', subjectKind: 'visit', subjectId: visit.id,
          details: { from: before.scheduled_start, to: after.scheduled_start, boothId: after.booth_id, awaitingConfirmation: after.confirmation === 'pending' },
        }),
      );
    } catch (err) {
      if (err instanceof BookingRefused) throw refusal(err.problems);
      if (err instanceof VisitNotScheduled) throw new HttpError(409, 'visit_not_scheduled', 'only a scheduled visit can be moved');
      throw err;
    }
    res.json({ visit: await viewOf(session, visit.id) });
  });

  // A fresh join link for the account's visitor; the audit entry records who was handed it.
  router.get('/family/visits/:id/join', family, async (req, res) => {
    const session = familyOf(req);
    const visit = await ownVisit(req);
    if (visit.status !== 'scheduled' && visit.status !== 'live') throw new HttpError(409, 'visit_closed', `this visit is ${visit.status}`);
    if (visit.confirmation === 'pending') throw new HttpError(409, 'awaiting_confirmation', 'the visit opens once an officer has confirmed it');
    if (visit.privileged === 1 && visit.privileged_approval !== 'approved') throw new HttpError(409, 'awaiting_approval', 'the visit opens once a supervisor has approved it');
    const token = ctx.tokens.signJoin(visit.visitor_id, { id: visit.id, scheduledStart: new Date(visit.scheduled_start), durationSeconds: visit.duration_seconds });
    await appendAudit(ctx.storage, {
      actorKind: 'family', actorId: session.accountId, facilityId: session.facilityId, action: 'visit.links_issued', subjectKind: 'visit', subjectId: visit.id,
      details: { visitorIds: [visit.visitor_id] },
    });
    res.set('Cache-Control', 'no-store');
    res.json({ familyUrl: familyUrl(ctx.publicUrl(), token) });
  });

  return router;
}
