import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../server/app.ts';
import { durableDatabase } from '../helpers/public-services.ts';
import { storageKinds } from '../helpers/storages.ts';
import { createFacility, loginOfficer, startTestApp } from '../helpers/test-app.ts';

// The test talks to the server over loopback; express trusts X-Forwarded-For from a loopback
// proxy, so this header makes the request come from an outside client, as behind nginx.
const OUTSIDE = { 'x-forwarded-for': '203.0.113.9' };

async function healthz(app: App, headers: Record<string, string> = {}) {
  const res = await fetch(`${app.url}/healthz`, { headers });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

describe.each(storageKinds)('/healthz on %s', (kind) => {
  let db: Awaited<ReturnType<typeof durableDatabase>>;
  let app: App;
  let officer: Awaited<ReturnType<typeof loginOfficer>>;

  beforeAll(async () => {
    db = await durableDatabase(kind);
    app = await startTestApp(db.env);
    officer = await loginOfficer(app, [(await createFacility(app)).id]);
  });
  afterAll(async () => {
    await app?.close();
    await db?.drop();
  });

  it('tells an outside client the status only', async () => {
    expect(await healthz(app, OUTSIDE)).toEqual({ status: 200, body: { status: 'ok' } });
    // IPv6 outside clients and a forged chain whose nearest hop is outside get the same.
    expect((await healthz(app, { 'x-forwarded-for': '2001:db8::7' })).body).toEqual({ status: 'ok' });
    expect((await healthz(app, { 'x-forwarded-for': '127.0.0.1, 203.0.113.9' })).body).toEqual({ status: 'ok' });
  });

  it('gives a client on this machine the workers and the database', async () => {
    for (const headers of [{}, { 'x-forwarded-for': '127.0.0.1' }, { 'x-forwarded-for': '::1' }] as Array<Record<string, string>>) {
      const { status, body } = await healthz(app, headers);
      expect(status).toBe(200);
      expect(body).toMatchObject({ status: 'ok', database: { kind, ok: true } });
      expect(body.workers).toEqual([expect.objectContaining({ pid: expect.any(Number), alive: true })]);
    }
  });

  it('gives a signed-in officer the details from outside; a bad token, a signed-out one or a disabled account gets the status only', async () => {
    const { body } = await healthz(app, { ...OUTSIDE, ...officer.auth });
    expect(body).toMatchObject({ status: 'ok', database: { kind, ok: true }, workers: [expect.objectContaining({ alive: true })] });
    expect((await healthz(app, { ...OUTSIDE, authorization: 'Bearer not-a-token' })).body).toEqual({ status: 'ok' });

    const signedOut = await loginOfficer(app, [(await createFacility(app)).id]);
    expect((await healthz(app, { ...OUTSIDE, ...signedOut.auth })).body).toHaveProperty('workers');
    expect((await fetch(`${app.url}/api/auth/logout`, { method: 'POST', headers: signedOut.auth })).status).toBe(204);
    expect((await healthz(app, { ...OUTSIDE, ...signedOut.auth })).body).toEqual({ status: 'ok' });

    await app.storage.db.updateTable('officers').set({ disabled: 1 }).where('id', '=', officer.officer.id).execute();
    expect((await healthz(app, { ...OUTSIDE, ...officer.auth })).body).toEqual({ status: 'ok' });
  });
});

describe('/healthz with the database down', () => {
  let app: App;
  beforeAll(async () => {
    app = await startTestApp();
    await app.storage.db.destroy();
  });
  afterAll(async () => {
    await app?.close().catch(() => {});
  });

  it('answers 503 degraded; the error text only on this machine', async () => {
    expect(await healthz(app, OUTSIDE)).toEqual({ status: 503, body: { status: 'degraded' } });
    const local = await healthz(app);
    expect(local.status).toBe(503);
    expect(local.body).toMatchObject({ status: 'degraded', database: { kind: 'sqlite', ok: false, error: expect.any(String) } });
  });
});
