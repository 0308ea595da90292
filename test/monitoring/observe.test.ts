import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../server/app.ts';
import { errorCodeOf, fakeAudioRtp, fakeVideoRtp, TestCallClient } from '../calls/socket-client.ts';
import { seedVisit, type SeededVisit } from '../helpers/seed-visit.ts';
import { loginOfficer, startTestApp } from '../helpers/test-app.ts';

const code = errorCodeOf;

/** Booth and one family member in the call, each producing audio + video (no RTP flows: signalling only). */
async function liveCall(app: App, seeded: SeededVisit) {
  const booth = await TestCallClient.open(app, { token: seeded.boothToken, role: 'booth' });
  await booth.ok('joinCall', { visitId: seeded.visitId });
  const family = await TestCallClient.open(app, { token: seeded.joinTokens[0], role: 'family' });
  const familyJoin = await family.ok('joinCall', {});
  const producers: string[] = [];
  let ssrc = 1000 + Math.floor(Math.random() * 1e6);
  for (const party of [booth, family]) {
    const send = await party.ok('createTransport', { direction: 'send' });
    producers.push((await party.ok('produce', { transportId: send.transportId, kind: 'audio', rtpParameters: fakeAudioRtp(ssrc++), source: 'microphone' })).producerId);
    producers.push((await party.ok('produce', { transportId: send.transportId, kind: 'video', rtpParameters: fakeVideoRtp((ssrc += 2), { simulcast: true }), source: 'camera' })).producerId);
  }
  return { booth, family, familyJoin, producers };
}

async function observer(app: App, facilityIds: string[]) {
  const { token, officer } = await loginOfficer(app, facilityIds);
  return { client: await TestCallClient.open(app, { token, role: 'officer' }), officer, token };
}

describe('officers observe live calls as hidden peers', () => {
  let app: App;
  beforeAll(async () => {
    app = await startTestApp();
  });
  afterAll(async () => {
    await app?.close();
  });

  it('admits officers only with an officer token', async () => {
    const seeded = await seedVisit(app);
    expect(await TestCallClient.refusal(app, { role: 'officer' })).toBe('token_missing');
    expect(await TestCallClient.refusal(app, { token: seeded.joinTokens[0], role: 'officer' })).toBe('token_invalid');
    expect(await TestCallClient.refusal(app, { token: seeded.boothToken, role: 'officer' })).toBe('token_invalid');
    const { token, officer } = await loginOfficer(app, [seeded.facilityId]);
    // an officer token is not a family link
    expect(await TestCallClient.refusal(app, { token, role: 'family' })).toBe('token_invalid');
    const c = await TestCallClient.open(app, { token, role: 'officer' });
    expect(await c.ok('hello', {})).toMatchObject({ role: 'officer', visit: null, peerId: expect.stringMatching(/^officer-/) });
    c.close();
    await app.storage.db.updateTable('officers').set({ disabled: 1 }).where('id', '=', officer.id).execute();
    expect(await TestCallClient.refusal(app, { token, role: 'officer' })).toBe('token_invalid');
  });

  it('refuses another facility, privileged visits and visits without a live call', async () => {
    const seeded = await seedVisit(app);
    const call = await liveCall(app, seeded);
    const other = await seedVisit(app);
    const stranger = await observer(app, [other.facilityId]);
    expect(code(await stranger.client.request('observeCall', { visitId: seeded.visitId }))).toBe('visit_not_found');
    const privileged = await seedVisit(app, { booth: { id: seeded.boothId, facilityId: seeded.facilityId, deviceId: seeded.deviceId }, start: new Date(Date.now() + 7200_000) });
    await app.storage.db.updateTable('visits').set({ privileged: 1 }).where('id', '=', privileged.visitId).execute();
    const local = await observer(app, [seeded.facilityId]);
    const refused = await local.client.request('observeCall', { visitId: privileged.visitId });
    expect(refused).toMatchObject({ ok: false, error: { code: 'privileged', message: expect.stringContaining('privileged') } });
    const idle = await seedVisit(app, { booth: { id: seeded.boothId, facilityId: seeded.facilityId, deviceId: seeded.deviceId }, start: new Date(Date.now() + 3 * 3600_000) });
    expect(code(await local.client.request('observeCall', { visitId: idle.visitId }))).toBe('not_live');
    expect(code(await local.client.request('observeCall', { visitId: 'no-such-visit' }))).toBe('visit_not_found');
    const audits = await app.storage.db.selectFrom('audit_log').selectAll().where('action', '=', 'call.observe').where('subject_id', 'in', [seeded.visitId, privileged.visitId, idle.visitId]).execute();
    expect(audits).toEqual([]);
    for (const c of [stranger.client, local.client, call.booth, call.family]) c.close();
  });

  it('watches silently: no announcement, video on the low layer, audio only when focused, audited', async () => {
    const seeded = await seedVisit(app);
    const { booth, family, producers } = await liveCall(app, seeded);
    await booth.waitFor('peerJoined');
    const { client: officerClient, officer } = await observer(app, [seeded.facilityId]);
    const obs = await officerClient.ok('observeCall', { visitId: seeded.visitId });
    expect(obs.parties.map((p) => p.role).sort()).toEqual(['booth', 'family']);
    expect(obs.transport.transportId).toBeTruthy();
    await officerClient.ok('observeReady', { visitId: seeded.visitId, rtpCapabilities: obs.routerRtpCapabilities as any });
    // both parties' video, tagged with the visit; no audio while on the grid
    await officerClient.waitFor('newConsumer', () => officerClient.notifications.filter((n) => n.method === 'newConsumer').length >= 2);
    await new Promise((r) => setTimeout(r, 300));
    let consumers = officerClient.notifications.filter((n) => n.method === 'newConsumer').map((n) => n.data);
    expect(consumers.map((c) => c.kind)).toEqual(['video', 'video']);
    expect(new Set(consumers.map((c) => c.visitId))).toEqual(new Set([seeded.visitId]));
    const call = app.calls.call(seeded.visitId)!;
    const hidden = (await call.room()).peers().find((p) => p.hidden)!;
    expect(hidden.role).toBe('officer');
    expect(hidden.producers()).toEqual([]);
    expect(hidden.consumers().map((c) => c.preferredLayers?.spatialLayer)).toEqual([0, 0]);
    expect(hidden.transportFor('send')).toBeUndefined();

    // focus: audio of both parties arrives, video moves to the top layer
    await officerClient.ok('focusCall', { visitId: seeded.visitId });
    await officerClient.waitFor('newConsumer', () => officerClient.notifications.filter((n) => n.method === 'newConsumer' && n.data.kind === 'audio').length >= 2);
    consumers = officerClient.notifications.filter((n) => n.method === 'newConsumer').map((n) => n.data);
    expect(new Set(consumers.map((c) => c.producerId))).toEqual(new Set(producers));
    // the top layer these producers have (two encodings: spatial 1)
    expect(hidden.consumers().filter((c) => c.kind === 'video').map((c) => c.preferredLayers?.spatialLayer)).toEqual([1, 1]);
    // back to the grid: audio consumers go, the page is told
    await officerClient.ok('focusCall', { visitId: null });
    const audioIds = consumers.filter((c) => c.kind === 'audio').map((c) => c.consumerId);
    await officerClient.waitFor('consumerClosed', () => audioIds.every((id) => officerClient.notifications.some((n) => n.method === 'consumerClosed' && n.data.consumerId === id)));
    expect(hidden.consumers().map((c) => c.kind)).toEqual(['video', 'video']);

    // officers never produce, never join as a party
    const send = { transportId: obs.transport.transportId, kind: 'audio' as const, rtpParameters: fakeAudioRtp(99), source: 'microphone' as const };
    expect(code(await officerClient.request('produce', send))).toBe('forbidden');
    expect(code(await officerClient.request('createTransport', { direction: 'send' }))).toBe('forbidden');
    expect(code(await officerClient.request('joinCall', { visitId: seeded.visitId }))).toBe('forbidden');
    expect(code(await officerClient.request('consumeReady', { rtpCapabilities: {} }))).toBe('forbidden');
    expect(code(await officerClient.request('hangUp', {}))).toBe('forbidden');

    // nobody in the call heard of the officer; a party joining later does not see it either
    for (const party of [booth, family]) {
      expect(party.notifications.filter((n) => n.method === 'peerJoined').map((n) => n.data.peer.role)).not.toContain('officer');
    }
    expect(booth.notifications.filter((n) => n.method === 'peerJoined')).toHaveLength(1);
    expect(family.notifications.filter((n) => n.method === 'peerJoined')).toHaveLength(0);
    family.close();
    await booth.waitFor('peerState', (d) => d.state === 'reconnecting');
    const again = await TestCallClient.open(app, { token: seeded.joinTokens[0], role: 'family' });
    const rejoin = await again.ok('joinCall', {});
    expect(rejoin.peers.map((p) => p.role)).toEqual(['booth']);
    const live = await app.calls.liveState.getCall(seeded.visitId);
    expect(Object.values(live!.presence).map((p) => p.role).sort()).toEqual(['booth', 'family']);

    const audit = await app.storage.db.selectFrom('audit_log').selectAll().where('subject_id', '=', seeded.visitId).where('action', 'in', ['call.observe', 'call.listen']).orderBy('seq').execute();
    expect(audit.map((a) => [a.action, a.actor_kind, a.actor_id, a.facility_id])).toEqual([
      ['call.observe', 'officer', officer.id, seeded.facilityId],
      ['call.listen', 'officer', officer.id, seeded.facilityId],
    ]);

    // leaving is silent too
    officerClient.close();
    await new Promise((r) => setTimeout(r, 300));
    expect((await call.room()).peers().some((p) => p.hidden)).toBe(false);
    for (const party of [booth, again]) expect(party.notifications.filter((n) => n.method === 'peerLeft' && String(n.data.peerId).startsWith('officer-'))).toEqual([]);
    booth.close();
    again.close();
  });

  it('one connection watches several calls; an ended call ends its observation', async () => {
    const a = await seedVisit(app);
    const b = await seedVisit(app, { booth: undefined });
    // both visits in one facility: move b's rows into a's facility
    await app.storage.db.updateTable('visits').set({ facility_id: a.facilityId }).where('id', '=', b.visitId).execute();
    const callA = await liveCall(app, a);
    const callB = await liveCall(app, b);
    const { client } = await observer(app, [a.facilityId]);
    const oa = await client.ok('observeCall', { visitId: a.visitId });
    const ob = await client.ok('observeCall', { visitId: b.visitId });
    expect(oa.transport.transportId).not.toBe(ob.transport.transportId);
    await client.ok('observeReady', { visitId: a.visitId, rtpCapabilities: oa.routerRtpCapabilities as any });
    await client.ok('observeReady', { visitId: b.visitId, rtpCapabilities: ob.routerRtpCapabilities as any });
    await client.waitFor('newConsumer', () => client.notifications.filter((n) => n.method === 'newConsumer').length >= 4);
    const byVisit = (v: string) => client.notifications.filter((n) => n.method === 'newConsumer' && n.data.visitId === v).length;
    expect([byVisit(a.visitId), byVisit(b.visitId)]).toEqual([2, 2]);
    // focusing one call gives audio of that call only
    await client.ok('focusCall', { visitId: b.visitId });
    await client.waitFor('newConsumer', (d) => d.kind === 'audio');
    await new Promise((r) => setTimeout(r, 200));
    expect(new Set(client.notifications.filter((n) => n.method === 'newConsumer' && n.data.kind === 'audio').map((n) => n.data.visitId))).toEqual(new Set([b.visitId]));
    expect(code(await client.request('focusCall', { visitId: 'not-observed' }))).toBe('not_found');

    await app.calls.endCall(a.visitId, 'ended_by_officer');
    expect(await client.waitFor('observationEnded')).toEqual({ visitId: a.visitId, reason: 'ended_by_officer' });
    expect(code(await client.request('observeReady', { visitId: a.visitId, rtpCapabilities: {} }))).toBe('not_found');
    expect(code(await client.request('observeCall', { visitId: a.visitId }))).toBe('not_live');
    // b still watched
    await client.ok('unobserveCall', { visitId: b.visitId });
    expect((await app.calls.call(b.visitId)!.room()).peers().some((p) => p.hidden)).toBe(false);
    for (const c of [client, callA.booth, callA.family, callB.booth, callB.family]) c.close();
  });

  it('family and booth connections cannot use the officer methods', async () => {
    const seeded = await seedVisit(app);
    const { booth, family } = await liveCall(app, seeded);
    for (const party of [booth, family]) {
      expect(code(await party.request('observeCall', { visitId: seeded.visitId }))).toBe('forbidden');
      expect(code(await party.request('observeReady', { visitId: seeded.visitId, rtpCapabilities: {} }))).toBe('forbidden');
      expect(code(await party.request('focusCall', { visitId: seeded.visitId }))).toBe('forbidden');
      expect(code(await party.request('unobserveCall', { visitId: seeded.visitId }))).toBe('forbidden');
    }
    booth.close();
    family.close();
  });

  it('an officer disabled or removed from the facility after connecting can start no new observation', async () => {
    const seeded = await seedVisit(app);
    const { booth, family } = await liveCall(app, seeded);
    const { client, officer, token } = await observer(app, [seeded.facilityId]);
    await app.storage.db.updateTable('officers').set({ disabled: 1 }).where('id', '=', officer.id).execute();
    expect(code(await client.request('observeCall', { visitId: seeded.visitId }))).toBe('forbidden');
    // the refusal also closes the connection (test/monitoring/revocation.test.ts): re-enabled, a new one for the next case
    await app.storage.db.updateTable('officers').set({ disabled: 0 }).where('id', '=', officer.id).execute();
    const again = await TestCallClient.open(app, { token, role: 'officer' });
    await app.storage.db.deleteFrom('officer_facilities').where('officer_id', '=', officer.id).execute();
    expect(code(await again.request('observeCall', { visitId: seeded.visitId }))).toBe('forbidden');
    const audits = await app.storage.db.selectFrom('audit_log').select('action').where('actor_id', '=', officer.id).where('action', '=', 'call.observe').execute();
    expect(audits).toEqual([]);
    client.close();
    again.close();
    booth.close();
    family.close();
  });
});
