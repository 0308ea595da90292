import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { AUDIT_KEY_SPEC } from '../../server/audit/audit-chain.ts';
import { projectRoot } from '../../server/config/load.ts';
import { resolveKeptSecret } from '../../server/auth/kept-secret.ts';

describe('audit key', () => {
  it('is generated once into the data dir, readable by its owner only, outside production', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'kv-audit-key-'));
    const key = resolveKeptSecret(AUDIT_KEY_SPEC, null, dir, 'development');
    const file = path.join(dir, 'audit-key');
    expect(readFileSync(file, 'utf8').trim()).toBe(key);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(resolveKeptSecret(AUDIT_KEY_SPEC, null, dir, 'development')).toBe(key);
    expect(() => resolveKeptSecret(AUDIT_KEY_SPEC, 'a'.repeat(40), dir, 'development')).toThrow(/auditKey \(environment AUDIT_KEY\): too weak/);
  });

  it('the server refuses NODE_ENV=production without AUDIT_KEY', { timeout: 60_000 }, () => {
    const r = spawnSync(process.execPath, ['--import', 'tsx', 'server/main.ts'], {
      cwd: projectRoot,
      env: {
        PATH: process.env.PATH ?? '', NODE_ENV: 'production', PORT: '0', HTTP_HOST: '127.0.0.1',
        DATA_DIR: mkdtempSync(path.join(os.tmpdir(), 'kv-prod-audit-')), JWT_SECRET: randomBytes(48).toString('base64url'), NIK_KEY: randomBytes(48).toString('base64url'),
      },
      encoding: 'utf8',
      timeout: 50_000,
    });
    expect(r.status).toBe(78);
    expect(r.stdout + r.stderr).toContain('auditKey (environment AUDIT_KEY): required when NODE_ENV=production');
  });
});
