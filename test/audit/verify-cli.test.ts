import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { appendAudit } from '../../server/audit/audit-log.ts';
import { projectRoot } from '../../server/config/load.ts';
import { openStorage } from '../../server/storage/database.ts';

function verify(dataDir: string) {
  return spawnSync(process.execPath, ['--import', 'tsx', 'server/audit/verify-cli.ts'], {
    cwd: projectRoot,
    env: { PATH: process.env.PATH ?? '', DATA_DIR: dataDir },
    encoding: 'utf8',
    timeout: 30_000,
  });
}

describe('audit verify command', () => {
  it('passes on an intact chain and fails, naming the entry, after an edit', async () => {
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
});
