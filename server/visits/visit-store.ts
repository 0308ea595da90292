import type { Storage } from '../storage/database.ts';
import type { VisitStatus, VisitsTable } from '../storage/tables.ts';

/** A visit with the people in it, as the call rules need it. */
export interface VisitWithParties {
  visit: VisitsTable;
  inmate: { id: string; name: string; registrationNumber: string; block: string };
  booth: { id: string; name: string };
  visitors: Array<{ id: string; name: string; relationship: string; advocateCredential: string | null }>;
}

export function visitEndsAt(visit: Pick<VisitsTable, 'scheduled_start' | 'duration_seconds'>): Date {
  return new Date(new Date(visit.scheduled_start).getTime() + visit.duration_seconds * 1000);
}

/** The visitor ids of one visit (who to tell about it). */
export async function visitorIdsOf(db: Storage['db'], visitId: string): Promise<string[]> {
  return (await db.selectFrom('visit_visitors').select('visitor_id').where('visit_id', '=', visitId).execute()).map((v) => v.visitor_id);
}

export async function getVisitWithParties(storage: Storage, visitId: string): Promise<VisitWithParties | undefined> {
  return (await getVisitsWithParties(storage, [visitId]))[0];
}

/** These visits (unknown ids left out) with their parties, in three queries however many there are. */
export async function getVisitsWithParties(storage: Storage, visitIds: string[]): Promise<VisitWithParties[]> {
  if (visitIds.length === 0) return [];
  const visits = await storage.db.selectFrom('visits').selectAll().where('id', 'in', visitIds).execute();
  return withParties(storage, visits);
}

/** Each visit with its inmate, booth and visitors (by name), in the order given. */
export async function withParties(storage: Storage, visits: VisitsTable[]): Promise<VisitWithParties[]> {
  if (visits.length === 0) return [];
  const [inmates, booths, visitors] = await Promise.all([
    storage.db.selectFrom('inmates').selectAll().where('id', 'in', [...new Set(visits.map((v) => v.inmate_id))]).execute(),
    storage.db.selectFrom('booths').select(['id', 'name']).where('id', 'in', [...new Set(visits.map((v) => v.booth_id))]).execute(),
    storage.db
      .selectFrom('visit_visitors')
      .innerJoin('visitors', 'visitors.id', 'visit_visitors.visitor_id')
      .select(['visit_visitors.visit_id', 'visitors.id', 'visitors.name', 'visitors.relationship', 'visitors.advocate_credential'])
      .where('visit_visitors.visit_id', 'in', visits.map((v) => v.id))
      .orderBy('visitors.name')
      .execute(),
  ]);
  const inmateById = new Map(inmates.map((i) => [i.id, i]));
  const boothById = new Map(booths.map((b) => [b.id, b]));
  return visits.map((visit) => {
    const inmate = inmateById.get(visit.inmate_id)!;
    return {
      visit,
      inmate: { id: inmate.id, name: inmate.name, registrationNumber: inmate.registration_number, block: inmate.block },
      booth: boothById.get(visit.booth_id)!,
      visitors: visitors
        .filter((v) => v.visit_id === visit.id)
        .map(({ id, name, relationship, advocate_credential }) => ({ id, name, relationship, advocateCredential: advocate_credential })),
    };
  });
}

/**
 * The visit a booth should show or join now: a scheduled or live visit whose window
 * (start - earlySeconds .. end) contains `now`, else the next scheduled one today onwards.
 */
export async function currentOrNextVisitForBooth(storage: Storage, boothId: string, now = new Date(), earlySeconds = 600): Promise<VisitsTable | undefined> {
  const candidates = await storage.db
    .selectFrom('visits')
    .selectAll()
    .where('booth_id', '=', boothId)
    .where('status', 'in', ['scheduled', 'live'])
    .where('scheduled_start', '>=', new Date(now.getTime() - 24 * 3600_000).toISOString())
    .orderBy('scheduled_start')
    .limit(20)
    .execute();
  const open = candidates.filter((v) => visitEndsAt(v) > now);
  return (
    open.find((v) => new Date(v.scheduled_start).getTime() - earlySeconds * 1000 <= now.getTime()) ??
    open.find((v) => new Date(v.scheduled_start) > now)
  );
}

/** Moves a visit to a new status; `from` guards against racing transitions. Returns false if it was not in `from`. */
export async function transitionVisit(
  storage: Storage,
  visitId: string,
  from: VisitStatus[],
  to: VisitStatus,
  extra: Partial<Pick<VisitsTable, 'started_at' | 'ended_at' | 'end_reason' | 'duration_seconds'>> = {},
): Promise<boolean> {
  const result = await storage.db
    .updateTable('visits')
    .set({ status: to, ...extra })
    .where('id', '=', visitId)
    .where('status', 'in', from)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

export async function isBoothDeviceActive(storage: Storage, deviceId: string, boothId: string): Promise<boolean> {
  const row = await storage.db.selectFrom('booth_devices').select(['booth_id', 'revoked_at']).where('id', '=', deviceId).executeTakeFirst();
  return !!row && row.booth_id === boothId && row.revoked_at === null;
}
