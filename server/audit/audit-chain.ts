import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { open, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import type { Kysely, KyselyPlugin, PluginTransformQueryArgs, PluginTransformResultArgs, QueryResult, RootOperationNode, UnknownRow } from 'kysely';
import type { AuditLogTable, Tables } from '../storage/tables.ts';

/** Where the chain key comes from: config `auditKey` / AUDIT_KEY, else generated once into dataDir. */
export const AUDIT_KEY_SPEC = { configKey: 'auditKey', env: 'AUDIT_KEY', fileName: 'audit-key' } as const;
export const AUDIT_ANCHOR_FILE = 'audit-anchor.json';

export type AuditRowFields = Omit<AuditLogTable, 'hash'>;

/** The newest entry this installation has seen committed, kept outside the database. */
export interface AuditAnchor {
  seq: number;
  hash: string;
  at: string;
}

export type AnchorState = { state: 'missing' } | { state: 'invalid'; reason: string } | { state: 'ok'; anchor: AuditAnchor };

/** The MAC an empty chain links its first entry to; an anchor at entry 0 records an empty chain. */
export const GENESIS_HASH = '0'.repeat(64);

/** The anchor was not moved; `context` says where the chain and the anchor disagree (for the logs). */
export class AuditAnchorError extends Error {
  override name = 'AuditAnchorError';
  constructor(message: string, readonly context: Record<string, unknown>) {
    super(message);
  }
}

/** The entries from `fromSeq` to `toSeq` (inclusive, or to the end), in order, a page at a time. */
export async function* chainRows(db: Kysely<Tables>, fromSeq: number, toSeq: number | null = null, pageSize = 1000): AsyncGenerator<AuditLogTable> {
  let next = fromSeq;
  for (;;) {
    const page = db.selectFrom('audit_log').selectAll().where('seq', '>=', next);
    const rows = await (toSeq === null ? page : page.where('seq', '<=', toSeq)).orderBy('seq').limit(pageSize).execute();
    for (const r of rows) yield { ...r, seq: Number(r.seq) };
    if (rows.length < pageSize) return;
    next = Number(rows[rows.length - 1]!.seq) + 1;
  }
}

function canonical(row: AuditRowFields): string {
  return JSON.stringify([
    row.seq, row.at, row.actor_kind, row.actor_id, row.facility_id, row.action,
    row.subject_kind, row.subject_id, row.reason, row.details, row.prev_hash,
  ]);
}

/** How entries were sealed before the chain was keyed: anyone can recompute it. */
export function unkeyedHash(row: AuditRowFields): string {
  return createHash('sha256').update(canonical(row)).digest('hex');
}

function sameHex(a: string, b: string): boolean {
  const x = Buffer.from(a, 'utf8');
  const y = Buffer.from(b, 'utf8');
  return x.length === y.length && timingSafeEqual(x, y);
}

function anchorPayload(a: AuditAnchor): string {
  return `kunjungan-audit-anchor/v1|${a.seq}|${a.hash}|${a.at}`;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms).unref());

/**
 * The audit chain's key and head anchor. Installed as a (pass-through) Kysely plugin by
 * openStorage, so every transaction of that database carries it to appendAuditIn without
 * changing any caller.
 *
 * The anchor is only ever moved to an entry read back as committed and sealed with this key,
 * so it can lag the head (other processes, transactions still open) but never point past it:
 * verify tolerates a head ahead of the anchor, and fails on a head behind it. It never moves
 * past an anchored entry that changed or disappeared, so verify keeps failing after such an edit.
 */
export class AuditChain implements KyselyPlugin {
  readonly anchorFile: string;
  readonly #key: string;
  readonly #anchoring: boolean;
  readonly #onError: (err: Error) => void;
  readonly #onAnchored: (anchor: AuditAnchor) => void;
  #db: Kysely<Tables> | null = null;
  #writes: Promise<unknown> = Promise.resolve();
  #wanted = 0;
  #catchingUp = false;
  #closed = false;

  constructor(options: { key: string; dataDir: string; anchoring: boolean; onError?: (err: Error) => void; onAnchored?: (anchor: AuditAnchor) => void }) {
    this.#key = options.key;
    this.anchorFile = path.join(options.dataDir, AUDIT_ANCHOR_FILE);
    this.#anchoring = options.anchoring;
    this.#onError = options.onError ?? (() => {});
    this.#onAnchored = options.onAnchored ?? (() => {});
  }

  transformQuery(args: PluginTransformQueryArgs): RootOperationNode {
    return args.node;
  }

  async transformResult(args: PluginTransformResultArgs): Promise<QueryResult<UnknownRow>> {
    return args.result;
  }

  /** The database (not a transaction) whose committed head is anchored. */
  attach(db: Kysely<Tables>): void {
    this.#db = db;
  }

  mac(row: AuditRowFields): string {
    return createHmac('sha256', this.#key).update(canonical(row)).digest('hex');
  }

  sealedWithKey(row: AuditLogTable): boolean {
    const { hash, ...rest } = row;
    return sameHex(this.mac(rest), hash);
  }

  readAnchor(): AnchorState {
    let text: string;
    try {
      text = readFileSync(this.anchorFile, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { state: 'missing' };
      return { state: 'invalid', reason: (err as Error).message };
    }
    try {
      const parsed = JSON.parse(text) as Partial<AuditAnchor & { mac: string }>;
      if (!Number.isSafeInteger(parsed.seq) || typeof parsed.hash !== 'string' || typeof parsed.at !== 'string' || typeof parsed.mac !== 'string') {
        return { state: 'invalid', reason: 'malformed anchor file' };
      }
      const anchor: AuditAnchor = { seq: parsed.seq!, hash: parsed.hash, at: parsed.at };
      const expected = createHmac('sha256', this.#key).update(anchorPayload(anchor)).digest('hex');
      if (!sameHex(expected, parsed.mac)) return { state: 'invalid', reason: 'anchor not signed with this audit key' };
      return { state: 'ok', anchor };
    } catch {
      return { state: 'invalid', reason: 'malformed anchor file' };
    }
  }

  /** Async, so an audited request never blocks the event loop (live calls' signalling) on fsync. */
  async #writeAnchor(anchor: AuditAnchor): Promise<void> {
    const mac = createHmac('sha256', this.#key).update(anchorPayload(anchor)).digest('hex');
    const tmp = `${this.anchorFile}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
    // write, flush, then rename over: a reader (or a crash) sees the old anchor or the new one
    const file = await open(tmp, 'wx', 0o600);
    try {
      await file.write(JSON.stringify({ ...anchor, mac }) + '\n');
      await file.sync();
    } finally {
      await file.close();
    }
    try {
      await rename(tmp, this.anchorFile);
    } catch (err) {
      await rm(tmp, { force: true });
      throw err;
    }
  }

  /**
   * Moves the anchor to the committed head if that is newer, sealed with the key and extends the
   * anchored entry. An empty chain is anchored at entry 0; a missing anchor over entries is never
   * recreated (the operator re-anchors, also after an upgrade from unkeyed entries). Returns the
   * committed head's sequence number. Serialised within the process.
   */
  anchorHead(): Promise<number> {
    const run = this.#writes.then(() => this.#anchorHeadNow());
    this.#writes = run.catch(() => {});
    return run;
  }

  /** anchorHead() after a commit this module awaited: a failure is reported, never thrown at the caller. */
  async anchorCommitted(): Promise<void> {
    try {
      await this.anchorHead();
    } catch (err) {
      if (!this.#closed) this.#onError(err as Error);
    }
  }

  async #anchorHeadNow(): Promise<number> {
    if (!this.#anchoring || !this.#db || this.#closed) return 0;
    const head = await this.#headRow();
    const current = this.readAnchor();
    if (current.state === 'invalid') {
      throw new AuditAnchorError(`audit anchor ${this.anchorFile} is invalid (${current.reason}); it is left as found for inspection and not moved`, { anchorFile: this.anchorFile });
    }
    if (!head) {
      // a new chain is anchored empty, so that later a missing anchor always means a removed one
      if (current.state === 'missing') await this.#writeAnchor({ seq: 0, hash: GENESIS_HASH, at: new Date().toISOString() });
      return 0;
    }
    if (current.state === 'ok' && current.anchor.seq >= head.seq) return head.seq;
    const context = { anchorFile: this.anchorFile, headSeq: head.seq, anchoredSeq: current.state === 'ok' ? current.anchor.seq : null };
    if (current.state === 'missing') {
      // Also over entries from before the key (an upgrade): the whole chain rewritten without the
      // key, anchor deleted, looks the same, so only the operator may adopt it (--reanchor).
      throw new AuditAnchorError(
        `audit anchor ${this.anchorFile} is missing although the chain has entries; it is not recreated (run npm run audit:verify, then re-anchor with npm run audit:verify -- --reanchor <reason>)`,
        context,
      );
    }
    if (!this.sealedWithKey(head)) {
      throw new AuditAnchorError(`audit entry ${head.seq} is not sealed with the audit key; the anchor is not moved (run npm run audit:verify)`, context);
    }
    if (current.state === 'ok') {
      const problem = await this.#linkProblemFrom(current.anchor, head.seq);
      if (problem) {
        throw new AuditAnchorError(`audit anchor not moved past entry ${current.anchor.seq}: ${problem} (run npm run audit:verify)`, { ...context, anchoredHash: current.anchor.hash, problem });
      }
    }
    await this.#moveAnchor(head);
    return head.seq;
  }

  async #headRow(): Promise<AuditLogTable | undefined> {
    const head = await this.#db!.selectFrom('audit_log').selectAll().orderBy('seq', 'desc').limit(1).executeTakeFirst();
    return head && { ...head, seq: Number(head.seq) };
  }

  /**
   * Why the chain up to headSeq does not extend the anchored one (null when it does): the
   * anchored entry must still be there unchanged, and each later entry link to it, sealed with
   * the key. Else deleting the newest rows and appending past them would carry the anchor along.
   */
  async #linkProblemFrom(anchor: AuditAnchor, headSeq: number): Promise<string | null> {
    let prevHash = anchor.seq === 0 ? anchor.hash : null;
    let expectedSeq = Math.max(anchor.seq, 1);
    for await (const row of chainRows(this.#db!, expectedSeq, headSeq)) {
      if (row.seq !== expectedSeq) return `entry ${expectedSeq} is missing`;
      if (prevHash === null) {
        if (!sameHex(row.hash, anchor.hash)) return `the anchored entry ${anchor.seq} has changed`;
      } else if (row.prev_hash !== prevHash || !this.sealedWithKey(row)) {
        return `entry ${row.seq} does not extend the anchored chain`;
      }
      prevHash = row.hash;
      expectedSeq++;
    }
    return expectedSeq > headSeq ? null : `entry ${expectedSeq} is missing`;
  }

  async #moveAnchor(entry: AuditLogTable): Promise<AuditAnchor> {
    const anchor = { seq: entry.seq, hash: entry.hash, at: new Date().toISOString() };
    await this.#writeAnchor(anchor);
    this.#onAnchored(anchor);
    return anchor;
  }

  /**
   * The operator's explicit re-anchoring (npm run audit:verify -- --reanchor), after checking why
   * verify failed: anchors `entry` (the audit entry recording the re-anchoring) whatever the
   * anchor said, as long as it is committed and sealed with the key.
   */
  reanchorAt(entry: AuditLogTable): Promise<AuditAnchor> {
    const run = this.#writes.then(async () => {
      if (!this.#db) throw new Error('audit chain not attached to a database');
      const stored = await this.#db.selectFrom('audit_log').selectAll().where('seq', '=', entry.seq).executeTakeFirst();
      if (!stored || stored.hash !== entry.hash || !this.sealedWithKey({ ...stored, seq: Number(stored.seq) })) {
        throw new Error(`audit entry ${entry.seq} is not committed as written or not sealed with this audit key: not anchored`);
      }
      return this.#moveAnchor(entry);
    });
    this.#writes = run.catch(() => {});
    return run;
  }

  /**
   * Called for an entry appended inside a transaction this module does not commit: keeps
   * anchoring the committed head until that entry (or a later one) is there, for a bounded time
   * (a rolled-back entry never appears).
   */
  afterAppend(seq: number): void {
    if (!this.#anchoring) return;
    this.#wanted = Math.max(this.#wanted, seq);
    if (this.#catchingUp || this.#closed) return;
    this.#catchingUp = true;
    void this.#catchUp().finally(() => {
      this.#catchingUp = false;
    });
  }

  async #catchUp(): Promise<void> {
    const deadline = Date.now() + 10_000;
    let delay = 10;
    while (!this.#closed) {
      let head: number;
      try {
        head = await this.anchorHead();
      } catch (err) {
        if (!this.#closed) this.#onError(err as Error);
        return;
      }
      if (head >= this.#wanted) return;
      if (Date.now() > deadline) {
        this.#wanted = head;
        return;
      }
      await sleep(delay);
      delay = Math.min(delay * 2, 500);
    }
  }

  /** Anchors what is committed, then stops: the last appends of a short-lived process are anchored too. */
  async close(): Promise<void> {
    await this.anchorCommitted();
    this.#closed = true;
    await this.#writes;
  }
}

/** The chain installed on this database (or transaction) by openStorage. */
export function auditChainOf(db: Kysely<Tables>): AuditChain {
  const chain = db.getExecutor().plugins.find((p): p is AuditChain => p instanceof AuditChain);
  if (!chain) throw new Error('audit chain not configured: open the database with openStorage()');
  return chain;
}
