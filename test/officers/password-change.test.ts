import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { App } from '../../server/app.ts';
import { verifyAuditChain } from '../../server/audit/audit-log.ts';
import { TestCallClient } from '../calls/socket-client.ts';
import { durableDatabase } from '../helpers/public-services.ts';
import { storageKinds } from '../helpers/storages.ts';
import { createFacility, loginOfficer, startTestApp } from '../helpers/test-app.ts';

// argon2 hashes (64 MiB each) on a busy 2-core machine.
vi.setConfig({ testTimeout: 120_000, hookTimeout: 120_000 });

type Json = any; // eslint-disable-line @typescript-eslint/no-explicit-any

const NEW_PASSWORD = 'kata-sandi-baru-yang-kuat';
const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

/** Wrong current passwords allowed per account before 429 (lowered from 10 to keep the test short). */
const FAILURES = 3;
function configFile(): string {
  const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'kv-pw-config-')), 'config.json');
  writeFileSync(file, JSON.stringify({ officerLogin: { failuresPerUsernameAndClient: { points: FAILURES, durationSeconds: 900 } } }));
  return file;
}

function disconnected(client: TestCallClient): Promise<void> {
  return new Promise((resolve) => client.socket.once('disconnect', () => resolve()));
}

describe.each(storageKinds)('an officer changes their own password on %s', (kind) => {
  let db: Awaited<ReturnType<typeof durableDatabase>>;
  let app: App;
  beforeAll(async () => {
    db = await durableDatabase(kind);
    app = await startTestApp({ ...db.env, CONFIG_FILE: configFile() });
  });
  afterAll(async () => {
    await app?.close();
    await db?.drop();
  });

  const post = (urlPath: string, body: unknown, auth: Record<string, string> = {}) =>
    fetch(`${app.url}${urlPath}`, { method: 'POST', headers: { 'content-type': 'application/json', ...auth }, body: JSON.stringify(body) });
  const get = (urlPath: string, auth: Record<string, string>) => fetch(`${app.url}${urlPath}`, { headers: auth });
  async function login(username: string, password: string, facilityId?: string): Promise<Json> {
    const res = await post('/api/auth/login', { username, password, ...(facilityId ? { facilityId } : {}) });
    expect(res.status).toBe(200);
    return res.json();
  }

  it('ends every other sign-in (requests and sockets) and keeps this one, with a fresh token', async () => {
    const a = await createFacility(app);
    const b = await createFacility(app);
    const mine = await loginOfficer(app, [a.id, b.id], 'supervisor');
    const other = (await login(mine.username, mine.password, b.id)) as { token: string };
    const otherSocket = await TestCallClient.open(app, { token: other.token, role: 'officer' });
    await otherSocket.ok('hello', {});
    const mySocket = await TestCallClient.open(app, { token: mine.token, role: 'officer' });
    await mySocket.ok('hello', {});
    const otherGone = disconnected(otherSocket);

    const res = await post('/api/auth/password', { currentPassword: mine.password, newPassword: NEW_PASSWORD }, mine.auth);
    expect(res.status).toBe(200);
    const fresh = (await res.json()) as { token: string; expiresAt: string };
    expect(new Date(fresh.expiresAt).getTime()).toBeGreaterThan(Date.now());

    await otherGone;
    expect(otherSocket.notifications.find((n) => n.method === 'sessionRevoked')?.data).toEqual({ code: 'session_revoked' });
    for (const [method, urlPath] of [['GET', '/api/auth/me'], ['GET', '/api/visits'], ['POST', '/api/auth/refresh']]) {
      const refused = await fetch(`${app.url}${urlPath}`, { method, headers: bearer(other.token) });
      expect(refused.status, urlPath).toBe(401);
      expect(await refused.json()).toMatchObject({ error: { code: 'token_revoked' } });
    }
    expect(await TestCallClient.refusal(app, { token: other.token, role: 'officer' })).toBe('session_revoked');

    // This sign-in goes on: its socket, its old token, the fresh one and what refresh makes of it.
    expect((await mySocket.request('hello', {})).ok).toBe(true);
    expect(mySocket.socket.connected).toBe(true);
    mySocket.close();
    expect((await get('/api/visits', mine.auth)).status).toBe(200);
    expect((await get('/api/visits', bearer(fresh.token))).status).toBe(200);
    const refreshed = (await (await post('/api/auth/refresh', {}, bearer(fresh.token))).json()) as { token: string };
    expect((await get('/api/visits', bearer(refreshed.token))).status).toBe(200);
    expect(app.ctx.tokens.verify('officer', fresh.token)).toMatchObject({ sub: mine.officer.id, fac: a.id, role: 'supervisor', sid: app.ctx.tokens.verify('officer', mine.token).sid });

    // New sign-ins take the new password only, and are not ended by the earlier change.
    expect((await post('/api/auth/login', { username: mine.username, password: mine.password, facilityId: a.id })).status).toBe(401);
    const later = await login(mine.username, NEW_PASSWORD, b.id);
    expect(later.mustChangePassword).toBe(false);
    expect((await get('/api/visits', bearer(later.token))).status).toBe(200);
    // Signing out of the session that changed it ends its fresh token too.
    expect((await post('/api/auth/logout', {}, bearer(fresh.token))).status).toBe(204);
    expect((await get('/api/visits', mine.auth)).status).toBe(401);

    const audit = await app.storage.db.selectFrom('audit_log').selectAll().where('action', '=', 'officer.password_changed').where('subject_id', '=', mine.officer.id).execute();
    expect(audit.map((e) => e.facility_id).sort()).toEqual([a.id, b.id].sort());
    expect(audit.every((e) => e.actor_id === mine.officer.id && !e.details.includes(NEW_PASSWORD))).toBe(true);
    expect((await verifyAuditChain(app.storage)).ok).toBe(true);
  });

  it('refuses a wrong current password (audited, limited per account) and bad new passwords', async () => {
    const f = await createFacility(app);
    const me = await loginOfficer(app, [f.id]);
    expect((await post('/api/auth/password', { currentPassword: me.password, newPassword: NEW_PASSWORD })).status).toBe(401);
    const invalid = await post('/api/auth/password', { currentPassword: '', newPassword: 'short', extra: 1 }, me.auth);
    expect(invalid.status).toBe(400);
    expect(await invalid.json()).toMatchObject({ error: { code: 'validation_failed', fields: { currentPassword: expect.any(Array), newPassword: ['at least 12 characters'] } } });

    for (let i = 0; i < FAILURES; i++) {
      const wrong = await post('/api/auth/password', { currentPassword: `salah-${i}-kata-sandi`, newPassword: NEW_PASSWORD }, me.auth);
      expect(wrong.status).toBe(400);
      expect(await wrong.json()).toMatchObject({ error: { code: 'wrong_password', fields: { currentPassword: ['wrong password'] } } });
    }
    // Budget spent: even the right password waits now, so a stolen session cannot go on guessing.
    const limited = await post('/api/auth/password', { currentPassword: me.password, newPassword: NEW_PASSWORD }, me.auth);
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(await limited.json()).toMatchObject({ error: { code: 'too_many_attempts' } });

    // Nothing changed: the old password still signs in, and the session still works.
    expect((await post('/api/auth/login', { username: me.username, password: me.password })).status).toBe(200);
    expect((await get('/api/visits', me.auth)).status).toBe(200);
    const failed = await app.storage.db.selectFrom('audit_log').select(['facility_id']).where('action', '=', 'officer.password_change_failed').where('actor_id', '=', me.officer.id).execute();
    expect(failed).toHaveLength(FAILURES);
    expect(failed.every((e) => e.facility_id === f.id)).toBe(true);
  });

  it('an admin reset ends the officer’s sign-ins and forces a change at the next one', async () => {
    const f = await createFacility(app);
    const admin = await loginOfficer(app, [f.id], 'admin');
    const officer = await loginOfficer(app, [f.id]);
    const socket = await TestCallClient.open(app, { token: officer.token, role: 'officer' });
    await socket.ok('hello', {});
    const gone = disconnected(socket);

    const reset = await fetch(`${app.url}/api/officers/${officer.officer.id}`, {
      method: 'PATCH', headers: { 'content-type': 'application/json', ...admin.auth }, body: JSON.stringify({ password: 'sandi-sementara-123', reason: 'lupa kata sandi' }),
    });
    expect(reset.status).toBe(200);
    await gone;
    expect((await get('/api/auth/me', officer.auth)).status).toBe(401);
    const list = (await (await get('/api/officers', admin.auth)).json()) as Json;
    expect(list.officers.find((o: Json) => o.id === officer.officer.id).mustChangePassword).toBe(true);
    expect(list.officers.find((o: Json) => o.id === admin.officer.id).mustChangePassword).toBe(false);

    const next = await login(officer.username, 'sandi-sementara-123');
    expect(next.mustChangePassword).toBe(true);
    const limited = await get('/api/visits', bearer(next.token));
    expect(limited.status).toBe(403);
    expect(await limited.json()).toMatchObject({ error: { code: 'password_change_required' } });
    expect(await TestCallClient.refusal(app, { token: next.token, role: 'officer' })).toBe('password_change_required');
    const me = (await (await get('/api/auth/me', bearer(next.token))).json()) as Json;
    expect(me).toMatchObject({ mustChangePassword: true, officer: { id: officer.officer.id } });

    const changed = await post('/api/auth/password', { currentPassword: 'sandi-sementara-123', newPassword: NEW_PASSWORD }, bearer(next.token));
    expect(changed.status).toBe(200);
    const { token } = (await changed.json()) as { token: string };
    expect((await get('/api/visits', bearer(token))).status).toBe(200);
    const after = (await (await get('/api/officers', admin.auth)).json()) as Json;
    expect(after.officers.find((o: Json) => o.id === officer.officer.id).mustChangePassword).toBe(false);
    const audit = await app.storage.db.selectFrom('audit_log').select(['details']).where('action', '=', 'officer.updated').where('subject_id', '=', officer.officer.id).execute();
    expect(JSON.parse(audit[0]!.details)).toMatchObject({ passwordReset: true, mustChangePassword: true });
  });

  it('while a change is required, sign-out still works', async () => {
    const f = await createFacility(app);
    const admin = await loginOfficer(app, [f.id], 'admin');
    const officer = await loginOfficer(app, [f.id]);
    await fetch(`${app.url}/api/officers/${officer.officer.id}`, {
      method: 'PATCH', headers: { 'content-type': 'application/json', ...admin.auth }, body: JSON.stringify({ password: 'sandi-sementara-456', reason: 'lupa kata sandi' }),
    });
    const next = await login(officer.username, 'sandi-sementara-456');
    expect((await post('/api/auth/logout', {}, bearer(next.token))).status).toBe(204);
    expect((await get('/api/auth/me', bearer(next.token))).status).toBe(401);
  });
});
