import { sql, type Kysely } from 'kysely';
import type { Storage } from '../storage/database.ts';
import { withinTransaction } from '../storage/transaction.ts';
import type { AuditLogTable, Tables } from '../storage/tables.ts';
import { auditChainOf, chainRows, GENESIS_HASH, unkeyedHash, type AuditAnchor } from './audit-chain.ts';

export { GENESIS_HASH };

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

async function lockChain(trx: Kysely<Tables>, kind: Storage['kind']): Promise<void> {
  if (kind === 'postgres') {
    await sql`select pg_advisory_xact_lock(7311, 1)`.execute(trx);
  } else {
    // A write that changes nothing takes SQLite's write lock before the head is read, so another
    // process appending to the same file (npm run demo beside the server) waits for it
    // (busy_timeout) instead of failing on a stale snapshot. Within one process the single
    // connection already serialises transactions.
    await sql`delete from audit_log where 0 = 1`.execute(trx);
  }
}

/**
 * Append-only, keyed chain: each entry carries an HMAC (key kept outside the database) over its
 * fields and the previous entry's MAC, so editing, inserting or deleting a row breaks
 * verification from that row on, and nobody without the key can rebuild the chain. The newest
 * committed entry is anchored outside the database, which catches removal of the newest rows.
 */
export async function appendAudit(storage: Storage, entry: AuditEntryInput): Promise<AuditLogTable> {
  const row = await storage.db.transaction().execute((trx) => appendAuditIn(trx, storage.kind, entry));
  if (!storage.db.isTransaction) await auditChainOf(storage.db).anchorCommitted();
  return row;
}

/**
 * Appends inside the caller's transaction, so an action and its audit entry are stored together
 * or not at all. Make it the transaction's last statement: on PostgreSQL it holds the chain lock
 * until commit, and taking it last keeps lock order the same everywhere (no deadlocks).
 * Routes use audited(); this is for store functions that run (and retry) their own transaction.
 */
export async function appendAuditIn(trx: Kysely<Tables>, kind: Storage['kind'], entry: AuditEntryInput): Promise<AuditLogTable> {
  const chain = auditChainOf(trx);
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
  const full = { ...row, hash: chain.mac(row) };
  await trx.insertInto('audit_log').values(full).execute();
  // anchored once committed; appendAudit and audited() also anchor right after their own commit
  chain.afterAppend(row.seq);
  return full;
}

/**
 * Does `work` and appends its audit entry in one transaction: both are stored, or neither.
 * `entry` may return undefined when the work turned out to change nothing, or several entries
 * when the change concerns several facilities (one entry in each).
 */
export async function audited<T>(
  storage: Storage,
  work: (tx: Storage) => Promise<T>,
  entry: (result: T) => AuditEntryInput | AuditEntryInput[] | undefined,
): Promise<T> {
  const result = await withinTransaction(storage, async (tx) => {
    const result = await work(tx);
    for (const e of [entry(result) ?? []].flat()) await appendAuditIn(tx.db, storage.kind, e);
    return result;
  });
  if (!storage.db.isTransaction) await auditChainOf(storage.db).anchorCommitted();
  return result;
}

export interface ChainReport {
  entries: number;
  /** Entries sealed with the audit key. */
  keyed: number;
  /** Leading entries written before the chain was keyed (plain SHA-256): see README. */
  unkeyed: number;
  /** The anchor checked against the chain, null when the chain is empty and has none. */
  anchor: AuditAnchor | null;
  anchorFile: string;
}

/**
 * brokenAtSeq: the first entry that fails, 0 when the anchor file itself is missing or unusable.
 * scope 'anchor': the entries verify as a chain and only the anchor disagrees (see reanchorAuditChain).
 */
export type ChainVerdict = ({ ok: true } & ChainReport) | ({ ok: false; brokenAtSeq: number; problem: string; scope: 'chain' | 'anchor' } & ChainReport);

/**
 * Walks the whole chain in order, in pages, recomputing every MAC, then checks it against the
 * anchor: the anchored entry must still be there, unchanged. Unkeyed (pre-key) entries are
 * accepted only as a prefix of the chain, and only up to the anchor.
 */
export async function verifyAuditChain(storage: Storage, pageSize = 1000): Promise<ChainVerdict> {
  const chain = auditChainOf(storage.db);
  const anchorState = chain.readAnchor();
  const anchor = anchorState.state === 'ok' ? anchorState.anchor : null;
  const report: ChainReport = { entries: 0, keyed: 0, unkeyed: 0, anchor, anchorFile: chain.anchorFile };
  const broken = (scope: 'chain' | 'anchor', brokenAtSeq: number, problem: string): ChainVerdict => ({ ok: false, brokenAtSeq, problem, scope, ...report });
  if (anchorState.state === 'invalid') return broken('anchor', 0, `anchor file unusable: ${anchorState.reason}`);

  let prevHash = GENESIS_HASH;
  let expectedSeq = 1;
  // an anchor at entry 0 records the empty chain
  let anchoredHash: string | null = anchor?.seq === 0 ? GENESIS_HASH : null;
  for await (const row of chainRows(storage.db, 1, null, pageSize)) {
    if (row.seq !== expectedSeq) return broken('chain', expectedSeq, 'entry missing');
    if (row.prev_hash !== prevHash) return broken('chain', row.seq, 'previous-hash link broken');
    if (chain.sealedWithKey(row)) {
      report.keyed++;
    } else {
      const { hash, ...rest } = row;
      if (unkeyedHash(rest) !== hash) return broken('chain', row.seq, 'entry altered (its MAC does not match the audit key)');
      if (report.keyed > 0 || (anchor !== null && row.seq > anchor.seq)) return broken('chain', row.seq, 'entry not sealed with the audit key (chain rewritten without the key?)');
      report.unkeyed++;
    }
    if (anchor && row.seq === anchor.seq) anchoredHash = row.hash;
    prevHash = row.hash;
    expectedSeq++;
    report.entries++;
  }
  if (anchor === null) {
    return report.entries === 0 ? { ok: true, ...report } : broken('anchor', 0, 'anchor missing: removal of the newest entries cannot be ruled out');
  }
  if (report.entries < anchor.seq) {
    return broken('anchor', report.entries + 1, `newest entries missing: the anchor records entry ${anchor.seq}, the chain ends at ${report.entries}`);
  }
  if (anchoredHash !== anchor.hash) return broken('anchor', anchor.seq, 'entry differs from the anchored one (chain rewritten?)');
  return { ok: true, ...report };
}

/**
 * The operator's step after checking why verify failed on the anchor alone (anchor file missing,
 * a database backup restored behind it): appends an `audit.reanchored` entry recording the reason
 * and the old anchor, and anchors it. Refused when the entries themselves do not verify, or the
 * anchor file is unusable (move it aside first: it is evidence).
 */
export async function reanchorAuditChain(storage: Storage, reason: string): Promise<AuditAnchor> {
  const current = auditChainOf(storage.db).readAnchor();
  if (current.state === 'invalid') throw new Error(`not re-anchored: anchor file unusable (${current.reason}); move it aside first`);
  const verdict = await verifyAuditChain(storage);
  if (verdict.ok) throw new Error('not re-anchored: the audit chain verifies');
  if (verdict.scope !== 'anchor') throw new Error(`not re-anchored: the entries themselves fail at entry ${verdict.brokenAtSeq}: ${verdict.problem}`);
  const entry = await appendAudit(storage, {
    actorKind: 'system',
    actorId: 'audit-verify',
    action: 'audit.reanchored',
    reason,
    details: { problem: verdict.problem, previousAnchor: verdict.anchor, entriesBefore: verdict.entries },
  });
  return auditChainOf(storage.db).reanchorAt(entry);
}
