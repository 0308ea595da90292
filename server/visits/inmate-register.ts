import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { readCsv, rowProblems, type CsvProblem } from '../csv/csv-file.ts';
import type { Storage } from '../storage/database.ts';
import type { InmatesTable, InmateStatus, VisitsTable } from '../storage/tables.ts';
import { INMATE_CSV_COLUMNS, inmateCsvRow } from './people-schemas.ts';
import { visitorRecipients } from '../notifications/contacts.ts';
import { notifyInmateTransferred, notifyVisitCancelled, visitRef } from '../notifications/events.ts';
import { lockFacilitySchedule } from './schedule.ts';
import { transitionVisit, visitEndsAt, visitorIdsOf } from './visit-store.ts';

const CHUNK = 200;

export interface InmateChanges {
  name?: string;
  block?: string;
  status?: InmateStatus;
  reason?: string;
}

export interface InmateChangeResult {
  inmate: InmatesTable;
  /** Scheduled visits not yet over, cancelled because the inmate left. */
  cancelled: VisitsTable[];
  /** Visits of the inmate live now: left running (an officer ends a call, not a register change). */
  liveVisitIds: string[];
}

/**
 * Changes an inmate's name, block or status. Leaving (transferred, released) cancels every
 * scheduled visit of the inmate that is not over yet, end_reason inmate_<status>. Run it in
 * the caller's transaction (audited) so the status and the cancellations are stored together.
 */
export async function changeInmate(storage: Storage, inmate: InmatesTable, changes: InmateChanges, by: string, now = new Date()): Promise<InmateChangeResult> {
  const statusChanges = changes.status !== undefined && changes.status !== inmate.status;
  // The booking transaction's lock (schedule.ts): a booking and a departure of the same facility do not interleave.
  if (statusChanges) await lockFacilitySchedule(storage, storage.db, inmate.facility_id);
  const updated: InmatesTable = {
    ...inmate,
    name: changes.name ?? inmate.name,
    block: changes.block ?? inmate.block,
    ...(statusChanges ? { status: changes.status!, status_reason: changes.reason ?? null, status_changed_by: by, status_changed_at: now.toISOString() } : {}),
  };
  await storage.db
    .updateTable('inmates')
    .set({
      name: updated.name,
      block: updated.block,
      status: updated.status,
      status_reason: updated.status_reason,
      status_changed_by: updated.status_changed_by,
      status_changed_at: updated.status_changed_at,
    })
    .where('id', '=', inmate.id)
    .execute();
  const open = await storage.db.selectFrom('visits').selectAll().where('inmate_id', '=', inmate.id).where('status', 'in', ['scheduled', 'live']).execute();
  const liveVisitIds = open.filter((v) => v.status === 'live').map((v) => v.id);
  if (!statusChanges || updated.status === 'active') return { inmate: updated, cancelled: [], liveVisitIds };

  const cancelled: VisitsTable[] = [];
  const endReason = `inmate_${updated.status}`;
  // Scheduled visits already over are left to the missed-visit sweep: they did not happen, nothing to cancel.
  for (const visit of open.filter((v) => v.status === 'scheduled' && visitEndsAt(v) > now)) {
    if (await transitionVisit(storage, visit.id, ['scheduled'], 'cancelled', { ended_at: now.toISOString(), end_reason: endReason })) {
      cancelled.push({ ...visit, status: 'cancelled', ended_at: now.toISOString(), end_reason: endReason });
      const visitorIds = await visitorIdsOf(storage.db, visit.id);
      const recipients = await visitorRecipients(storage, visitorIds);
      // The family is told in the same transaction (outbox); a release has no "ask the new facility" advice.
      if (updated.status === 'transferred') await notifyInmateTransferred(storage, visitRef(visit), recipients);
      else await notifyVisitCancelled(storage, visitRef(visit), recipients, changes.reason ?? endReason);
    }
  }
  return { inmate: updated, cancelled, liveVisitIds };
}

/** Who to tell about each cancelled visit: its booth and visitors with their phone numbers. */
export async function cancelledVisitViews(storage: Storage, visits: VisitsTable[]) {
  if (visits.length === 0) return [];
  const [booths, visitors] = await Promise.all([
    storage.db.selectFrom('booths').select(['id', 'name']).where('id', 'in', [...new Set(visits.map((v) => v.booth_id))]).execute(),
    storage.db
      .selectFrom('visit_visitors')
      .innerJoin('visitors', 'visitors.id', 'visit_visitors.visitor_id')
      .select(['visit_visitors.visit_id', 'visitors.id', 'visitors.name', 'visitors.phone'])
      .where('visit_visitors.visit_id', 'in', visits.map((v) => v.id))
      .orderBy('visitors.name')
      .execute(),
  ]);
  return visits.map((v) => ({
    id: v.id,
    scheduledStart: v.scheduled_start,
    boothName: booths.find((b) => b.id === v.booth_id)?.name ?? '',
    visitors: visitors.filter((x) => x.visit_id === v.id).map(({ id, name, phone }) => ({ id, name, phone })),
  }));
}

export interface RegisterRow {
  registrationNumber: string;
  name: string;
  block: string;
}

const sameRegistration = (r: string) => r.toUpperCase();

/** The facility's inmate register as a CSV file (registrationNumber, name, block): all rows, or the problems. */
export function parseInmateCsv(text: string): { ok: true; rows: RegisterRow[] } | { ok: false; problems: CsvProblem[] } {
  const read = readCsv(text, INMATE_CSV_COLUMNS);
  if (!read.ok) return read;
  const problems: CsvProblem[] = [];
  const rows: RegisterRow[] = [];
  const lineOf = new Map<string, number>();
  for (const { record, line } of read.rows) {
    const parsed = inmateCsvRow.safeParse(record);
    if (!parsed.success) {
      problems.push(...rowProblems(line, parsed.error));
      continue;
    }
    const key = sameRegistration(parsed.data.registrationNumber);
    const first = lineOf.get(key);
    if (first !== undefined) {
      problems.push({ line, column: 'registrationNumber', message: `same registration number as line ${first}` });
      continue;
    }
    lineOf.set(key, line);
    rows.push(parsed.data);
  }
  return problems.length > 0 ? { ok: false, problems } : { ok: true, rows };
}

/**
 * Applies the register to the facility: a known registration number (any letter case) gets
 * the file's name and block, an unknown one becomes a new active inmate. Status is left alone.
 * Run it in the caller's transaction: the whole file or nothing.
 */
export async function importInmateRegister(storage: Storage, facilityId: string, rows: RegisterRow[], now = new Date()) {
  let created = 0;
  let updated = 0;
  let unchanged = 0;
  for (let i = 0; i < rows.length; i += CHUNK) {
    const part = rows.slice(i, i + CHUNK);
    const existing = await storage.db
      .selectFrom('inmates')
      .select(['id', 'registration_number', 'name', 'block'])
      .where('facility_id', '=', facilityId)
      .where(sql<string>`upper(registration_number)`, 'in', part.map((r) => r.registrationNumber.toUpperCase()))
      .execute();
    const fresh: InmatesTable[] = [];
    for (const row of part) {
      const matches = existing.filter((e) => e.registration_number.toUpperCase() === row.registrationNumber.toUpperCase());
      const match = matches.find((e) => e.registration_number === row.registrationNumber) ?? matches[0];
      if (!match) {
        fresh.push({
          id: randomUUID(), facility_id: facilityId, registration_number: row.registrationNumber, name: row.name, block: row.block,
          created_at: now.toISOString(), status: 'active', status_reason: null, status_changed_by: null, status_changed_at: null,
        });
      } else if (match.name === row.name && match.block === row.block) {
        unchanged++;
      } else {
        await storage.db.updateTable('inmates').set({ name: row.name, block: row.block }).where('id', '=', match.id).execute();
        updated++;
      }
    }
    if (fresh.length > 0) await storage.db.insertInto('inmates').values(fresh).execute();
    created += fresh.length;
  }
  return { created, updated, unchanged };
}
