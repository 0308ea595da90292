import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../server/app.ts';
import { seedVisit } from '../helpers/seed-visit.ts';
import { loginOfficer, startTestApp } from '../helpers/test-app.ts';
import { liveCall } from '../supervision/peers.ts';
import { errorCodeOf, fakeAudioRtp, TestCallClient } from './socket-client.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('a revoked booth device loses its live call connection', () => {
  let app: App;
  beforeAll(async () => {
    app = await startTestApp();
  });
  afterAll(async () => {
    await app?.close();
  });

  it('revoked by a supervisor: the socket is closed within 2 s and the booth leaves the call at once', async () => {
    const seeded = await seedVisit(app);
    const supervisor = await loginOfficer(app, [seeded.facilityId], 'supervisor');
    const { booth, family } = await liveCall(app, seeded);
    const room = await app.calls.call(seeded.visitId)!.room();
    const boothPeer = room.peer(booth.peerId)!;
    expect(boothPeer.producers()).toHaveLength(2);
    const closedAt = new Promise<number>((resolve) => booth.client.socket.once('disconnect', () => resolve(Date.now())));

    const revokedAt = Date.now();
    const res = await fetch(`${app.url}/api/booth-devices/${seeded.deviceId}/revoke`, { method: 'POST', headers: supervisor.auth });
    expect(res.status).toBe(200);
    expect((await closedAt) - revokedAt).toBeLessThan(2000);
    expect(booth.client.notifications.find((n) => n.method === 'sessionRevoked')?.data).toEqual({ code: 'device_revoked' });
    // no reconnect grace for a revoked device: its media is gone and the family is told it left
    expect(await family.client.waitFor('peerLeft', (d) => d.peerId === booth.peerId, 2000)).toMatchObject({ peerId: booth.peerId });
    expect(boothPeer.closed).toBe(true);
    expect(room.peer(booth.peerId)).toBeUndefined();
    expect(await TestCallClient.refusal(app, { token: seeded.boothToken, role: 'booth' })).toBe('device_revoked');
    family.client.close();
  });

  it('revoked behind its back: hello, createTransport and produce are refused and the socket closed', async () => {
    const seeded = await seedVisit(app);
    const booth = await TestCallClient.open(app, { token: seeded.boothToken, role: 'booth' });
    await booth.ok('joinCall', { visitId: seeded.visitId });
    const send = await booth.ok('createTransport', { direction: 'send' });
    // straight in the database: only the per-request check can notice
    await app.storage.db.updateTable('booth_devices').set({ revoked_at: new Date().toISOString() }).where('id', '=', seeded.deviceId).execute();
    const replies = await Promise.all([
      booth.request('hello', {}),
      booth.request('createTransport', { direction: 'recv' }),
      booth.request('produce', { transportId: send.transportId, kind: 'audio', rtpParameters: fakeAudioRtp(4242), source: 'microphone' }),
    ]);
    expect(replies.map(errorCodeOf)).toEqual(['device_revoked', 'device_revoked', 'device_revoked']);
    const deadline = Date.now() + 2000;
    while (booth.socket.connected && Date.now() < deadline) await sleep(20);
    expect(booth.socket.connected).toBe(false);
    const room = await app.calls.call(seeded.visitId)!.room();
    expect(room.peers().filter((p) => p.role === 'booth')).toEqual([]);
  });

  it('a booth socket whose token expires is closed within 2 s of the expiry and the booth leaves the call', async () => {
    const seeded = await seedVisit(app);
    // Short enough to expire during the test, long enough (2-3 s left) to connect and join first.
    const token = app.ctx.tokens.signBooth(seeded.deviceId, seeded.boothId, seeded.facilityId, { lifetimeSeconds: 3 });
    const expiresAt = app.ctx.tokens.verify('booth', token).exp! * 1000;
    const booth = await TestCallClient.open(app, { token, role: 'booth' });
    const closed = new Promise<number>((resolve) => booth.socket.once('disconnect', () => resolve(Date.now())));
    const joined = await booth.ok('joinCall', { visitId: seeded.visitId });
    const room = await app.calls.call(seeded.visitId)!.room();
    expect(room.peer(joined.peerId)).toBeDefined();

    const closedAt = await Promise.race([closed, sleep(expiresAt + 5000 - Date.now()).then(() => Number.POSITIVE_INFINITY)]);
    expect(closedAt).toBeGreaterThanOrEqual(expiresAt);
    expect(closedAt - expiresAt).toBeLessThan(2000);
    expect(booth.notifications.find((n) => n.method === 'sessionRevoked')?.data).toEqual({ code: 'token_expired' });
    const deadline = expiresAt + 2000;
    while (room.peer(joined.peerId) && Date.now() < deadline) await sleep(20);
    expect(room.peer(joined.peerId)).toBeUndefined();
    expect(await TestCallClient.refusal(app, { token, role: 'booth' })).toBe('token_expired');
  });

  it('a family connection of the same call is not affected', async () => {
    const seeded = await seedVisit(app);
    const supervisor = await loginOfficer(app, [seeded.facilityId], 'supervisor');
    const { booth, family } = await liveCall(app, seeded);
    expect((await fetch(`${app.url}/api/booth-devices/${seeded.deviceId}/revoke`, { method: 'POST', headers: supervisor.auth })).status).toBe(200);
    await family.client.waitFor('peerLeft', (d) => d.peerId === booth.peerId, 2000);
    expect(family.client.socket.connected).toBe(true);
    expect(await family.client.ok('hello', {})).toMatchObject({ role: 'family' });
    family.client.close();
  });
});
