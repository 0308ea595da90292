import { z } from 'zod';
import { JOIN_EARLY_MS } from '../calls/call-rules.ts';
import type { Storage } from '../storage/database.ts';
import type { VisitsTable } from '../storage/tables.ts';
import { getFacilityRules } from '../visits/facility-rules.ts';
import { SLOT_REASONS, slotGrid } from '../visits/slots.ts';
import { visitEndsAt } from '../visits/visit-store.ts';
import type { FamilySession } from './family-session.ts';

const at = z.iso.datetime({ offset: true });

/** A visit as its family sees it: no booth, no other people's data. */
export const familyVisitSchema = z.strictObject({
  id: z.uuid(),
  status: z.enum(['scheduled', 'live', 'ended', 'missed', 'cancelled']),
  awaitingConfirmation: z.boolean().describe('booked, but the facility confirms family bookings by hand: the call cannot start yet'),
  scheduledStart: at,
  durationSeconds: z.number().int(),
  endsAt: at,
  timezone: z.string(),
  inmate: z.strictObject({ name: z.string() }),
  visitorId: z.uuid().describe('the account\'s visitor record in this visit'),
  changeableUntil: at.describe('cancel and move are accepted until this instant (the facility\'s change deadline)'),
  canJoinFrom: at.describe('the call opens 10 minutes before the start'),
});
export type FamilyVisit = z.output<typeof familyVisitSchema>;

export const familySlotSchema = z.object({ start: z.iso.datetime(), end: z.iso.datetime(), free: z.boolean(), reason: z.enum(SLOT_REASONS).optional() });

/** Response of GET /api/family/slots: one list of times; a time is free when some booth is. */
export const familySlotsSchema = z.object({
  date: z.iso.date(),
  timezone: z.string(),
  slotMinutes: z.number().int(),
  durationMinutes: z.number().int(),
  quota: z.object({ count: z.number().int(), period: z.enum(['week', 'month']), used: z.number().int() }).nullable(),
  slots: z.array(familySlotSchema),
});
export type FamilySlots = z.output<typeof familySlotsSchema> & { boothIds: string[] };

/** The account's own visitor record (approved registration) in its facility, with its inmate. */
export async function familyVisitor(storage: Storage, family: FamilySession, visitorId: string) {
  return storage.db
    .selectFrom('visitors')
    .innerJoin('inmates', 'inmates.id', 'visitors.inmate_id')
    .select(['visitors.id', 'visitors.inmate_id', 'inmates.name as inmate_name'])
    .where('visitors.id', '=', visitorId)
    .where('visitors.family_account_id', '=', family.accountId)
    .where('inmates.facility_id', '=', family.facilityId)
    .executeTakeFirst();
}

/**
 * The free times of one local day for one of the account's visitors: the officer slot grid (the
 * same bookingProblems a booking goes through), folded over the booths. A time is free when any
 * booth is; else its reason is the first that is not "that booth is busy" (inmate busy, quota …),
 * or booth_busy when every booth is taken.
 */
export async function familySlots(storage: Storage, input: { facilityId: string; inmateId: string; visitorId: string; date: string; now?: Date }): Promise<FamilySlots> {
  const grid = await slotGrid(storage, { facilityId: input.facilityId, date: input.date, inmateId: input.inmateId, visitorIds: [input.visitorId], privileged: false, now: input.now });
  const times = grid.booths[0]?.slots ?? [];
  const slots = times.map((time, i) => {
    const perBooth = grid.booths.map((b) => b.slots[i]!);
    if (perBooth.some((s) => s.free)) return { start: time.start, end: time.end, free: true };
    const reason = perBooth.find((s) => s.reason !== 'booth_busy')?.reason ?? 'booth_busy';
    return { start: time.start, end: time.end, free: false, reason };
  });
  const { booths: _booths, ...rest } = grid;
  return { ...rest, slots, boothIds: grid.booths.map((b) => b.id) };
}

/** The account's visits (any visit one of its visitors is in), newest first. */
async function accountVisitRows(storage: Storage, family: FamilySession, visitId?: string) {
  let query = storage.db
    .selectFrom('visits')
    .innerJoin('visit_visitors', 'visit_visitors.visit_id', 'visits.id')
    .innerJoin('visitors', 'visitors.id', 'visit_visitors.visitor_id')
    .innerJoin('inmates', 'inmates.id', 'visits.inmate_id')
    .selectAll('visits')
    .select(['visit_visitors.visitor_id', 'inmates.name as inmate_name'])
    .where('visitors.family_account_id', '=', family.accountId)
    .where('visits.facility_id', '=', family.facilityId);
  if (visitId) query = query.where('visits.id', '=', visitId);
  const rows = await query.orderBy('visits.scheduled_start', 'desc').orderBy('visits.id').limit(300).execute();
  // one row per visit, even when two of the account's visitor records are in it
  const seen = new Set<string>();
  return rows.filter((r) => !seen.has(r.id) && seen.add(r.id));
}

export type AccountVisit = VisitsTable & { visitor_id: string; inmate_name: string };

export interface FamilyVisitContext {
  timezone: string;
  changeDeadlineHours: number;
}

export async function familyVisitContext(storage: Storage, facilityId: string): Promise<FamilyVisitContext> {
  const facility = await storage.db.selectFrom('facilities').select('timezone').where('id', '=', facilityId).executeTakeFirstOrThrow();
  const { rules } = await getFacilityRules(storage, facilityId);
  return { timezone: facility.timezone, changeDeadlineHours: rules.familyBooking.changeDeadlineHours };
}

/** Until when the family may cancel or move the visit. */
export function changeableUntil(visit: Pick<VisitsTable, 'scheduled_start'>, context: FamilyVisitContext): Date {
  return new Date(new Date(visit.scheduled_start).getTime() - context.changeDeadlineHours * 3600_000);
}

export function familyVisitView(visit: AccountVisit, context: FamilyVisitContext): FamilyVisit {
  const start = new Date(visit.scheduled_start);
  return {
    id: visit.id,
    status: visit.status,
    awaitingConfirmation: visit.confirmation === 'pending' && visit.status === 'scheduled',
    scheduledStart: visit.scheduled_start,
    durationSeconds: visit.duration_seconds,
    endsAt: visitEndsAt(visit).toISOString(),
    timezone: context.timezone,
    inmate: { name: visit.inmate_name },
    visitorId: visit.visitor_id,
    changeableUntil: changeableUntil(visit, context).toISOString(),
    canJoinFrom: new Date(start.getTime() - JOIN_EARLY_MS).toISOString(),
  };
}

/** One of the account's visits; undefined for another family's visit or an unknown id alike. */
export async function findAccountVisit(storage: Storage, family: FamilySession, visitId: string): Promise<AccountVisit | undefined> {
  return (await accountVisitRows(storage, family, visitId))[0];
}

const PAST_SHOWN = 50;

/** Upcoming (scheduled or running, not over; soonest first) and past visits (newest first). */
export async function listFamilyVisits(storage: Storage, family: FamilySession, now = new Date()): Promise<{ upcoming: FamilyVisit[]; past: FamilyVisit[] }> {
  const context = await familyVisitContext(storage, family.facilityId);
  const rows = await accountVisitRows(storage, family);
  const open = (v: AccountVisit) => (v.status === 'scheduled' || v.status === 'live') && visitEndsAt(v) > now;
  return {
    upcoming: rows.filter(open).reverse().map((v) => familyVisitView(v, context)),
    past: rows.filter((v) => !open(v)).slice(0, PAST_SHOWN).map((v) => familyVisitView(v, context)),
  };
}
