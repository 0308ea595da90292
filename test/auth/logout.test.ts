import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../server/app.ts';
import { TestCallClient } from '../calls/socket-client.ts';
import { durableDatabase } from '../helpers/public-services.ts';
import { storageKinds } from '../helpers/storages.ts';
import { createFacility, loginOfficer, startTestApp } from '../helpers/test-app.ts';

const post = (app: App, path: string, auth: Record<string, string>, body: unknown = {}) =>
  fetch(`${app.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...auth }, body: JSON.stringify(body) });

/** Resolves with how long after `since` the socket was disconnected by the server. */
function disconnectedAfter(client: TestCallClient, since: () => number): Promise<number> {
  return new Promise((resolve) => client.socket.once('disconnect', () => resolve(Date.now() - since())));
}

describe.each(storageKinds)('officer sign-out revokes the session on the server, on %s', (kind) => {
  let db: Awaited<ReturnType<typeof durableDatabase>>;
  let app: App;
  beforeAll(async () => {
    db = await durableDatabase(kind);
    app = await startTestApp(db.env);
  });
  afterAll(async () => {
    await app?.close();
    await db?.drop();
  });

  it('logout makes the token 401 at once and closes its live sockets within 2 s', async () => {
    const facility = await createFacility(app);
    const session = await loginOfficer(app, [facility.id]);
    const socket = await TestCallClient.open(app, { token: session.token, role: 'officer' });
    await socket.ok('hello', {});
    let loggedOutAt = 0;
    const gone = disconnectedAfter(socket, () => loggedOutAt);

    loggedOutAt = Date.now();
    const res = await post(app, '/api/auth/logout', session.auth);
    expect(res.status).toBe(204);
    expect(await gone).toBeLessThan(2000);
    expect(socket.notifications.find((n) => n.method === 'sessionRevoked')?.data).toEqual({ code: 'session_revoked' });

    for (const path of ['/api/auth/me', '/api/visits']) {
      const r = await fetch(`${app.url}${path}`, { headers: session.auth });
      expect(r.status, path).toBe(401);
      expect(await r.json()).toMatchObject({ error: { code: 'token_revoked' } });
    }
    // no way around it: no refresh, no new socket, no second logout
    expect((await post(app, '/api/auth/refresh', session.auth)).status).toBe(401);
    expect(await TestCallClient.refusal(app, { token: session.token, role: 'officer' })).toBe('session_revoked');
    expect((await post(app, '/api/auth/logout', session.auth)).status).toBe(401);

    const audit = await app.storage.db.selectFrom('audit_log').selectAll().where('action', '=', 'officer.logout').where('actor_id', '=', session.officer.id).execute();
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({ facility_id: facility.id, actor_kind: 'officer' });
  });

  it('ends every token of the session (refreshed, switched to another facility) and no other session', async () => {
    const a = await createFacility(app);
    const b = await createFacility(app);
    const first = await loginOfficer(app, [a.id, b.id], 'supervisor');
    const refreshed = (await (await post(app, '/api/auth/refresh', first.auth)).json()) as { token: string };
    const switched = (await (await post(app, '/api/auth/switch-facility', first.auth, { facilityId: b.id })).json()) as { token: string };
    // the same officer signed in again elsewhere (another computer): a separate session
    const login = await fetch(`${app.url}/api/auth/login`, {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: first.username, password: first.password, facilityId: a.id }),
    });
    const other = ((await login.json()) as { token: string }).token;
    const otherSocket = await TestCallClient.open(app, { token: other, role: 'officer' });
    const switchedSocket = await TestCallClient.open(app, { token: switched.token, role: 'officer' });
    const switchedGone = new Promise((r) => switchedSocket.socket.once('disconnect', r));

    expect((await post(app, '/api/auth/logout', { authorization: `Bearer ${refreshed.token}` })).status).toBe(204);
    await switchedGone;
    for (const token of [first.token, refreshed.token, switched.token]) {
      expect((await fetch(`${app.url}/api/auth/me`, { headers: { authorization: `Bearer ${token}` } })).status).toBe(401);
    }
    expect((await fetch(`${app.url}/api/auth/me`, { headers: { authorization: `Bearer ${other}` } })).status).toBe(200);
    expect(otherSocket.socket.connected).toBe(true);
    expect(await otherSocket.ok('hello', {})).toMatchObject({ role: 'officer' });
    otherSocket.close();
  });

  it('refuses a logout without a valid officer token', async () => {
    expect((await post(app, '/api/auth/logout', {})).status).toBe(401);
    expect((await post(app, '/api/auth/logout', { authorization: 'Bearer not-a-token' })).status).toBe(401);
  });
});
