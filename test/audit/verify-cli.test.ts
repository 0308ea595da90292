import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { appendAudit } from '../../server/audit/audit-log.ts';
import { projectRoot } from '../../server/config/load.ts';
import { openStorage } from '../../server/storage/database.ts';

function verify(dataDir: string, env: Record<string, string> = {}) {
  return spawnSync(process.execPath, ['--import', 'tsx', 'server/audit/verify-cli.ts'], {
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
});
