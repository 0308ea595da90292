import type { Kysely } from 'kysely';
import type { Storage } from '../storage/database.ts';
import type { Tables, VisitorsTable } from '../storage/tables.ts';

type Db = Kysely<Tables>;

/** A booking problem, in the shape of POST /api/visits/check's `problems`. */
export interface BanProblem {
  code: 'visitor_banned';
  /** visitorIds.<index in the request> */
  field: string;
  message: string;
}

/** The ban in force at `at`, or null (none, or it has ended). */
export function banInForce(v: Pick<VisitorsTable, 'ban_reason' | 'ban_until' | 'ban_ends_at' | 'banned_by' | 'banned_at'>, at: Date) {
  if (v.ban_ends_at === null || v.ban_ends_at <= at.toISOString()) return null;
  return { reason: v.ban_reason!, until: v.ban_until!, by: v.banned_by!, at: v.banned_at! };
}

/**
 * Which of these visitors are banned at `at` (for a booking: the visit's start), one problem
 * per banned visitor naming its place in the list. Runs on `db`, so a booking transaction can call it.
 */
export async function visitorBanProblems(db: Db, visitorIds: string[], at: Date): Promise<BanProblem[]> {
  if (visitorIds.length === 0) return [];
  const banned = await db
    .selectFrom('visitors')
    .select(['id', 'ban_until'])
    .where('id', 'in', visitorIds)
    .where('ban_ends_at', '>', at.toISOString())
    .execute();
  const untilById = new Map(banned.map((b) => [b.id, b.ban_until]));
  return visitorIds.flatMap((id, i) =>
    untilById.has(id) ? [{ code: 'visitor_banned' as const, field: `visitorIds.${i}`, message: `this visitor is banned until ${untilById.get(id)} (inclusive)` }] : [],
  );
}

/** Whether the visitor is banned now (join links, open call connections). */
export async function isVisitorBanned(db: Db, visitorId: string, at = new Date()): Promise<boolean> {
  return (await visitorBanProblems(db, [visitorId], at)).length > 0;
}

export interface Ban {
  reason: string;
  /** YYYY-MM-DD, facility-local, inclusive */
  until: string;
  /** The instant `until` ends in the facility's zone. */
  endsAt: Date;
  by: string;
  at: Date;
}

/** Sets (or replaces) the visitor's ban. */
export async function banVisitor(storage: Storage, visitorId: string, ban: Ban): Promise<void> {
  await storage.db
    .updateTable('visitors')
    .set({ ban_reason: ban.reason, ban_until: ban.until, ban_ends_at: ban.endsAt.toISOString(), banned_by: ban.by, banned_at: ban.at.toISOString() })
    .where('id', '=', visitorId)
    .execute();
}

/** Lifts the ban; false when none was in force at `at`. An ended ban is cleared too. */
export async function unbanVisitor(storage: Storage, visitorId: string, at = new Date()): Promise<boolean> {
  const wasBanned = await isVisitorBanned(storage.db, visitorId, at);
  await storage.db
    .updateTable('visitors')
    .set({ ban_reason: null, ban_until: null, ban_ends_at: null, banned_by: null, banned_at: null })
    .where('id', '=', visitorId)
    .execute();
  return wasBanned;
}
