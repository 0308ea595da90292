import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../server/app.ts';
import { localToday } from '../../server/facilities/local-day.ts';
import { seedVisit } from '../helpers/seed-visit.ts';
import { loginOfficer, startTestApp } from '../helpers/test-app.ts';
import { liveCall } from '../supervision/peers.ts';
import { errorCodeOf, TestCallClient } from './socket-client.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('a banned visitor loses their call connection and cannot join', () => {
  let app: App;
  beforeAll(async () => {
    app = await startTestApp();
  });
  afterAll(async () => {
    await app?.close();
  });

  const ban = (auth: Record<string, string>, visitorId: string) =>
    fetch(`${app.url}/api/visitors/${visitorId}/ban`, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/json' },
      body: JSON.stringify({ reason: 'membawa barang terlarang', until: localToday('Asia/Jakarta') }),
    });
  const unban = (auth: Record<string, string>, visitorId: string) =>
    fetch(`${app.url}/api/visitors/${visitorId}/unban`, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/json' },
      body: JSON.stringify({ reason: 'sudah dievaluasi' }),
    });

  it('banning closes the open family socket within 2 s (visitor_banned), the booth stays; the link is refused until unbanned', async () => {
    const seeded = await seedVisit(app, { visitorNames: ['Siti', 'Rahmat'] });
    const supervisor = await loginOfficer(app, [seeded.facilityId], 'supervisor');
    const { booth, family } = await liveCall(app, seeded);
    const other = await TestCallClient.open(app, { token: seeded.joinTokens[1], role: 'family' });
    await other.ok('joinCall', {});
    const closedAt = new Promise<number>((resolve) => family.client.socket.once('disconnect', () => resolve(Date.now())));

    const bannedAt = Date.now();
    expect((await ban(supervisor.auth, seeded.visitors[0]!.id)).status).toBe(200);
    expect((await closedAt) - bannedAt).toBeLessThan(2000);
    expect(family.client.notifications.find((n) => n.method === 'sessionRevoked')?.data).toEqual({ code: 'visitor_banned' });
    expect(await booth.client.waitFor('peerLeft', (d) => d.peerId === family.peerId, 2000)).toMatchObject({ peerId: family.peerId });
    expect(booth.client.socket.connected).toBe(true);
    expect(other.socket.connected).toBe(true); // the other visitor of the same visit is not banned
    expect(await TestCallClient.refusal(app, { token: seeded.joinTokens[0], role: 'family' })).toBe('visitor_banned');

    expect((await unban(supervisor.auth, seeded.visitors[0]!.id)).status).toBe(200);
    const back = await TestCallClient.open(app, { token: seeded.joinTokens[0], role: 'family' });
    expect(await back.ok('joinCall', {})).toMatchObject({ peerId: family.peerId });
    back.close();
    other.close();
    booth.client.close();
  });

  it('banned behind its back (no bus message): the next request is refused and the socket closed', async () => {
    const seeded = await seedVisit(app);
    const family = await TestCallClient.open(app, { token: seeded.joinTokens[0], role: 'family' });
    await family.ok('joinCall', {});
    await app.storage.db
      .updateTable('visitors')
      .set({ ban_reason: 'langsung di basis data', ban_until: '2099-01-01', ban_ends_at: '2099-01-01T17:00:00.000Z', banned_by: 'test', banned_at: new Date().toISOString() })
      .where('id', '=', seeded.visitors[0]!.id)
      .execute();
    expect(errorCodeOf(await family.request('createTransport', { direction: 'send' }))).toBe('visitor_banned');
    const deadline = Date.now() + 2000;
    while (family.socket.connected && Date.now() < deadline) await sleep(20);
    expect(family.socket.connected).toBe(false);
  });
});
