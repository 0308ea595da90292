import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { AuditAnchorError, auditChainOf, unkeyedHash } from '../../server/audit/audit-chain.ts';
import { appendAudit, audited, type AuditEntryInput } from '../../server/audit/audit-log.ts';
import { projectRoot } from '../../server/config/load.ts';
import { openStorage } from '../../server/storage/database.ts';
import { rewriteChain } from './rewrite-chain.ts';

function verify(dataDir: string, env: Record<string, string> = {}, args: string[] = []) {
  return spawnSync(process.execPath, ['--import', 'tsx', 'server/audit/verify-cli.ts', ...args], {
    cwd: projectRoot,
    env: { PATH: process.env.PATH ?? '', DATA_DIR: dataDir, ...env },
    encoding: 'utf8',
    timeout: 30_000,
  });
}

describe('audit verify command', () => {
  it('passes on an intact chain and fails, naming the entry, after an edit', { timeout: 120_000 }, async () => {
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'kv-audit-cli-'));
    const storage = await openStorage({ databaseUrl: null, dataDir });
    for (let i = 0; i < 3; i++) await appendAudit(storage, { actorKind: 'officer', actorId: 'o1', action: 'call.warn', reason: `r${i}` });
    await storage.close();
    const ok = verify(dataDir);
    expect(ok.status).toBe(0);
    expect(ok.stdout).toContain('audit chain OK: 3 entries');

    const again = await openStorage({ databaseUrl: null, dataDir });
    await again.db.updateTable('audit_log').set({ reason: 'nothing happened' }).where('seq', '=', 2).execute();
    await again.close();
    const broken = verify(dataDir);
    expect(broken.status).toBe(1);
    expect(broken.stderr).toContain('BROKEN at entry 2: entry altered');
  });

  it('fails when the newest entries were deleted, or when verified with another key; production needs an explicit key', { timeout: 180_000 }, async () => {
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'kv-audit-cli-'));
    const storage = await openStorage({ databaseUrl: null, dataDir });
    for (let i = 0; i < 5; i++) await appendAudit(storage, { actorKind: 'officer', actorId: 'o1', action: 'call.warn', reason: `r${i}` });
    await storage.close();
    const ok = verify(dataDir);
    expect(ok.stdout).toContain('audit chain OK: 5 entries; anchored at entry 5');

    expect(verify(dataDir, { AUDIT_KEY: randomBytes(32).toString('base64url') }).stderr).toContain('audit chain BROKEN: anchor file unusable: anchor not signed with this audit key');
    const production = verify(dataDir, { NODE_ENV: 'production' });
    expect(production.status).toBe(78);
    expect(production.stderr).toContain('auditKey (environment AUDIT_KEY): required when NODE_ENV=production');

    const again = await openStorage({ databaseUrl: null, dataDir, anchorAudit: false });
    await again.db.deleteFrom('audit_log').where('seq', '>', 3).execute();
    await again.close();
    const truncated = verify(dataDir);
    expect(truncated.status).toBe(1);
    expect(truncated.stderr).toContain('BROKEN at entry 4: newest entries missing: the anchor records entry 5, the chain ends at 3');
  });

  it('keeps failing when the newest entries were deleted and more audited actions than that followed', { timeout: 120_000 }, async () => {
    const dataDir = await chainOf(5);
    const again = await openStorage({ databaseUrl: null, dataDir, anchorAudit: false });
    await again.db.deleteFrom('audit_log').where('seq', '>', 3).execute();
    await again.close();
    const anchorErrors: Error[] = [];
    const server = await openStorage({ databaseUrl: null, dataDir, onAuditAnchorError: (err) => anchorErrors.push(err) });
    for (let i = 0; i < 3; i++) await audited(server, async () => i, () => warning(`after ${i}`));
    await server.close();
    const broken = verify(dataDir);
    expect(broken.status).toBe(1);
    expect(broken.stderr).toContain('BROKEN at entry 5: entry differs from the anchored one');
    expect(anchorErrors.some((e) => e instanceof AuditAnchorError && e.context.anchoredSeq === 5 && e.context.headSeq === 6)).toBe(true);
  });

  it('fails on the whole chain rewritten with recomputed unkeyed hashes', { timeout: 120_000 }, async () => {
    const dataDir = await chainOf(3);
    const again = await openStorage({ databaseUrl: null, dataDir, anchorAudit: false });
    await rewriteChain(again, unkeyedHash, (r) => (r.seq === 2 ? { ...r, reason: 'nothing happened' } : r));
    await again.close();
    const broken = verify(dataDir);
    expect(broken.status).toBe(1);
    expect(broken.stderr).toContain('BROKEN at entry 3: entry differs from the anchored one (chain rewritten?)');
  });

  it('reports a removed anchor as missing, never recreates it, and re-anchors only when told, audited', { timeout: 120_000 }, async () => {
    const dataDir = await chainOf(3);
    const probe = await openStorage({ databaseUrl: null, dataDir, anchorAudit: false });
    const anchorFile = auditChainOf(probe.db).anchorFile;
    await probe.close();
    rmSync(anchorFile);
    const server = await openStorage({ databaseUrl: null, dataDir, onAuditAnchorError: () => {} });
    await audited(server, async () => null, () => warning('after the anchor went'));
    await server.close();
    expect(existsSync(anchorFile)).toBe(false);

    const missing = verify(dataDir);
    expect(missing.status).toBe(1);
    expect(missing.stderr).toContain('audit chain BROKEN: anchor missing');
    expect(existsSync(anchorFile)).toBe(false);

    const reanchored = verify(dataDir, {}, ['--reanchor', 'anchor lost with the old disk; chain checked']);
    expect(reanchored.status).toBe(0);
    expect(reanchored.stdout).toContain('audit chain re-anchored at entry 5 (audit.reanchored: anchor lost with the old disk; chain checked)');
    expect(reanchored.stdout).toContain('audit chain OK: 5 entries; anchored at entry 5');
    expect(verify(dataDir, {}, ['--reanchor', 'again']).status).toBe(0); // an intact chain: nothing to do
    expect(verify(dataDir).stdout).toContain('audit chain OK: 5 entries; anchored at entry 5');
  });

  it('writes nothing: fails without an audit key or a database, creating neither', { timeout: 120_000 }, async () => {
    const dataDir = path.join(mkdtempSync(path.join(os.tmpdir(), 'kv-audit-cli-')), 'data');
    const noKey = verify(dataDir);
    expect(noKey.status).toBe(78);
    expect(noKey.stderr).toContain('no auditKey: set AUDIT_KEY');
    const noDatabase = verify(dataDir, { AUDIT_KEY: randomBytes(32).toString('base64url') });
    expect(noDatabase.status).toBe(66);
    expect(noDatabase.stderr).toContain(`no database at ${path.join(dataDir, 'kunjungan.db')}`);
    expect(existsSync(dataDir)).toBe(false);

    const existing = await chainOf(2);
    const before = listing(existing);
    expect(verify(existing).status).toBe(0);
    rmSync(path.join(existing, 'audit-key'));
    expect(verify(existing).status).toBe(78);
    expect(listing(existing)).toEqual(before.filter((f) => !f.startsWith('audit-key')));
  });
});

const warning = (reason: string): AuditEntryInput => ({ actorKind: 'officer', actorId: 'o1', action: 'call.warn', reason });

/** A data dir whose SQLite chain holds `n` entries, anchored, closed. */
async function chainOf(n: number): Promise<string> {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'kv-audit-cli-'));
  const storage = await openStorage({ databaseUrl: null, dataDir });
  for (let i = 0; i < n; i++) await appendAudit(storage, warning(`r${i}`));
  await storage.close();
  return dataDir;
}

/**
 * Every file of the data dir with its content, to see that nothing changed; but SQLite's -wal and
 * -shm, which a read-only reader of a WAL database creates empty when absent (as a running server has them).
 */
function listing(dir: string): string[] {
  return readdirSync(dir).filter((f) => !/-(wal|shm)$/.test(f)).sort().map((f) => `${f}:${readFileSync(path.join(dir, f)).toString('base64')}`);
}
