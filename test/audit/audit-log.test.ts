import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuditAnchorError, AuditChain, auditChainOf, unkeyedHash } from '../../server/audit/audit-chain.ts';
import { appendAudit, appendAuditIn, audited, GENESIS_HASH, reanchorAuditChain, verifyAuditChain } from '../../server/audit/audit-log.ts';
import { projectRoot } from '../../server/config/load.ts';
import type { Storage } from '../../server/storage/database.ts';
import { storageFixture, storageKinds, type StorageFixture } from '../helpers/storages.ts';
import { rewriteChain } from './rewrite-chain.ts';

const entry = (i: number) => ({ actorKind: 'officer' as const, actorId: `officer-${i}`, action: 'call.warn', subjectKind: 'visit', subjectId: `v${i}`, reason: 'test', details: { i } });

async function snapshot(storage: Storage) {
  return storage.db.selectFrom('audit_log').selectAll().orderBy('seq').execute();
}

async function restore(storage: Storage, rows: Awaited<ReturnType<typeof snapshot>>): Promise<void> {
  await storage.db.deleteFrom('audit_log').execute();
  for (const r of rows) await storage.db.insertInto('audit_log').values(r).execute();
}

function appendFromAnotherProcess(env: Record<string, string>, count: number): Promise<number | null> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'test/audit/append-process.ts'], {
    cwd: projectRoot,
    env: { PATH: process.env.PATH ?? '', ...env, COUNT: String(count) },
    stdio: ['ignore', 'inherit', 'inherit'],
    timeout: 60_000,
  });
  return new Promise((resolve) => child.on('exit', (code) => resolve(code)));
}

async function waitFor(check: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe.each(storageKinds)('keyed, anchored audit chain on %s', (kind) => {
  let fixture: StorageFixture;
  let storage: Storage;
  let intact: Awaited<ReturnType<typeof snapshot>>;
  const anchorErrors: Error[] = [];
  beforeAll(async () => {
    fixture = await storageFixture(kind);
    storage = await fixture.open({ onAuditAnchorError: (err) => anchorErrors.push(err) });
  });
  afterAll(async () => {
    await storage.close();
    await fixture.dispose();
  });

  it('links concurrent appends into one verifiable chain, sealed with the key and anchored at its head', async () => {
    await Promise.all(Array.from({ length: 25 }, (_, i) => appendAudit(storage, entry(i))));
    const verdict = await verifyAuditChain(storage);
    expect(verdict).toMatchObject({ ok: true, entries: 25, keyed: 25, unkeyed: 0, anchor: { seq: 25 } });
    expect(statSync(auditChainOf(storage.db).anchorFile).mode & 0o777).toBe(0o600);
    intact = await snapshot(storage);
  });

  it('detects an edited row in the middle and names it', async () => {
    await storage.db.updateTable('audit_log').set({ reason: 'rewritten' }).where('seq', '=', 7).execute();
    expect(await verifyAuditChain(storage)).toMatchObject({ ok: false, brokenAtSeq: 7 });
    await restore(storage, intact);
    expect((await verifyAuditChain(storage)).ok).toBe(true);
  });

  it('detects a deleted row in the middle', async () => {
    await storage.db.deleteFrom('audit_log').where('seq', '=', 12).execute();
    expect(await verifyAuditChain(storage)).toMatchObject({ ok: false, brokenAtSeq: 12, problem: 'entry missing' });
    await restore(storage, intact);
  });

  it('detects the newest rows deleted (the head behind the anchor)', async () => {
    await storage.db.deleteFrom('audit_log').where('seq', '>', 22).execute();
    const verdict = await verifyAuditChain(storage);
    expect(verdict).toMatchObject({ ok: false, brokenAtSeq: 23 });
    expect(verdict.ok === false && verdict.problem).toContain('newest entries missing');
    await storage.db.deleteFrom('audit_log').execute();
    expect(await verifyAuditChain(storage)).toMatchObject({ ok: false, brokenAtSeq: 1 });
    await restore(storage, intact);
  });

  it('keeps the anchor, and verify failing, when the newest rows are deleted and more audited actions than that follow', async () => {
    anchorErrors.length = 0;
    await storage.db.deleteFrom('audit_log').where('seq', '>', 22).execute();
    // 3 rows gone, 4 new entries through the path routes use: the head passes the anchored entry 25
    for (let i = 0; i < 4; i++) await audited(storage, async () => i, () => entry(300 + i));
    expect(auditChainOf(storage.db).readAnchor()).toMatchObject({ state: 'ok', anchor: { seq: 25, hash: intact[24]!.hash } });
    expect(await verifyAuditChain(storage)).toMatchObject({ ok: false, brokenAtSeq: 25, problem: 'entry differs from the anchored one (chain rewritten?)' });
    const refused = anchorErrors.find((e): e is AuditAnchorError => e instanceof AuditAnchorError && e.context.headSeq === 26);
    expect(refused?.context).toMatchObject({ anchoredSeq: 25, anchoredHash: intact[24]!.hash, problem: 'the anchored entry 25 has changed' });
    await restore(storage, intact);
    expect((await verifyAuditChain(storage)).ok).toBe(true);
  });

  it('detects the whole chain rewritten with recomputed unkeyed hashes', async () => {
    await rewriteChain(storage, unkeyedHash, (r) => (r.seq === 3 ? { ...r, reason: 'nothing happened' } : r));
    const verdict = await verifyAuditChain(storage);
    expect(verdict.ok).toBe(false);
    await restore(storage, intact);
  });

  it('detects the whole chain rewritten with recomputed unkeyed hashes and its anchor deleted, also after a restart and new entries', async () => {
    const anchorFile = auditChainOf(storage.db).anchorFile;
    const savedAnchor = readFileSync(anchorFile, 'utf8');
    await rewriteChain(storage, unkeyedHash, (r) => (r.seq === 3 ? { ...r, reason: 'nothing happened' } : r));
    rmSync(anchorFile);
    const restarted = await fixture.open(); // as if pre-key entries of an upgrade
    try {
      await appendAudit(restarted, entry(90));
      expect(existsSync(anchorFile)).toBe(false);
      expect(await verifyAuditChain(restarted)).toMatchObject({ ok: false, scope: 'anchor', problem: expect.stringContaining('anchor missing'), unkeyed: 25, keyed: 1 });
    } finally {
      await restarted.close();
    }
    await restore(storage, intact);
    writeFileSync(anchorFile, savedAnchor);
    expect((await verifyAuditChain(storage)).ok).toBe(true);
  });

  it('detects the whole chain rewritten with a wrong key, from its first entry', async () => {
    const wrongKey = new AuditChain({ key: randomBytes(32).toString('base64url'), dataDir: os.tmpdir(), anchoring: false });
    await rewriteChain(storage, (r) => wrongKey.mac(r));
    expect(await verifyAuditChain(storage)).toMatchObject({ ok: false, brokenAtSeq: 1 });
    await restore(storage, intact);
    expect((await verifyAuditChain(storage)).ok).toBe(true);
  });

  it('a second process appending to the same database at the same time never makes verification fail', async () => {
    const other = appendFromAnotherProcess(fixture.env, 20);
    for (let i = 0; i < 20; i++) await appendAudit(storage, entry(100 + i));
    expect(await other).toBe(0);
    expect(await verifyAuditChain(storage)).toMatchObject({ ok: true, entries: 65, keyed: 65 });
    intact = await snapshot(storage);
  });

  it('an entry appended in a transaction the caller commits is anchored once committed, a rolled-back one never', async () => {
    const chain = auditChainOf(storage.db);
    await storage.db.transaction().execute((trx) => appendAuditIn(trx, storage.kind, entry(200)));
    await waitFor(() => {
      const a = chain.readAnchor();
      return a.state === 'ok' && a.anchor.seq === 66;
    }, 'the anchor to reach entry 66');
    await expect(
      storage.db.transaction().execute(async (trx) => {
        await appendAuditIn(trx, storage.kind, entry(201));
        throw new Error('rolled back');
      }),
    ).rejects.toThrow('rolled back');
    await new Promise((r) => setTimeout(r, 200));
    expect(await verifyAuditChain(storage)).toMatchObject({ ok: true, entries: 66, anchor: { seq: 66 } });
  });

  it('opened read-only (as audit:verify does), it verifies the chain and cannot change it', async () => {
    const reader = await fixture.open({ readOnly: true });
    try {
      expect(await verifyAuditChain(reader)).toMatchObject({ ok: true, entries: 66, anchor: { seq: 66 } });
      await expect(reader.db.deleteFrom('audit_log').execute()).rejects.toThrow(/read-?only/);
    } finally {
      await reader.close();
    }
    expect((await verifyAuditChain(storage)).entries).toBe(66);
  });
});

describe.each(storageKinds)('an audit log from before the chain was keyed, on %s', (kind) => {
  let fixture: StorageFixture;
  beforeAll(async () => {
    fixture = await storageFixture(kind);
  });
  afterAll(async () => {
    await fixture.dispose();
  });

  it('verifies its unkeyed entries, reports them, keys every new entry, and is anchored only by the operator (a keyless rewrite with its anchor deleted looks the same)', async () => {
    const first = await fixture.open();
    for (let i = 0; i < 4; i++) await appendAudit(first, entry(i));
    // what the previous version wrote: plain SHA-256 entries and no anchor
    await rewriteChain(first, unkeyedHash);
    const anchorFile = auditChainOf(first.db).anchorFile;
    await first.close();
    rmSync(anchorFile);
    const legacyRows = await (async () => {
      const s = await fixture.open(); // the upgraded server starts: it does not adopt the unkeyed chain
      try {
        expect(await verifyAuditChain(s)).toMatchObject({ ok: false, scope: 'anchor', problem: expect.stringContaining('anchor missing'), entries: 4, keyed: 0, unkeyed: 4 });
        await appendAudit(s, entry(10));
        expect(existsSync(anchorFile)).toBe(false);
        expect(await verifyAuditChain(s)).toMatchObject({ ok: false, scope: 'anchor', entries: 5, keyed: 1, unkeyed: 4 });
        await reanchorAuditChain(s, 'upgrade to the keyed chain, old entries checked');
        await appendAudit(s, entry(11));
        expect(await verifyAuditChain(s)).toMatchObject({ ok: true, entries: 7, keyed: 3, unkeyed: 4, anchor: { seq: 7 } });
        return snapshot(s);
      } finally {
        await s.close();
      }
    })();
    const s = await fixture.open();
    try {
      // an unkeyed entry after keyed ones is a rewrite, not history
      await rewriteChain(s, unkeyedHash, (r) => (r.seq === 6 ? { ...r, reason: 'forged' } : r));
      expect(await verifyAuditChain(s)).toMatchObject({ ok: false, brokenAtSeq: 7, problem: 'entry differs from the anchored one (chain rewritten?)' });
      await restore(s, legacyRows);
      // an edit in the unkeyed part, its hashes recomputed: the first keyed entry no longer links to it
      const edited = legacyRows.map((r) => ({ ...r, seq: Number(r.seq) })).filter((r) => r.seq <= 4);
      let prev = GENESIS_HASH;
      for (const r of edited) {
        const { hash: _old, ...fields } = { ...r, prev_hash: prev, reason: r.seq === 2 ? 'forged' : r.reason };
        prev = unkeyedHash(fields);
        await s.db.updateTable('audit_log').set({ ...fields, hash: prev }).where('seq', '=', r.seq).execute();
      }
      expect(await verifyAuditChain(s)).toMatchObject({ ok: false, brokenAtSeq: 5, problem: 'previous-hash link broken' });
      await restore(s, legacyRows);
      expect((await verifyAuditChain(s)).ok).toBe(true);
    } finally {
      await s.close();
    }
  });
});

describe.each(storageKinds)('a removed audit anchor, on %s', (kind) => {
  let fixture: StorageFixture;
  beforeAll(async () => {
    fixture = await storageFixture(kind);
  });
  afterAll(async () => {
    await fixture.dispose();
  });

  it('is not recreated by a restart or new entries: verify reports it missing until an operator re-anchors, audited', async () => {
    const first = await fixture.open();
    for (let i = 0; i < 3; i++) await appendAudit(first, entry(i));
    const anchorFile = auditChainOf(first.db).anchorFile;
    await first.close();
    rmSync(anchorFile);
    const anchorErrors: Error[] = [];
    const s = await fixture.open({ onAuditAnchorError: (err) => anchorErrors.push(err) });
    try {
      await audited(s, async () => null, () => entry(3));
      expect(existsSync(anchorFile)).toBe(false);
      expect(anchorErrors.map((e) => e.message).join('\n')).toContain('is missing although the chain has entries; it is not recreated');
      expect(await verifyAuditChain(s)).toMatchObject({ ok: false, scope: 'anchor', brokenAtSeq: 0, problem: 'anchor missing: removal of the newest entries cannot be ruled out' });

      expect(await reanchorAuditChain(s, 'anchor lost with the old disk; chain checked')).toMatchObject({ seq: 5 });
      const recorded = await s.db.selectFrom('audit_log').selectAll().where('seq', '=', 5).executeTakeFirstOrThrow();
      expect(recorded).toMatchObject({ actor_kind: 'system', action: 'audit.reanchored', reason: 'anchor lost with the old disk; chain checked' });
      expect(JSON.parse(recorded.details)).toMatchObject({ problem: expect.stringContaining('anchor missing'), previousAnchor: null, entriesBefore: 4 });
      expect(await verifyAuditChain(s)).toMatchObject({ ok: true, entries: 5, anchor: { seq: 5 } });
    } finally {
      await s.close();
    }
  });

  it('re-anchoring is refused when the chain verifies, when its entries fail, and over an unusable anchor file', async () => {
    const s = await fixture.open();
    try {
      await expect(reanchorAuditChain(s, 'why not')).rejects.toThrow('not re-anchored: the audit chain verifies');
      const anchorFile = auditChainOf(s.db).anchorFile;
      const kept = (await snapshot(s)).at(-1)!;
      rmSync(anchorFile);
      await s.db.updateTable('audit_log').set({ reason: 'forged' }).where('seq', '=', 2).execute();
      await expect(reanchorAuditChain(s, 'hide it')).rejects.toThrow('not re-anchored: the entries themselves fail at entry 2');
      writeFileSync(anchorFile, 'garbage');
      await expect(reanchorAuditChain(s, 'hide it')).rejects.toThrow('anchor file unusable (malformed anchor file); move it aside first');
      expect(Number((await snapshot(s)).at(-1)!.seq)).toBe(Number(kept.seq));
    } finally {
      await s.close();
    }
  });
});
