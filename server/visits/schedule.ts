import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { appendAuditIn, type AuditEntryInput } from '../audit/audit-log.ts';
import type { Storage } from '../storage/database.ts';
import { withinTransaction } from '../storage/transaction.ts';
import type { VisitStatus, VisitsTable } from '../storage/tables.ts';
import { visitEndsAt, withParties, type VisitWithParties } from './visit-store.ts';

/** Statuses that hold a booth and an inmate for their window. */
const OCCUPYING: VisitStatus[] = ['scheduled', 'live'];
/** How far back to look for a visit still running into a new window (covers extended calls). */
const LOOKBACK_MS = 24 * 3600_000;

export interface NewVisit {
  facilityId: string;
  inmateId: string;
  boothId: string;
  visitorIds: string[];
  scheduledStart: Date;
  durationSeconds: number;
  privileged: boolean;
  createdBy: string;
}

/** The booth or the inmate already has a visit overlapping the requested window. */
export class ScheduleConflict extends Error {
  constructor(readonly resource: 'booth' | 'inmate', readonly visitId: string) {
    super(`${resource} already has visit ${visitId} in that time`);
  }
}

/**
 * Books a visit unless its booth or inmate is taken in any overlapping window. Check and insert
 * share one transaction; PostgreSQL also takes a per-facility lock so two nodes cannot both book.
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
  };
  return withinTransaction(storage, async ({ db: trx }) => {
    await lockFacilitySchedule(storage, trx, input.facilityId);
    await assertNoClash(trx, { boothId: input.boothId, inmateId: input.inmateId, start, end });
    await trx.insertInto('visits').values(row).execute();
    await trx.insertInto('visit_visitors').values(input.visitorIds.map((visitor_id) => ({ visit_id: row.id, visitor_id }))).execute();
    return row;
  });
}

type Db = Storage['db'];

/** Serialises schedule changes of one facility across nodes (PostgreSQL); SQLite has one writer. */
async function lockFacilitySchedule(storage: Storage, trx: Db, facilityId: string): Promise<void> {
  if (storage.kind === 'postgres') await sql`select pg_advisory_xact_lock(7312, hashtext(${facilityId}))`.execute(trx);
}

/** Throws ScheduleConflict if the booth or the inmate has another visit overlapping [start, end). */
async function assertNoClash(trx: Db, w: { boothId: string; inmateId: string; start: Date; end: Date; exceptVisitId?: string }): Promise<void> {
  let query = trx
    .selectFrom('visits')
    .selectAll()
    .where('status', 'in', OCCUPYING)
    .where((eb) => eb.or([eb('booth_id', '=', w.boothId), eb('inmate_id', '=', w.inmateId)]))
    .where('scheduled_start', '<', w.end.toISOString())
    .where('scheduled_start', '>', new Date(w.start.getTime() - LOOKBACK_MS).toISOString());
  if (w.exceptVisitId) query = query.where('id', '!=', w.exceptVisitId);
  const clash = (await query.execute()).find((v) => visitEndsAt(v) > w.start);
  if (clash) throw new ScheduleConflict(clash.booth_id === w.boothId ? 'booth' : 'inmate', clash.id);
}

/**
 * Lengthens an open visit by `seconds`, unless its booth or inmate has another visit in the
 * added time. Returns the updated row, or undefined if the visit is no longer open.
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
    const end = visitEndsAt(visit);
    await assertNoClash(trx, { boothId: visit.booth_id, inmateId: visit.inmate_id, start: end, end: new Date(end.getTime() + seconds * 1000), exceptVisitId: visit.id });
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
