import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { appendAuditIn, type AuditEntryInput } from '../audit/audit-log.ts';
import type { Storage } from '../storage/database.ts';
import { withinTransaction } from '../storage/transaction.ts';
import type { VisitConfirmation, VisitStatus, VisitsTable } from '../storage/tables.ts';
import { bookingProblems, loadBookingContext, OCCUPYING, type BookingContext, type BookingProblem, type BookingRequest } from './booking-rules.ts';
import { visitEndsAt, visitorIdsOf, type VisitWithParties, withParties } from './visit-store.ts';

export interface NewVisit {
  facilityId: string;
  inmateId: string;
  boothId: string;
  visitorIds: string[];
  scheduledStart: Date;
  durationSeconds: number;
  privileged: boolean;
  createdBy: string;
  /** 'pending': a family booking that waits for an officer (the slot is held, the call refused). */
  confirmation?: VisitConfirmation | null;
  /** Booths to take instead, in order, when boothId is not free (a family booking: the server picks the booth under the lock). */
  otherBoothIds?: string[];
}

/** The booth, the inmate or a visitor already has a visit overlapping the requested window. */
export class ScheduleConflict extends Error {
  constructor(readonly resource: 'booth' | 'inmate' | 'visitor', readonly visitId: string) {
    super(`${resource} already has visit ${visitId} in that time`);
  }
}

/** The facility's rules or the schedule refuse the booking; `problems` says every reason. */
export class BookingRefused extends Error {
  constructor(readonly problems: BookingProblem[]) {
    super(problems.map((p) => `${p.field}: ${p.message}`).join('; '));
  }
}

/**
 * Books a visit unless bookingProblems finds a reason to refuse it (visiting hours, visitors per
 * visit, booth/inmate/visitor overlap, inmate quota). Check and insert share one transaction and
 * PostgreSQL also takes a per-facility lock, so two bookings (even on two nodes) cannot both
 * take the last free slot or quota unit.
 */
export async function createVisit(storage: Storage, input: NewVisit): Promise<VisitsTable> {
  const start = input.scheduledStart;
  const end = new Date(start.getTime() + input.durationSeconds * 1000);
  const row: VisitsTable = {
    id: randomUUID(),
    facility_id: input.facilityId,
    inmate_id: input.inmateId,
    booth_id: input.boothId,
    scheduled_start: start.toISOString(),
    duration_seconds: input.durationSeconds,
    status: 'scheduled',
    privileged: input.privileged ? 1 : 0,
    // A privileged visit waits for a supervisor's approval before its call may start.
    privileged_approval: input.privileged ? 'pending' : null,
    privileged_decided_by: null,
    privileged_decided_at: null,
    privileged_decision_reason: null,
    started_at: null,
    ended_at: null,
    end_reason: null,
    created_by: input.createdBy,
    created_at: new Date().toISOString(),
    confirmation: input.confirmation ?? null,
    day_before_reminded_at: null,
    soon_reminded_at: null,
  };
  return withinTransaction(storage, async (tx) => {
    const trx = tx.db;
    await lockFacilitySchedule(storage, trx, input.facilityId);
    const context = await loadBookingContext(tx, { facilityId: input.facilityId, inmateId: input.inmateId, visitorIds: input.visitorIds, from: start, to: end });
    const boothId = firstFreeBooth(context, [input.boothId, ...(input.otherBoothIds ?? [])], { ...input, start, end });
    row.booth_id = boothId;
    await trx.insertInto('visits').values(row).execute();
    await trx.insertInto('visit_visitors').values(input.visitorIds.map((visitor_id) => ({ visit_id: row.id, visitor_id }))).execute();
    return row;
  });
}

type Db = Storage['db'];

/** The first of `boothIds` the request may take; none: BookingRefused with the first booth's problems. */
function firstFreeBooth(context: BookingContext, boothIds: string[], request: Omit<BookingRequest, 'boothId'>): string {
  let refused: BookingProblem[] | undefined;
  for (const boothId of boothIds) {
    const problems = bookingProblems(context, { ...request, boothId });
    if (problems.length === 0) return boothId;
    refused ??= problems;
  }
  throw new BookingRefused(refused ?? []);
}

/** The visit is not (or no longer) scheduled. */
export class VisitNotScheduled extends Error {}

export interface VisitMove {
  visitId: string;
  start: Date;
  /** Booths to take, in order (the server picks the first free one). */
  boothIds: string[];
  confirmation: VisitConfirmation | null;
}

/**
 * Moves a scheduled visit to a new start (same length, same people), judged by the same
 * bookingProblems as a booking with the visit itself left out, under the same lock. The reminders
 * sent for the old start are forgotten, so the new start is reminded. `then` runs in the same
 * transaction (messages, audit). Throws VisitNotScheduled or BookingRefused.
 */
export async function moveVisit<T>(storage: Storage, move: VisitMove, then: (tx: Storage, before: VisitsTable, after: VisitsTable) => Promise<T>): Promise<T> {
  return withinTransaction(storage, async (tx) => {
    const visit = await tx.db.selectFrom('visits').selectAll().where('id', '=', move.visitId).where('status', '=', 'scheduled').executeTakeFirst();
    if (!visit) throw new VisitNotScheduled(`visit ${move.visitId} is not scheduled`);
    await lockFacilitySchedule(storage, tx.db, visit.facility_id);
    const end = new Date(move.start.getTime() + visit.duration_seconds * 1000);
    const visitorIds = await visitorIdsOf(tx.db, visit.id);
    const context = await loadBookingContext(tx, { facilityId: visit.facility_id, inmateId: visit.inmate_id, visitorIds, from: move.start, to: end, exceptVisitId: visit.id });
    const boothId = firstFreeBooth(context, move.boothIds, { inmateId: visit.inmate_id, visitorIds, start: move.start, end, privileged: visit.privileged === 1 });
    const changes = { booth_id: boothId, scheduled_start: move.start.toISOString(), confirmation: move.confirmation, day_before_reminded_at: null, soon_reminded_at: null };
    const updated = await tx.db.updateTable('visits').set(changes).where('id', '=', visit.id).where('status', '=', 'scheduled').executeTakeFirst();
    if (Number(updated.numUpdatedRows) !== 1) throw new VisitNotScheduled(`visit ${move.visitId} is not scheduled`);
    return then(tx, visit, { ...visit, ...changes });
  });
}

/**
 * Serialises schedule and rule changes of one facility: on PostgreSQL across nodes; on SQLite a
 * write that changes nothing takes the write lock before the checks read, so another process on
 * the same file (npm run demo beside the server) waits instead of booking from a stale snapshot.
 */
export async function lockFacilitySchedule(storage: Pick<Storage, 'kind'>, trx: Db, facilityId: string): Promise<void> {
  if (storage.kind === 'postgres') await sql`select pg_advisory_xact_lock(7312, hashtext(${facilityId}))`.execute(trx);
  else await sql`delete from facility_rules where 0 = 1`.execute(trx);
}

/**
 * Lengthens an open visit by `seconds`, unless its booth, inmate or a visitor has another visit
 * in the added time. Visiting hours and quota are not checked: an extension is an officer's
 * supervised decision, audited with its reason. Returns the updated row, or undefined if the
 * visit is no longer open.
 */
export async function extendVisit(
  storage: Storage,
  visitId: string,
  seconds: number,
  audit: (extended: VisitsTable) => AuditEntryInput,
): Promise<VisitsTable | undefined> {
  return storage.db.transaction().execute(async (trx) => {
    const visit = await trx.selectFrom('visits').selectAll().where('id', '=', visitId).where('status', 'in', OCCUPYING).executeTakeFirst();
    if (!visit) return undefined;
    await lockFacilitySchedule(storage, trx, visit.facility_id);
    const start = visitEndsAt(visit);
    const end = new Date(start.getTime() + seconds * 1000);
    const visitorIds = await visitorIdsOf(trx, visit.id);
    const tx = { ...storage, db: trx };
    const context = await loadBookingContext(tx, { facilityId: visit.facility_id, inmateId: visit.inmate_id, visitorIds, from: start, to: end, exceptVisitId: visit.id });
    const request = { boothId: visit.booth_id, inmateId: visit.inmate_id, visitorIds, start, end, privileged: visit.privileged === 1 };
    const clash = bookingProblems(context, request, { hours: false, quota: false, maxVisitors: false, people: false })[0];
    if (clash) throw new ScheduleConflict(clash.code === 'booth_busy' ? 'booth' : clash.code === 'inmate_busy' ? 'inmate' : 'visitor', clash.visitId ?? '');
    await trx.updateTable('visits').set({ duration_seconds: visit.duration_seconds + seconds }).where('id', '=', visit.id).execute();
    const extended = { ...visit, duration_seconds: visit.duration_seconds + seconds };
    await appendAuditIn(trx, storage.kind, audit(extended));
    return extended;
  });
}

export interface VisitFilter {
  facilityId: string;
  from: Date;
  to: Date;
  statuses?: VisitStatus[];
  boothId?: string;
  inmateId?: string;
  limit: number;
}

/** Visits starting in [from, to), with their parties, in start order. */
export async function listVisits(storage: Storage, filter: VisitFilter): Promise<VisitWithParties[]> {
  let query = storage.db
    .selectFrom('visits')
    .selectAll()
    .where('facility_id', '=', filter.facilityId)
    .where('scheduled_start', '>=', filter.from.toISOString())
    .where('scheduled_start', '<', filter.to.toISOString());
  if (filter.statuses?.length) query = query.where('status', 'in', filter.statuses);
  if (filter.boothId) query = query.where('booth_id', '=', filter.boothId);
  if (filter.inmateId) query = query.where('inmate_id', '=', filter.inmateId);
  const visits = await query.orderBy('scheduled_start').orderBy('id').limit(filter.limit).execute();

  return withParties(storage, visits);
}

/** The API shape of a visit, camelCase, with its parties. */
export function visitView({ visit, inmate, booth, visitors }: VisitWithParties) {
  return {
    id: visit.id,
    facilityId: visit.facility_id,
    status: visit.status,
    scheduledStart: visit.scheduled_start,
    durationSeconds: visit.duration_seconds,
    endsAt: visitEndsAt(visit).toISOString(),
    privileged: visit.privileged === 1,
    /** null: not privileged; pending: the call cannot start yet; approved; rejected (the visit is cancelled). */
    privilegedApproval: visit.privileged === 1
      ? { state: visit.privileged_approval ?? 'pending', decidedBy: visit.privileged_decided_by, decidedAt: visit.privileged_decided_at, reason: visit.privileged_decision_reason }
      : null,
    /** null: nothing to confirm; pending: a family booking waiting for an officer (the call cannot start yet); confirmed. */
    confirmation: visit.confirmation,
    startedAt: visit.started_at,
    endedAt: visit.ended_at,
    endReason: visit.end_reason,
    createdBy: visit.created_by,
    createdAt: visit.created_at,
    inmate,
    booth,
    visitors,
  };
}
