import { z } from 'zod';
import type { Storage } from '../storage/database.ts';
import type { VisitStatus } from '../storage/tables.ts';
import { localClock, localPeriodRange, weekdayOf } from './facility-calendar.ts';
import { clockMinutes, getFacilityRules, type FacilityRules } from './facility-rules.ts';
import { visitEndsAt } from './visit-store.ts';

/**
 * The booking checks, in two halves: loadBookingContext reads what they need for a time range
 * (inside the booking transaction when booking), bookingProblems judges one request against it
 * without touching the database. createVisit, extendVisit, POST /api/visits/check and the slot
 * grid all judge with the same bookingProblems, so the grid never offers a slot a booking refuses.
 */

/** Statuses that hold a booth, an inmate and the visitors for their window. */
export const OCCUPYING: VisitStatus[] = ['scheduled', 'live'];
/** Statuses a quota counts: booked, running and held visits (not cancelled or missed ones). */
export const QUOTA_COUNTED: VisitStatus[] = ['scheduled', 'live', 'ended'];
/** How far back to look for a visit still running into a new window (covers extended calls). */
const LOOKBACK_MS = 24 * 3600_000;

export const BOOKING_PROBLEM_CODES = ['too_many_visitors', 'outside_visiting_hours', 'booth_busy', 'inmate_busy', 'visitor_busy', 'quota_exceeded'] as const;
export type BookingProblemCode = (typeof BOOKING_PROBLEM_CODES)[number];

/** One reason a booking would be refused; `field` names the request field to change. */
export interface BookingProblem {
  code: BookingProblemCode;
  field: string;
  message: string;
  /** The visit it clashes with (busy codes only). */
  visitId?: string;
}

export const bookingProblemSchema = z.object({ code: z.string(), field: z.string(), message: z.string() });

export interface BookingRequest {
  boothId: string;
  inmateId: string;
  visitorIds: string[];
  start: Date;
  end: Date;
  /** Legal-counsel visits: a right of the inmate, so not limited by (nor counted in) the family visit quota. */
  privileged: boolean;
}

interface HeldWindow {
  id: string;
  boothId: string;
  inmateId: string;
  start: Date;
  end: Date;
  /** The people in it: visitors' NIK hashes, so one person registered for two inmates is one person. */
  people: Set<string>;
}

export interface BookingContext {
  timezone: string;
  rules: FacilityRules;
  /** Rules never saved: visiting hours are the defaults, shown but not enforced. */
  isDefault: boolean;
  /** Occupying visits of the facility that may overlap the range. */
  held: HeldWindow[];
  /** Start times of the inmate's visits a quota counts, over every quota period touching the range. */
  quotaCounted: Date[];
  /** Requested visitor id → person key. */
  personOf: Map<string, string>;
  exceptVisitId?: string;
}

export interface BookingScope {
  facilityId: string;
  inmateId: string;
  visitorIds: string[];
  /** The range requests will fall in: [from, to). */
  from: Date;
  to: Date;
  /** A visit left out of every check (the one being extended). */
  exceptVisitId?: string;
}

export async function loadBookingContext(storage: Storage, scope: BookingScope): Promise<BookingContext> {
  const db = storage.db;
  const facility = await db.selectFrom('facilities').select('timezone').where('id', '=', scope.facilityId).executeTakeFirstOrThrow();
  const { rules, isDefault } = await getFacilityRules(storage, scope.facilityId);

  const visits = await db
    .selectFrom('visits')
    .select(['id', 'booth_id', 'inmate_id', 'scheduled_start', 'duration_seconds'])
    .where('facility_id', '=', scope.facilityId)
    .where('status', 'in', OCCUPYING)
    .where('scheduled_start', '<', scope.to.toISOString())
    .where('scheduled_start', '>', new Date(scope.from.getTime() - LOOKBACK_MS).toISOString())
    .execute();
  const overlapping = visits.filter((v) => v.id !== scope.exceptVisitId && visitEndsAt(v) > scope.from);
  const people = overlapping.length === 0 ? [] : await db
    .selectFrom('visit_visitors')
    .innerJoin('visitors', 'visitors.id', 'visit_visitors.visitor_id')
    .select(['visit_visitors.visit_id', 'visitors.nik_hash'])
    .where('visit_visitors.visit_id', 'in', overlapping.map((v) => v.id))
    .execute();
  const held = overlapping.map((v) => ({
    id: v.id,
    boothId: v.booth_id,
    inmateId: v.inmate_id,
    start: new Date(v.scheduled_start),
    end: visitEndsAt(v),
    people: new Set(people.filter((p) => p.visit_id === v.id).map((p) => p.nik_hash)),
  }));

  let quotaCounted: Date[] = [];
  if (rules.quota) {
    const first = localPeriodRange(localClock(scope.from, facility.timezone).date, rules.quota.period, facility.timezone).from;
    const last = localPeriodRange(localClock(new Date(scope.to.getTime() - 1), facility.timezone).date, rules.quota.period, facility.timezone).to;
    let query = db
      .selectFrom('visits')
      .select('scheduled_start')
      .where('inmate_id', '=', scope.inmateId)
      .where('status', 'in', QUOTA_COUNTED)
      .where('privileged', '=', 0)
      .where('scheduled_start', '>=', first.toISOString())
      .where('scheduled_start', '<', last.toISOString());
    if (scope.exceptVisitId) query = query.where('id', '!=', scope.exceptVisitId);
    quotaCounted = (await query.execute()).map((v) => new Date(v.scheduled_start));
  }

  const visitors = scope.visitorIds.length === 0 ? [] : await db.selectFrom('visitors').select(['id', 'nik_hash']).where('id', 'in', scope.visitorIds).execute();
  const personOf = new Map(scope.visitorIds.map((id) => [id, visitors.find((v) => v.id === id)?.nik_hash ?? `id:${id}`]));
  return { timezone: facility.timezone, rules, isDefault, held, quotaCounted, personOf, exceptVisitId: scope.exceptVisitId };
}

/** How many of the inmate's visits the quota has counted in the period holding `at`. */
export function quotaUsed(context: BookingContext, at: Date): number {
  if (!context.rules.quota) return 0;
  const { from, to } = localPeriodRange(localClock(at, context.timezone).date, context.rules.quota.period, context.timezone);
  return context.quotaCounted.filter((s) => s >= from && s < to).length;
}

function hoursText(rules: FacilityRules, weekday: number): string {
  const windows = rules.visitingHours[String(weekday) as keyof FacilityRules['visitingHours']];
  return windows.length === 0 ? 'there are no visiting hours on that day' : `start and end must fall within one visiting-hours window of that day (${windows.map((w) => `${w.from}–${w.to}`).join(', ')})`;
}

function withinVisitingHours(context: BookingContext, start: Date, end: Date): boolean {
  const { date, seconds } = localClock(start, context.timezone);
  const endSeconds = seconds + (end.getTime() - start.getTime()) / 1000;
  const windows = context.rules.visitingHours[String(weekdayOf(date)) as keyof FacilityRules['visitingHours']];
  return windows.some((w) => clockMinutes(w.from) * 60 <= seconds && endSeconds <= clockMinutes(w.to) * 60);
}

export interface CheckSelection {
  /** default true; false for an extension (an officer's supervised decision, audited with a reason). */
  hours?: boolean;
  quota?: boolean;
  maxVisitors?: boolean;
}

/**
 * Every reason `request` would be refused, most fundamental first: too many visitors, outside
 * visiting hours (saved rules only), booth, inmate or visitor already in an overlapping visit,
 * inmate quota used up. Empty: the booking may be stored.
 */
export function bookingProblems(context: BookingContext, request: BookingRequest, check: CheckSelection = {}): BookingProblem[] {
  const problems: BookingProblem[] = [];
  const { rules } = context;
  if (check.maxVisitors !== false && request.visitorIds.length > rules.maxVisitorsPerVisit) {
    problems.push({ code: 'too_many_visitors', field: 'visitorIds', message: `at most ${rules.maxVisitorsPerVisit} visitors per visit` });
  }
  if (check.hours !== false && !context.isDefault && !withinVisitingHours(context, request.start, request.end)) {
    problems.push({ code: 'outside_visiting_hours', field: 'scheduledStart', message: hoursText(rules, weekdayOf(localClock(request.start, context.timezone).date)) });
  }

  const overlapping = context.held.filter((v) => v.start < request.end && v.end > request.start);
  const booth = overlapping.find((v) => v.boothId === request.boothId);
  if (booth) problems.push({ code: 'booth_busy', field: 'boothId', message: `overlaps visit ${booth.id}`, visitId: booth.id });
  const inmate = overlapping.find((v) => v.inmateId === request.inmateId);
  if (inmate) problems.push({ code: 'inmate_busy', field: 'inmateId', message: `overlaps visit ${inmate.id}`, visitId: inmate.id });
  request.visitorIds.forEach((visitorId, i) => {
    const person = context.personOf.get(visitorId) ?? `id:${visitorId}`;
    const busy = overlapping.find((v) => v.inmateId !== request.inmateId && v.people.has(person));
    if (busy) problems.push({ code: 'visitor_busy', field: `visitorIds.${i}`, message: `is in visit ${busy.id} at that time`, visitId: busy.id });
  });

  if (check.quota !== false && rules.quota && !request.privileged) {
    const used = quotaUsed(context, request.start);
    if (used >= rules.quota.count) {
      problems.push({ code: 'quota_exceeded', field: 'scheduledStart', message: `the inmate already has ${used} of ${rules.quota.count} visits allowed per ${rules.quota.period}` });
    }
  }
  return problems;
}
