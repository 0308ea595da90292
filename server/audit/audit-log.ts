import { createHash } from 'node:crypto';
import { sql, type Kysely } from 'kysely';
import type { Storage } from '../storage/database.ts';
import { withinTransaction } from '../storage/transaction.ts';
import type { AuditLogTable, Tables } from '../storage/tables.ts';

export const GENESIS_HASH = '0'.repeat(64);

export interface AuditEntryInput {
  actorKind: 'officer' | 'family' | 'booth' | 'public' | 'system';
  actorId: string;
  facilityId?: string | null;
  /** Dotted verb, e.g. call.warn, call.end, recording.play, complaint.transition. */
  action: string;
  subjectKind?: string | null;
  subjectId?: string | null;
  reason?: string | null;
  details?: Record<string, unknown>;
}

type Row = Omit<AuditLogTable, 'hash'>;

function hashRow(row: Row): string {
  const canonical = JSON.stringify([
    row.seq, row.at, row.actor_kind, row.actor_id, row.facility_id, row.action,
    row.subject_kind, row.subject_id, row.reason, row.details, row.prev_hash,
  ]);
  return createHash('sha256').update(canonical).digest('hex');
}

async function lockChain(trx: Kysely<Tables>, kind: Storage['kind']): Promise<void> {
  // SQLite serialises writers on its single connection; PostgreSQL needs an explicit lock.
  if (kind === 'postgres') await sql`select pg_advisory_xact_lock(7311, 1)`.execute(trx);
}

/**
 * Append-only, hash-chained audit trail: each entry carries the hash of the previous one,
 * so editing or deleting a row breaks verification from that row on.
 */
export async function appendAudit(storage: Storage, entry: AuditEntryInput): Promise<AuditLogTable> {
  return storage.db.transaction().execute((trx) => appendAuditIn(trx, storage.kind, entry));
}

/**
 * Appends inside the caller's transaction, so an action and its audit entry are stored together
 * or not at all. Make it the transaction's last statement: on PostgreSQL it holds the chain lock
 * until commit, and taking it last keeps lock order the same everywhere (no deadlocks).
 * Routes use audited(); this is for store functions that run (and retry) their own transaction.
 */
export async function appendAuditIn(trx: Kysely<Tables>, kind: Storage['kind'], entry: AuditEntryInput): Promise<AuditLogTable> {
  await lockChain(trx, kind);
  const last = await trx.selectFrom('audit_log').select(['seq', 'hash']).orderBy('seq', 'desc').limit(1).executeTakeFirst();
  const row: Row = {
    seq: Number(last?.seq ?? 0) + 1,
    at: new Date().toISOString(),
    actor_kind: entry.actorKind,
    actor_id: entry.actorId,
    facility_id: entry.facilityId ?? null,
    action: entry.action,
    subject_kind: entry.subjectKind ?? null,
    subject_id: entry.subjectId ?? null,
    reason: entry.reason ?? null,
    details: JSON.stringify(entry.details ?? {}),
    prev_hash: last?.hash ?? GENESIS_HASH,
  };
  const full = { ...row, hash: hashRow(row) };
  await trx.insertInto('audit_log').values(full).execute();
  return full;
}

/**
 * Does `work` and appends its audit entry in one transaction: both are stored, or neither.
 * `entry` may return undefined when the work turned out to change nothing.
 */
export async function audited<T>(storage: Storage, work: (tx: Storage) => Promise<T>, entry: (result: T) => AuditEntryInput | undefined): Promise<T> {
  return withinTransaction(storage, async (tx) => {
    const result = await work(tx);
    const e = entry(result);
    if (e) await appendAuditIn(tx.db, storage.kind, e);
    return result;
  });
}

export type ChainVerdict = { ok: true; entries: number } | { ok: false; entries: number; brokenAtSeq: number; problem: string };

/** Walks the whole chain in order, in pages, recomputing every hash. */
export async function verifyAuditChain(storage: Storage, pageSize = 1000): Promise<ChainVerdict> {
  let prevHash = GENESIS_HASH;
  let expectedSeq = 1;
  let entries = 0;
  for (;;) {
    const rows = await storage.db
      .selectFrom('audit_log')
      .selectAll()
      .where('seq', '>=', expectedSeq)
      .orderBy('seq')
      .limit(pageSize)
      .execute();
    if (rows.length === 0) return { ok: true, entries };
    for (const r of rows) {
      const row = { ...r, seq: Number(r.seq) };
      if (row.seq !== expectedSeq) return { ok: false, entries, brokenAtSeq: expectedSeq, problem: 'entry missing' };
      if (row.prev_hash !== prevHash) return { ok: false, entries, brokenAtSeq: row.seq, problem: 'previous-hash link broken' };
      const { hash, ...rest } = row;
      if (hashRow(rest) !== hash) return { ok: false, entries, brokenAtSeq: row.seq, problem: 'entry altered' };
      prevHash = hash;
      expectedSeq++;
      entries++;
    }
  }
}
