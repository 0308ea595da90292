import { spawn } from 'node:child_process';
import os from 'node:os';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { App } from '../../server/app.ts';
import { verifyAuditChain } from '../../server/audit/audit-log.ts';
import { projectRoot } from '../../server/config/load.ts';
import type { Storage } from '../../server/storage/database.ts';
import { TestCallClient } from '../calls/socket-client.ts';
import { storageFixture, storageKinds, type StorageFixture } from '../helpers/storages.ts';
import { startTestApp } from '../helpers/test-app.ts';

// Child processes (tsx start-up) and argon2 hashes on a shared 2-core machine.
vi.setConfig({ testTimeout: 120_000, hookTimeout: 120_000 });

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

const VALID = ['--code', 'LP-CIPINANG', '--name', 'Lapas Kelas I Cipinang', '--kind', 'lapas', '--timezone', 'Asia/Jakarta', '--admin', 'admin.cipinang'];

/** VALID with one flag's value replaced (or the flag dropped when value is null). */
function withFlag(flag: string, value: string | null): string[] {
  const args = [...VALID];
  const i = args.indexOf(flag);
  if (value === null) args.splice(i, 2);
  else args[i + 1] = value;
  return args;
}

const post = (app: App, path: string, body: unknown, headers: Record<string, string> = {}) =>
  fetch(`${app.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });

describe('npm run facility refuses bad arguments before opening any database', () => {
  const env = { DATA_DIR: '/nonexistent/kv-facility-cli' };
  const facility = (args: string[]) => run(process.execPath, ['--import', 'tsx', 'server/facilities/facility-cli.ts', ...args], env);

  it('names each bad or missing flag, prints the usage, exits 64 and writes nothing on stdout', async () => {
    const cases: Array<[string[], string[]]> = [
      [['create', ...withFlag('--code', 'LP_X'), '--json'], ['--code: 2–20 characters']],
      [['create', ...withFlag('--kind', 'penjara').filter((a) => a !== '--admin' && a !== 'admin.cipinang')], ['--kind: ', '--admin is required']],
      [['create', ...VALID, '--role', 'admin'], ["Unknown option '--role'"]],
      [['delete'], ['unknown command delete']],
    ];
    const results = await Promise.all(cases.map(([args]) => facility(args)));
    results.forEach((result, i) => {
      const [args, messages] = cases[i]!;
      expect(result.code, args.join(' ')).toBe(64);
      expect(result.stdout).toBe('');
      for (const m of messages) expect(result.stderr, args.join(' ')).toContain(m);
      expect(result.stderr).toContain('usage:');
    });
    // Each case is a tsx start-up; the full table of rules is in facility-cli-args.test.ts.
  }, 300_000);
});

describe.each(storageKinds)('npm run facility on %s', (kind) => {
  let fixture: StorageFixture;
  let storage: Storage;
  const facility = (args: string[]) => run(process.execPath, ['--import', 'tsx', 'server/facilities/facility-cli.ts', ...args], fixture.env);
  let created: { facilityId: string; adminUsername: string; adminPassword: string };

  beforeAll(async () => {
    fixture = await storageFixture(kind);
    // The exact command from the README, through npm.
    const result = await run('npm', ['run', 'facility', '--', 'create', ...VALID, '--json'], fixture.env);
    expect(result.code, result.stderr).toBe(0);
    created = JSON.parse(result.stdout) as typeof created;
    expect(result.stdout).toBe(JSON.stringify(created) + '\n');
    storage = await fixture.open();
  });
  afterAll(async () => {
    await storage?.close();
    await fixture?.dispose();
  });

  it('create --json prints exactly {facilityId, adminUsername, adminPassword} and stores the facility and its admin, audited', async () => {
    expect(Object.keys(created)).toEqual(['facilityId', 'adminUsername', 'adminPassword']);
    expect(created.adminUsername).toBe('admin.cipinang');
    expect(created.adminPassword).toMatch(/^[A-Za-z0-9_-]{24}$/);

    const row = await storage.db.selectFrom('facilities').selectAll().where('id', '=', created.facilityId).executeTakeFirstOrThrow();
    expect(row).toMatchObject({ code: 'LP-CIPINANG', name: 'Lapas Kelas I Cipinang', kind: 'lapas', timezone: 'Asia/Jakarta' });
    const admin = await storage.db
      .selectFrom('officers')
      .innerJoin('officer_facilities', 'officer_facilities.officer_id', 'officers.id')
      .select(['officers.id', 'officers.must_change_password', 'officers.password_hash', 'officer_facilities.role', 'officer_facilities.facility_id'])
      .where('officers.username', '=', 'admin.cipinang')
      .execute();
    expect(admin).toEqual([expect.objectContaining({ must_change_password: 1, role: 'admin', facility_id: created.facilityId })]);
    expect(admin[0]!.password_hash).toMatch(/^\$argon2id\$/);

    const audit = await storage.db.selectFrom('audit_log').selectAll().where('facility_id', '=', created.facilityId).orderBy('seq').execute();
    expect(audit.map((a) => [a.actor_kind, a.action, a.subject_id])).toEqual([
      ['system', 'facility.created', created.facilityId],
      ['system', 'officer.created', admin[0]!.id],
    ]);
    expect(JSON.stringify(audit)).not.toContain(created.adminPassword);
    expect((await verifyAuditChain(storage)).ok).toBe(true);
  });

  it('without --json prints the password once, for people', async () => {
    const result = await facility(['create', '--code', 'rutan-bdg', '--name', 'Rutan Bandung', '--kind', 'rutan', '--timezone', 'Asia/Makassar', '--admin', 'Admin.Bandung', '--admin-name', 'Admin Rutan Bandung']);
    expect(result.code, result.stderr).toBe(0);
    const password = /Password:\s+(\S+)/.exec(result.stdout)?.[1];
    expect(password).toMatch(/^[A-Za-z0-9_-]{24}$/);
    expect(result.stdout).toContain('RUTAN-BDG');
    expect(result.stdout).toContain('admin.bandung');
    expect(result.stdout).toContain('http://localhost:3000/officer/');
    const officer = await storage.db.selectFrom('officers').selectAll().where('username', '=', 'admin.bandung').executeTakeFirstOrThrow();
    expect(officer).toMatchObject({ display_name: 'Admin Rutan Bandung', must_change_password: 1 });
    const code = await storage.db.selectFrom('facilities').select('code').where('name', '=', 'Rutan Bandung').executeTakeFirstOrThrow();
    expect(code.code).toBe('RUTAN-BDG');
  });

  it('refuses a duplicate code (in any case) or a taken username with a message and exit code 1, storing nothing', async () => {
    const before = await storage.db.selectFrom('facilities').select(storage.db.fn.countAll().as('n')).executeTakeFirstOrThrow();
    const auditBefore = await storage.db.selectFrom('audit_log').select(storage.db.fn.countAll().as('n')).executeTakeFirstOrThrow();

    const again = await facility(['create', ...withFlag('--code', 'lp-cipinang').map((a) => (a === 'admin.cipinang' ? 'someone.else' : a)), '--json']);
    expect(again.code).toBe(1);
    expect(again.stdout).toBe('');
    expect(again.stderr).toContain('a facility with code LP-CIPINANG already exists');

    const taken = await facility(['create', ...withFlag('--code', 'LP-OTHER')]);
    expect(taken.code).toBe(1);
    expect(taken.stdout).toBe('');
    expect(taken.stderr).toContain('the username admin.cipinang is taken');

    const after = await storage.db.selectFrom('facilities').select(storage.db.fn.countAll().as('n')).executeTakeFirstOrThrow();
    const auditAfter = await storage.db.selectFrom('audit_log').select(storage.db.fn.countAll().as('n')).executeTakeFirstOrThrow();
    expect(Number(after.n)).toBe(Number(before.n));
    expect(Number(auditAfter.n)).toBe(Number(auditBefore.n));
    expect(await storage.db.selectFrom('officers').select('id').where('username', '=', 'someone.else').executeTakeFirst()).toBeUndefined();
  });

  it('list shows every facility; --json as one object', async () => {
    const listed = await facility(['list', '--json']);
    expect(listed.code, listed.stderr).toBe(0);
    const body = JSON.parse(listed.stdout) as { facilities: Array<Record<string, string>> };
    expect(listed.stdout.trim().split('\n')).toHaveLength(1);
    expect(body.facilities.find((f) => f.id === created.facilityId)).toEqual({
      id: created.facilityId, code: 'LP-CIPINANG', name: 'Lapas Kelas I Cipinang', kind: 'lapas', timezone: 'Asia/Jakarta', createdAt: expect.any(String),
    });
    expect(body.facilities.map((f) => f.code)).toContain('RUTAN-BDG');

    const text = await facility(['list']);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/LP-CIPINANG\s+lapas\s+Asia\/Jakarta/);
    expect(text.stdout).toContain(created.facilityId);
    expect(text.stdout).toContain('Lapas Kelas I Cipinang');
  });

  it('the printed admin signs in, must change the password before anything else, then works', async () => {
    const app = await startTestApp(fixture.env);
    try {
      const login = await post(app, '/api/auth/login', { username: created.adminUsername, password: created.adminPassword });
      expect(login.status).toBe(200);
      const first = (await login.json()) as { token: string; mustChangePassword: boolean; facility: { id: string } };
      expect(first).toMatchObject({ mustChangePassword: true, facility: { id: created.facilityId } });
      const auth = { authorization: `Bearer ${first.token}` };

      const me = await fetch(`${app.url}/api/auth/me`, { headers: auth });
      expect(me.status).toBe(200);
      expect(await me.json()).toMatchObject({ mustChangePassword: true, officer: { username: created.adminUsername, role: 'admin' } });
      for (const [method, path] of [['GET', '/api/officers'], ['GET', '/api/visits'], ['GET', '/api/facilities'], ['POST', '/api/auth/refresh'], ['GET', '/api/booths']]) {
        const refused = await fetch(`${app.url}${path}`, { method, headers: auth });
        expect(refused.status, path).toBe(403);
        expect(await refused.json()).toMatchObject({ error: { code: 'password_change_required' } });
      }
      expect(await TestCallClient.refusal(app, { token: first.token, role: 'officer' })).toBe('password_change_required');

      const wrong = await post(app, '/api/auth/password', { currentPassword: 'not-the-password', newPassword: 'kata-sandi-baru-yang-kuat' }, auth);
      expect(wrong.status).toBe(400);
      expect(await wrong.json()).toMatchObject({ error: { code: 'wrong_password', fields: { currentPassword: expect.any(Array) } } });
      const short = await post(app, '/api/auth/password', { currentPassword: created.adminPassword, newPassword: 'pendek' }, auth);
      expect(short.status).toBe(400);
      expect(await short.json()).toMatchObject({ error: { fields: { newPassword: expect.any(Array) } } });
      const same = await post(app, '/api/auth/password', { currentPassword: created.adminPassword, newPassword: created.adminPassword }, auth);
      expect(same.status).toBe(400);
      expect(await same.json()).toMatchObject({ error: { fields: { newPassword: ['must differ from the current password'] } } });
      expect((await fetch(`${app.url}/api/visits`, { headers: auth })).status).toBe(403);

      const changed = await post(app, '/api/auth/password', { currentPassword: created.adminPassword, newPassword: 'kata-sandi-baru-yang-kuat' }, auth);
      expect(changed.status).toBe(200);
      const fresh = (await changed.json()) as { token: string; expiresAt: string };
      expect(Object.keys(fresh).sort()).toEqual(['expiresAt', 'token']);
      const freshAuth = { authorization: `Bearer ${fresh.token}` };
      expect((await fetch(`${app.url}/api/officers`, { headers: freshAuth })).status).toBe(200);
      expect(await (await fetch(`${app.url}/api/auth/me`, { headers: freshAuth })).json()).toMatchObject({ mustChangePassword: false });
      const socket = await TestCallClient.open(app, { token: fresh.token, role: 'officer' });
      await socket.ok('hello', {});
      socket.close();

      expect((await post(app, '/api/auth/login', { username: created.adminUsername, password: created.adminPassword })).status).toBe(401);
      const again = await post(app, '/api/auth/login', { username: created.adminUsername, password: 'kata-sandi-baru-yang-kuat' });
      expect(await again.json()).toMatchObject({ mustChangePassword: false });
      const audit = await app.storage.db.selectFrom('audit_log').select(['action', 'actor_kind']).where('facility_id', '=', created.facilityId).execute();
      expect(audit.map((a) => a.action)).toEqual(expect.arrayContaining(['officer.password_change_failed', 'officer.password_changed']));
      expect((await verifyAuditChain(app.storage)).ok).toBe(true);
    } finally {
      await app.close();
    }
  });
});
