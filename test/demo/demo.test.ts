import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../server/app.ts';
import { resolveJwtSecret } from '../../server/auth/jwt-secret.ts';
import { TokenService } from '../../server/auth/tokens.ts';
import { projectRoot } from '../../server/config/load.ts';
import type { DemoLinks } from '../../server/demo/demo-data.ts';
import { isBoothDeviceActive } from '../../server/visits/visit-store.ts';
import { startTestApp } from '../helpers/test-app.ts';

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function run(command: string, args: string[], env: Record<string, string>): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd: projectRoot,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? os.tmpdir(), ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.once('error', reject);
    child.once('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

const demo = (args: string[], env: Record<string, string>) => run(process.execPath, ['--import', 'tsx', 'server/demo/seed.ts', ...args], env);

const KEYS = ['boothUrl', 'familyUrl', 'officerPassword', 'officerUrl', 'officerUsername', 'visitId'];
const tokenOf = (url: string) => new URL(url).searchParams.get('t');

async function login(app: App, username: string, password: string) {
  const res = await fetch(`${app.url}/api/auth/login`, {
    method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username, password }),
  });
  return { status: res.status, body: (await res.json()) as { token?: string } };
}

describe('npm run demo', () => {
  let dataDir: string;
  let first: DemoLinks;
  let app: App | undefined;

  beforeAll(async () => {
    dataDir = mkdtempSync(path.join(os.tmpdir(), 'kv-demo-'));
    // The exact command from the README, through npm.
    const result = await run('npm', ['run', 'demo', '--', '--json'], { DATA_DIR: dataDir });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout.trim().split('\n')).toHaveLength(1);
    first = JSON.parse(result.stdout) as DemoLinks;
  }, 60_000);
  afterAll(async () => {
    await app?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('prints exactly one JSON object with the links, credentials and visit id', () => {
    expect(Object.keys(first).sort()).toEqual(KEYS);
    expect(first.familyUrl.startsWith('http://localhost:3000/family/?t=')).toBe(true);
    expect(first.boothUrl.startsWith('http://localhost:3000/booth/?t=')).toBe(true);
    expect(first.officerUrl).toBe('http://localhost:3000/officer/');
    expect(first.officerUsername).toBe('demo');
    expect(first.officerPassword.length).toBeGreaterThanOrEqual(16);
  });

  it('signs tokens the server accepts: a join token for the visit now, a booth token for an enrolled device', async () => {
    const tokens = new TokenService(resolveJwtSecret(null, dataDir));
    const join = tokens.verify('join', tokenOf(first.familyUrl));
    expect(join.visit).toBe(first.visitId);
    const booth = tokens.verify('booth', tokenOf(first.boothUrl));

    app = await startTestApp({ DATA_DIR: dataDir });
    const visit = await app.storage.db.selectFrom('visits').selectAll().where('id', '=', first.visitId).executeTakeFirstOrThrow();
    expect(visit).toMatchObject({ status: 'scheduled', duration_seconds: 900, booth_id: booth.booth, facility_id: booth.fac });
    expect(Math.abs(new Date(visit.scheduled_start).getTime() - Date.now())).toBeLessThan(60_000);
    const party = await app.storage.db.selectFrom('visit_visitors').selectAll().where('visit_id', '=', visit.id).execute();
    expect(party).toEqual([{ visit_id: visit.id, visitor_id: join.sub }]);
    expect(await isBoothDeviceActive(app.storage, booth.sub, booth.booth)).toBe(true);

    const session = await login(app, first.officerUsername, first.officerPassword);
    expect(session.status).toBe(200);
    const res = await fetch(`${app.url}/api/visits/${first.visitId}`, { headers: { authorization: `Bearer ${session.body.token}` } });
    expect(res.status).toBe(200);
    expect(((await res.json()) as { visit: { visitors: unknown[] } }).visit.visitors).toHaveLength(1);
  });

  it('runs again idempotently: same facility, new password, the old visit replaced, PUBLIC_URL honoured', async () => {
    const again = await demo(['--json'], { DATA_DIR: dataDir, PUBLIC_URL: 'https://kunjungan.example.id/' });
    expect(again.code, again.stderr).toBe(0);
    const second = JSON.parse(again.stdout) as DemoLinks;
    expect(second.visitId).not.toBe(first.visitId);
    expect(second.officerPassword).not.toBe(first.officerPassword);
    expect(second.familyUrl.startsWith('https://kunjungan.example.id/family/?t=')).toBe(true);
    expect(second.officerUrl).toBe('https://kunjungan.example.id/officer/');

    const db = app!.storage.db;
    expect(await db.selectFrom('facilities').select('id').where('code', '=', 'DEMO').execute()).toHaveLength(1);
    for (const table of ['booths', 'booth_devices', 'inmates', 'visitors', 'officers'] as const) {
      expect(await db.selectFrom(table).select('id').execute(), table).toHaveLength(1);
    }
    const old = await db.selectFrom('visits').selectAll().where('id', '=', first.visitId).executeTakeFirstOrThrow();
    expect(old).toMatchObject({ status: 'cancelled', end_reason: 'demo_reset' });
    expect((await login(app!, 'demo', first.officerPassword)).status).toBe(401);
    expect((await login(app!, 'demo', second.officerPassword)).status).toBe(200);
  });

  it('prints the links for people without --json, and refuses unknown arguments', async () => {
    const human = await demo([], { DATA_DIR: dataDir });
    expect(human.code, human.stderr).toBe(0);
    expect(human.stdout).toMatch(/Family \(keluarga\): +http:\/\/localhost:3000\/family\/\?t=/);
    expect(human.stdout).toMatch(/Booth \(bilik WBP\): +http:\/\/localhost:3000\/booth\/\?t=/);
    expect(human.stdout).toMatch(/username: demo\n +password: \S{16}/);
    const wrong = await demo(['--jsn'], { DATA_DIR: dataDir });
    expect(wrong.code).toBe(64);
    expect(wrong.stdout).toBe('');
  });
});
