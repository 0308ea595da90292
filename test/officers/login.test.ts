import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { App } from '../../server/app.ts';
import { verifyAuditChain } from '../../server/audit/audit-log.ts';
import { createFacility, loginOfficer, startTestApp } from '../helpers/test-app.ts';

// Each login costs an argon2 hash (64 MiB): slow on a busy 2-core machine.
vi.setConfig({ testTimeout: 120_000, hookTimeout: 120_000 });

const post = (app: App, path: string, body: unknown, headers: Record<string, string> = {}) =>
  fetch(`${app.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });

describe('officer login', () => {
  let app: App;
  beforeAll(async () => {
    app = await startTestApp();
  });
  afterAll(() => app.close());

  it('logs in to an assigned facility and returns a facility-scoped token', async () => {
    const facility = await createFacility(app);
    const { token, auth } = await loginOfficer(app, [facility.id]);
    const claims = app.ctx.tokens.verify('officer', token);
    expect(claims).toMatchObject({ kind: 'officer', role: 'officer', fac: facility.id });
    const me = await fetch(`${app.url}/api/auth/me`, { headers: auth });
    expect(me.status).toBe(200);
    expect(await me.json()).toMatchObject({ facility: { id: facility.id } });
    const refreshed = await post(app, '/api/auth/refresh', {}, auth);
    expect(refreshed.status).toBe(200);
  });

  it('asks a supervisor with several facilities to choose, and refuses an unassigned one', async () => {
    const a = await createFacility(app);
    const b = await createFacility(app);
    const c = await createFacility(app);
    const { username, password } = await loginOfficer(app, [a.id, b.id], 'supervisor', b.id);
    const choose = await post(app, '/api/auth/login', { username, password });
    expect(choose.status).toBe(400);
    expect(await choose.json()).toMatchObject({ error: { code: 'choose_facility' } });
    const other = await post(app, '/api/auth/login', { username, password, facilityId: c.id });
    expect(other.status).toBe(400);
  });

  it('lets a supervisor switch to another assigned facility without signing in again, and audits it', async () => {
    const a = await createFacility(app);
    const b = await createFacility(app);
    const c = await createFacility(app);
    const { officer, auth } = await loginOfficer(app, [a.id, b.id], 'supervisor', b.id);
    const switched = await post(app, '/api/auth/switch-facility', { facilityId: a.id }, auth);
    expect(switched.status).toBe(200);
    const body = (await switched.json()) as { token: string; facility: { id: string }; facilities: { id: string }[] };
    expect(body.facility.id).toBe(a.id);
    expect(body.facilities.map((f) => f.id).sort()).toEqual([a.id, b.id].sort());
    expect(app.ctx.tokens.verify('officer', body.token)).toMatchObject({ fac: a.id, role: 'supervisor', sub: officer.id });
    const me = await fetch(`${app.url}/api/auth/me`, { headers: { authorization: `Bearer ${body.token}` } });
    expect(await me.json()).toMatchObject({ facility: { id: a.id } });

    expect((await post(app, '/api/auth/switch-facility', { facilityId: c.id }, auth)).status).toBe(404);
    expect((await post(app, '/api/auth/switch-facility', { facilityId: 'x' }, auth)).status).toBe(400);
    expect((await post(app, '/api/auth/switch-facility', { facilityId: a.id })).status).toBe(401);
    const entries = await app.storage.db.selectFrom('audit_log').selectAll().where('action', '=', 'officer.facility_switch').where('actor_id', '=', officer.id).execute();
    expect(entries.map((e) => [e.facility_id, JSON.parse(e.details).from])).toEqual([[a.id, b.id]]);
  });

  it('refuses wrong passwords and unknown users alike, validates the body, and rate-limits', async () => {
    const facility = await createFacility(app);
    const { username } = await loginOfficer(app, [facility.id]);
    const wrong = await post(app, '/api/auth/login', { username, password: 'salah' });
    const unknown = await post(app, '/api/auth/login', { username: 'tidak-ada', password: 'salah' });
    expect(wrong.status).toBe(401);
    expect(unknown.status).toBe(401);
    expect(await wrong.json()).toEqual(await unknown.json());
    const invalid = await post(app, '/api/auth/login', { username: 42 });
    expect(invalid.status).toBe(400);
    expect(await invalid.json()).toMatchObject({ error: { code: 'validation_failed', fields: { username: expect.any(Array), password: expect.any(Array) } } });
    for (let i = 0; i < 9; i++) await post(app, '/api/auth/login', { username, password: 'salah' });
    const limited = await post(app, '/api/auth/login', { username, password: 'kata-sandi-rahasia-123' });
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBeTruthy();
  });

  it('refuses missing, tampered and wrong-kind tokens', async () => {
    const facility = await createFacility(app);
    const { token } = await loginOfficer(app, [facility.id]);
    expect((await fetch(`${app.url}/api/auth/me`)).status).toBe(401);
    const tampered = token.slice(0, -3) + (token.endsWith('AAA') ? 'BBB' : 'AAA');
    expect((await fetch(`${app.url}/api/auth/me`, { headers: { authorization: `Bearer ${tampered}` } })).status).toBe(401);
    const booth = app.ctx.tokens.signBooth('device', 'booth', facility.id);
    expect((await fetch(`${app.url}/api/auth/me`, { headers: { authorization: `Bearer ${booth}` } })).status).toBe(401);
  });

  it('audits logins in a verifiable chain', async () => {
    const entries = await app.storage.db.selectFrom('audit_log').select('action').execute();
    expect(entries.some((e) => e.action === 'officer.login')).toBe(true);
    expect(entries.some((e) => e.action === 'officer.login_failed')).toBe(true);
    expect((await verifyAuditChain(app.storage)).ok).toBe(true);
  });
});

describe('officer login limits under parallel guessing', () => {
  let app: App;
  beforeAll(async () => {
    // Room for every parallel check, so these tests measure the limits, not the hashing cap (login-cost.test.ts).
    app = await startTestApp({ LOGIN_MAX_CONCURRENT_HASHES: '32' });
  });
  afterAll(() => app.close());

  it('lets at most 10 guesses per username through even when they arrive at once', async () => {
    const facility = await createFacility(app);
    const { username } = await loginOfficer(app, [facility.id]);
    const answers = await Promise.all(Array.from({ length: 20 }, () => post(app, '/api/auth/login', { username, password: 'tebakan-salah' })));
    const statuses = answers.map((r) => r.status);
    expect(statuses.filter((s) => s === 401)).toHaveLength(10);
    expect(statuses.filter((s) => s === 429)).toHaveLength(10);
  });

  it('caps guesses from one address across usernames', async () => {
    let limited = 0;
    for (let i = 0; i < 25; i++) {
      const res = await post(app, '/api/auth/login', { username: `tidak-ada-${i}`, password: 'salah' });
      if (res.status === 429) limited++;
    }
    // 20 of the address's 30 points went to the parallel test above: 10 left, then 429.
    expect(limited).toBe(15);
  });
});
