import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../server/app.ts';
import { errorCodeOf, TestCallClient } from '../calls/socket-client.ts';
import { seedVisit, type SeededVisit } from '../helpers/seed-visit.ts';
import { createFacility, loginOfficer, startTestApp } from '../helpers/test-app.ts';
import { liveCall } from '../supervision/peers.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Resolves with the time the server closed the socket (Infinity if it is still open after `giveUpMs`). */
const disconnectAt = (client: TestCallClient, giveUpMs = 10_000) =>
  new Promise<number>((resolve) => {
    const giveUp = setTimeout(() => resolve(Number.POSITIVE_INFINITY), giveUpMs);
    client.socket.once('disconnect', () => {
      clearTimeout(giveUp);
      resolve(Date.now());
    });
  });

async function waitUntil(what: string, condition: () => boolean | Promise<boolean>, timeoutMs = 5000): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await condition()) return Date.now();
    await sleep(20);
  }
  throw new Error(`not within ${timeoutMs} ms: ${what}`);
}

describe('an officer whose access ends loses the live view at once', () => {
  let app: App;
  beforeAll(async () => {
    app = await startTestApp();
  });
  afterAll(async () => {
    await app?.close();
  });

  const patchOfficer = (id: string, body: unknown, auth: Record<string, string>) =>
    fetch(`${app.url}/api/officers/${id}`, { method: 'PATCH', headers: { 'content-type': 'application/json', ...auth }, body: JSON.stringify(body) });

  /** A live call with an officer watching it focused (hearing its audio). */
  async function listening(seeded: SeededVisit, token: string) {
    const call = await liveCall(app, seeded);
    const client = await TestCallClient.open(app, { token, role: 'officer' });
    const obs = await client.ok('observeCall', { visitId: seeded.visitId });
    await client.ok('observeReady', { visitId: seeded.visitId, rtpCapabilities: obs.routerRtpCapabilities as never });
    await client.ok('focusCall', { visitId: seeded.visitId });
    await client.waitFor('newConsumer', () => client.notifications.filter((n) => n.method === 'newConsumer' && n.data.kind === 'audio').length >= 2);
    const room = await app.calls.call(seeded.visitId)!.room();
    const hidden = room.peers().find((p) => p.hidden)!;
    const audio = hidden.consumers().filter((c) => c.kind === 'audio');
    expect(audio).toHaveLength(2);
    return { call, client, room, hidden, audio };
  }

  it('disabled by an admin: the focused audio stops and the socket is closed within 2 s', async () => {
    const seeded = await seedVisit(app);
    const admin = await loginOfficer(app, [seeded.facilityId], 'admin');
    const watcher = await loginOfficer(app, [seeded.facilityId]);
    const { call, client, room, audio } = await listening(seeded, watcher.token);
    const closedAt = disconnectAt(client);

    const disabledAt = Date.now();
    expect((await patchOfficer(watcher.officer.id, { disabled: true, reason: 'akun disalahgunakan' }, admin.auth)).status).toBe(200);
    expect((await closedAt) - disabledAt).toBeLessThan(2000);
    const mediaGoneAt = await waitUntil('audio consumers closed and hidden peer gone', () => audio.every((c) => c.closed) && !room.peers().some((p) => p.hidden), 2000);
    expect(mediaGoneAt - disabledAt).toBeLessThan(2000);
    expect(client.notifications.find((n) => n.method === 'sessionRevoked')?.data).toEqual({ code: 'session_revoked' });
    // only the officer was cut off: the parties stay connected
    expect([call.booth.client.socket.connected, call.family.client.socket.connected]).toEqual([true, true]);
    call.booth.client.close();
    call.family.client.close();
  });

  it('a role change closes the socket too (the page signs in again with the new role)', async () => {
    const seeded = await seedVisit(app);
    const admin = await loginOfficer(app, [seeded.facilityId], 'admin');
    const watcher = await loginOfficer(app, [seeded.facilityId], 'supervisor');
    const client = await TestCallClient.open(app, { token: watcher.token, role: 'officer' });
    await client.ok('hello', {});
    const closedAt = disconnectAt(client);
    const changedAt = Date.now();
    expect((await patchOfficer(watcher.officer.id, { role: 'officer', reason: 'tugas berubah' }, admin.auth)).status).toBe(200);
    expect((await closedAt) - changedAt).toBeLessThan(2000);
    // a password reset ends the account's sign-ins (it must choose its own password at the next one): its socket goes too
    const other = await loginOfficer(app, [seeded.facilityId]);
    const reset = await TestCallClient.open(app, { token: other.token, role: 'officer' });
    await reset.ok('hello', {});
    const resetClosedAt = disconnectAt(reset);
    const resetAt = Date.now();
    expect((await patchOfficer(other.officer.id, { password: 'kata-sandi-baru-456', reason: 'lupa sandi' }, admin.auth)).status).toBe(200);
    expect((await resetClosedAt) - resetAt).toBeLessThan(2000);
    expect(reset.notifications.find((n) => n.method === 'sessionRevoked')?.data).toEqual({ code: 'session_revoked' });
  });

  const assignmentUrl = (officerId: string, facilityId: string) => `${app.url}/api/officers/${officerId}/facilities/${facilityId}`;

  /** The officer's observation (hidden peer, focused audio) and socket are gone within 2 s of `since`; the parties stay. */
  async function cutOffWithin2s(since: number, watched: Awaited<ReturnType<typeof listening>>, closedAt: Promise<number>) {
    expect((await closedAt) - since).toBeLessThan(2000);
    const mediaGoneAt = await waitUntil('audio consumers closed and hidden peer gone', () => watched.audio.every((c) => c.closed) && !watched.room.peers().some((p) => p.hidden), 2000);
    expect(mediaGoneAt - since).toBeLessThan(2000);
    expect(watched.client.notifications.find((n) => n.method === 'sessionRevoked')?.data).toEqual({ code: 'session_revoked' });
    const { booth, family } = watched.call;
    expect([booth.client.socket.connected, family.client.socket.connected]).toEqual([true, true]);
    booth.client.close();
    family.client.close();
  }

  it('a role change through PUT /api/officers/:id/facilities/:fid closes the observation and the socket within 2 s', async () => {
    const seeded = await seedVisit(app);
    const admin = await loginOfficer(app, [seeded.facilityId], 'admin');
    const watcher = await loginOfficer(app, [seeded.facilityId], 'supervisor');
    const watched = await listening(seeded, watcher.token);
    const closedAt = disconnectAt(watched.client);
    const changedAt = Date.now();
    const res = await fetch(assignmentUrl(watcher.officer.id, seeded.facilityId), { method: 'PUT', headers: { 'content-type': 'application/json', ...admin.auth }, body: JSON.stringify({ role: 'officer' }) });
    expect(res.status).toBe(200);
    await cutOffWithin2s(changedAt, watched, closedAt);
  });

  it('removed from the facility through DELETE /api/officers/:id/facilities/:fid: the observation and the socket close within 2 s', async () => {
    const seeded = await seedVisit(app);
    const elsewhere = await createFacility(app);
    const admin = await loginOfficer(app, [seeded.facilityId, elsewhere.id], 'admin');
    // two facilities (an account keeps at least one), signed in to the one of the watched call
    const watcher = await loginOfficer(app, [elsewhere.id, seeded.facilityId], 'officer', seeded.facilityId);
    const watched = await listening(seeded, watcher.token);
    const closedAt = disconnectAt(watched.client);
    const removedAt = Date.now();
    expect((await fetch(assignmentUrl(watcher.officer.id, seeded.facilityId), { method: 'DELETE', headers: admin.auth })).status).toBe(204);
    await cutOffWithin2s(removedAt, watched, closedAt);
  });

  it('removed from the facility: the account change closes the socket; a request before that is refused', async () => {
    const seeded = await seedVisit(app);
    const watcher = await loginOfficer(app, [seeded.facilityId]);
    const { call, client, audio } = await listening(seeded, watcher.token);
    // the assignment goes (as an assignment route does), without any socket-side notice yet:
    await app.storage.db.deleteFrom('officer_facilities').where('officer_id', '=', watcher.officer.id).execute();
    const closedAt = disconnectAt(client);
    // every request is checked, not only observeCall/focusCall
    expect(errorCodeOf(await client.request('observeReady', { visitId: seeded.visitId, rtpCapabilities: {} }))).toBe('forbidden');
    await closedAt;
    await waitUntil('audio consumers closed', () => audio.every((c) => c.closed), 2000);
    call.booth.client.close();
    call.family.client.close();

    // and published on the revocation bus (what the account routes do), a second connection goes within 2 s
    const again = await loginOfficer(app, [seeded.facilityId]);
    const second = await TestCallClient.open(app, { token: again.token, role: 'officer' });
    await app.storage.db.deleteFrom('officer_facilities').where('officer_id', '=', again.officer.id).execute();
    const secondClosed = disconnectAt(second);
    const removedAt = Date.now();
    app.ctx.revocations.publish({ kind: 'officer', officerId: again.officer.id });
    expect((await secondClosed) - removedAt).toBeLessThan(2000);
  });

  it('observeReady and every other request after the account was disabled is refused', async () => {
    const seeded = await seedVisit(app);
    const call = await liveCall(app, seeded);
    const watcher = await loginOfficer(app, [seeded.facilityId]);
    const client = await TestCallClient.open(app, { token: watcher.token, role: 'officer' });
    const obs = await client.ok('observeCall', { visitId: seeded.visitId });
    // disabled straight in the database: no notice reaches the socket layer, the per-request check must catch it
    await app.storage.db.updateTable('officers').set({ disabled: 1 }).where('id', '=', watcher.officer.id).execute();
    const reply = await client.request('observeReady', { visitId: seeded.visitId, rtpCapabilities: obs.routerRtpCapabilities as never });
    expect(errorCodeOf(reply)).toBe('forbidden');
    await waitUntil('socket closed', () => !client.socket.connected, 2000);
    const room = await app.calls.call(seeded.visitId)!.room();
    expect(room.peers().some((p) => p.hidden)).toBe(false);
    call.booth.client.close();
    call.family.client.close();
  });

  it('a socket whose token expires is closed within 2 s of the expiry', async () => {
    const seeded = await seedVisit(app);
    const watcher = await loginOfficer(app, [seeded.facilityId]);
    const { token, expiresAt } = app.ctx.tokens.signOfficer({ sub: watcher.officer.id, role: 'officer', fac: seeded.facilityId }, { lifetimeSeconds: 2 });
    const client = await TestCallClient.open(app, { token, role: 'officer' });
    await client.ok('hello', {});
    const closedAt = await disconnectAt(client);
    expect(closedAt).toBeGreaterThanOrEqual(expiresAt.getTime());
    expect(closedAt - expiresAt.getTime()).toBeLessThan(2000);
    expect(client.notifications.find((n) => n.method === 'sessionRevoked')?.data).toEqual({ code: 'token_expired' });
    expect(await TestCallClient.refusal(app, { token, role: 'officer' })).toBe('token_expired');
  });
});
