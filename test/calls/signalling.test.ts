import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../server/app.ts';
import { seedVisit, type SeededVisit } from '../helpers/seed-visit.ts';
import { startTestApp } from '../helpers/test-app.ts';
import { errorCodeOf, fakeAudioRtp, fakeVideoRtp, TestCallClient } from './socket-client.ts';

/** Booth and family both in the call; the booth sends (fake) audio the family consumes. */
async function liveCall(app: App, seeded: SeededVisit) {
  const booth = await TestCallClient.open(app, { token: seeded.boothToken, role: 'booth' });
  const boothJoin = await booth.ok('joinCall', { visitId: seeded.visitId });
  const family = await TestCallClient.open(app, { token: seeded.joinTokens[0], role: 'family' });
  const familyJoin = await family.ok('joinCall', {});
  const send = await booth.ok('createTransport', { direction: 'send' });
  const producer = await booth.ok('produce', { transportId: send.transportId, kind: 'audio', rtpParameters: fakeAudioRtp(1234), source: 'microphone' });
  const recv = await family.ok('createTransport', { direction: 'recv' });
  await family.ok('consumeReady', { rtpCapabilities: familyJoin.routerRtpCapabilities as any });
  const consumer = await family.waitFor('newConsumer', (d) => d.producerId === producer.producerId);
  return { booth, family, boothJoin, familyJoin, send, recv, producer, consumer };
}

describe('call signalling (socket.io, real app, no browser media)', () => {
  let app: App;
  beforeAll(async () => {
    app = await startTestApp();
  });
  afterAll(async () => {
    await app?.close();
  });

  it('refuses bad tokens at connection time with a code', async () => {
    const seeded = await seedVisit(app);
    const other = await seedVisit(app);
    const token = seeded.joinTokens[0]!;
    expect(await TestCallClient.refusal(app, {})).toBe('token_missing');
    expect(await TestCallClient.refusal(app, { token: token.slice(0, -3) + (token.endsWith('AAA') ? 'BBB' : 'AAA') })).toBe('token_invalid');
    // a visitor of one visit with a token naming another visit
    const crossed = app.ctx.tokens.signJoin(seeded.visitors[0]!.id, { id: other.visitId, scheduledStart: other.start, durationSeconds: 3600 });
    expect(await TestCallClient.refusal(app, { token: crossed })).toBe('not_a_visitor');
    const past = await seedVisit(app, { start: new Date(Date.now() - 2 * 3600_000), durationSeconds: 1800 });
    expect(await TestCallClient.refusal(app, { token: past.joinTokens[0] })).toBe('token_expired');
    const future = await seedVisit(app, { start: new Date(Date.now() + 3600_000) });
    expect(await TestCallClient.refusal(app, { token: future.joinTokens[0] })).toBe('token_not_yet_valid');
    const cancelled = await seedVisit(app, { status: 'cancelled' });
    expect(await TestCallClient.refusal(app, { token: cancelled.joinTokens[0] })).toBe('visit_over');
    // a booth token is not a join link, and the reverse
    expect(await TestCallClient.refusal(app, { token: seeded.boothToken, role: 'family' })).toBe('token_invalid');
    expect(await TestCallClient.refusal(app, { token, role: 'booth' })).toBe('token_invalid');
    await app.storage.db.updateTable('booth_devices').set({ revoked_at: new Date().toISOString() }).where('id', '=', other.deviceId).execute();
    expect(await TestCallClient.refusal(app, { token: other.boothToken, role: 'booth' })).toBe('device_revoked');
    expect(await TestCallClient.refusal(app, { token, role: 'family' })).toBe('accepted');
  });

  it('hello tells each party who it is and which visit', async () => {
    const seeded = await seedVisit(app, { visitorNames: ['Siti Aminah', 'Rudi'] });
    const family = await TestCallClient.open(app, { token: seeded.joinTokens[1] });
    const hello = await family.ok('hello', {});
    expect(hello).toMatchObject({ role: 'family', displayName: 'Rudi', visit: { visitId: seeded.visitId, inmateName: seeded.inmate.name, monitored: true } });
    const booth = await TestCallClient.open(app, { token: seeded.boothToken, role: 'booth' });
    const boothHello = await booth.ok('hello', {});
    expect(boothHello).toMatchObject({ role: 'booth', visit: { visitId: seeded.visitId, status: 'scheduled' } });
    family.close();
    booth.close();
  });

  it('hello gives the family the open call\'s router capabilities, the same joinCall gives; none before the call opens', async () => {
    const seeded = await seedVisit(app);
    const early = await TestCallClient.open(app, { token: seeded.joinTokens[0] });
    expect((await early.ok('hello', {})).routerRtpCapabilities).toBeUndefined();
    early.close();
    const booth = await TestCallClient.open(app, { token: seeded.boothToken, role: 'booth' });
    await booth.ok('joinCall', { visitId: seeded.visitId });
    const family = await TestCallClient.open(app, { token: seeded.joinTokens[0] });
    const hello = await family.ok('hello', {});
    expect(hello.routerRtpCapabilities).toMatchObject({ codecs: expect.any(Array) });
    expect(hello.routerRtpCapabilities).toEqual((await family.ok('joinCall', {})).routerRtpCapabilities);
    booth.close();
    family.close();
  });

  it('joins both parties, routes media through the router, and marks the visit live', async () => {
    const seeded = await seedVisit(app);
    const { booth, family, boothJoin, familyJoin, consumer } = await liveCall(app, seeded);
    expect(boothJoin.peers).toEqual([]);
    expect(familyJoin.peers).toEqual([expect.objectContaining({ role: 'booth', displayName: seeded.inmate.name, state: 'connected' })]);
    expect(await booth.waitFor('peerJoined')).toMatchObject({ peer: { role: 'family', displayName: 'Siti Aminah' } });
    expect(consumer).toMatchObject({ kind: 'audio', source: 'microphone', peerId: boothJoin.peerId });
    const codecs = (familyJoin.routerRtpCapabilities as { codecs: Array<{ mimeType: string; parameters?: Record<string, unknown> }> }).codecs;
    expect(codecs.map((c) => c.mimeType)).toEqual(expect.arrayContaining(['audio/opus', 'video/VP8', 'video/H264']));
    expect(codecs.find((c) => c.mimeType === 'video/H264')?.parameters).toMatchObject({ 'packetization-mode': 1, 'profile-level-id': '42e01f' });
    const row = await app.storage.db.selectFrom('visits').selectAll().where('id', '=', seeded.visitId).executeTakeFirstOrThrow();
    expect(row.status).toBe('live');
    expect(row.started_at).not.toBeNull();
    const live = await app.calls.liveState.getCall(seeded.visitId);
    expect(live).toMatchObject({ node: app.calls.nodeId, startedAt: row.started_at });
    expect(Object.values(live!.presence).map((p) => p.role).sort()).toEqual(['booth', 'family']);
    expect(JSON.parse(JSON.stringify(live))).toEqual(live);
    // transports: UDP + TCP candidates on the announced address
    const recv = await family.ok('createTransport', { direction: 'recv' });
    expect((recv.iceCandidates as Array<{ protocol: string; address: string }>).map((c) => `${c.protocol}:${c.address}`).sort()).toEqual([
      'tcp:127.0.0.1',
      'udp:127.0.0.1',
    ]);
    booth.close();
    family.close();
  });

  it('answers malformed, unknown and oversized requests with error acks and keeps the call running', async () => {
    const seeded = await seedVisit(app);
    const { booth, family, familyJoin } = await liveCall(app, seeded);
    const code = errorCodeOf;
    expect(code(await family.raw('just a string'))).toBe('invalid_request');
    expect(code(await family.raw(42))).toBe('invalid_request');
    expect(code(await family.raw(null))).toBe('invalid_request');
    expect(code(await family.raw({ method: 'hello', data: {}, extra: 1 }))).toBe('invalid_request');
    expect(code(await family.raw({ method: 'hello' }, 'second arg'))).toBe('invalid_request');
    expect(code(await family.raw({ method: 'nope', data: {} }))).toBe('unknown_method');
    expect(code(await family.raw({ method: '__proto__', data: {} }))).toBe('unknown_method');
    expect(code(await family.raw({ method: 'createTransport', data: { direction: 'sideways' } }))).toBe('invalid_request');
    expect(code(await family.raw({ method: 'createTransport', data: { direction: 'recv', x: 1 } }))).toBe('invalid_request');
    expect(code(await family.raw({ method: 'connectTransport', data: { transportId: 7, dtlsParameters: {} } }))).toBe('invalid_request');
    expect(code(await family.raw({ method: 'connectTransport', data: { transportId: 'no-such', dtlsParameters: { fingerprints: [{ algorithm: 'sha-256', value: 'AA' }] } } }))).toBe('not_found');
    expect(code(await family.raw({ method: 'restartIce', data: { transportId: 'no-such' } }))).toBe('not_found');
    expect(code(await family.raw({ method: 'setProducerPaused', data: { producerId: 'no-such', paused: true } }))).toBe('not_found');
    expect(code(await family.raw({ method: 'setConsumerLayers', data: { consumerId: 'no-such', spatialLayer: 0 } }))).toBe('not_found');
    expect(code(await family.raw({ method: 'setConsumerLayers', data: { consumerId: 'x', spatialLayer: 9 } }))).toBe('invalid_request');
    const send = await family.ok('createTransport', { direction: 'send' });
    // shape-valid but nonsense RTP parameters: mediasoup refuses, the socket gets media_error
    expect(
      code(await family.raw({ method: 'produce', data: { transportId: send.transportId, kind: 'video', rtpParameters: { codecs: [{ mimeType: 'video/NOPE', payloadType: 96, clockRate: 1 }] }, source: 'camera' } })),
    ).toBe('media_error');
    expect(code(await family.raw({ method: 'joinCall', data: { visitId: 'another-visit' } }))).toBe('not_a_visitor');
    expect(code(await family.raw({ method: 'consumeReady', data: { rtpCapabilities: { codecs: 'x' } } }))).toBe('invalid_request');
    // oversized but under socket.io's 64 KiB limit: an error ack
    expect(code(await family.raw({ method: 'hello', data: { pad: 'x'.repeat(40_000) } }))).toBe('payload_too_large');
    // an event outside the protocol with an ack
    expect(code(await family.socket.timeout(2000).emitWithAck('something-else', {}))).toBe('unknown_method');
    // a booth may not join a visit in another booth
    const elsewhere = await seedVisit(app);
    expect(code(await booth.raw({ method: 'joinCall', data: { visitId: elsewhere.visitId } }))).toBe('wrong_booth');
    expect(code(await booth.raw({ method: 'joinCall', data: {} }))).toBe('no_visit');
    // over socket.io's limit: that connection is dropped, the server and the other party go on
    const boothGone = new Promise((r) => booth.socket.once('disconnect', r));
    const intruder = await TestCallClient.open(app, { token: seeded.boothToken, role: 'booth' });
    await boothGone; // (the intruder took over the booth's token)
    const dropped = new Promise((r) => intruder.socket.once('disconnect', r));
    intruder.socket.emit('request', { method: 'hello', data: { pad: 'y'.repeat(100_000) } }, () => {});
    await dropped;
    // the call is still running for the family: a fresh booth connection rejoins and the family hears it
    const booth2 = await TestCallClient.open(app, { token: seeded.boothToken, role: 'booth' });
    await booth2.ok('joinCall', { visitId: seeded.visitId });
    const send2 = await booth2.ok('createTransport', { direction: 'send' });
    const p2 = await booth2.ok('produce', { transportId: send2.transportId, kind: 'audio', rtpParameters: fakeAudioRtp(5678), source: 'microphone' });
    await family.waitFor('newConsumer', (d) => d.producerId === p2.producerId);
    expect((await family.ok('hello', {})).visit?.status).toBe('live');
    expect(familyJoin.visitId).toBe(seeded.visitId);
    family.close();
    booth2.close();
  });

  it('ties kind to source: a camera sends video, a microphone audio', async () => {
    const seeded = await seedVisit(app);
    const booth = await TestCallClient.open(app, { token: seeded.boothToken, role: 'booth' });
    await booth.ok('joinCall', { visitId: seeded.visitId });
    const send = await booth.ok('createTransport', { direction: 'send' });
    const produce = (kind: 'audio' | 'video', source: 'camera' | 'microphone', ssrc: number) =>
      booth.request('produce', { transportId: send.transportId, kind, rtpParameters: kind === 'audio' ? fakeAudioRtp(ssrc) : fakeVideoRtp(ssrc), source });
    expect(errorCodeOf(await produce('audio', 'camera', 3001))).toBe('invalid_request');
    expect(errorCodeOf(await produce('video', 'microphone', 3002))).toBe('invalid_request');
    const peer = (await app.calls.call(seeded.visitId)!.room()).peer(`booth-${seeded.boothId}`)!;
    expect(peer.producers()).toEqual([]);
    expect(errorCodeOf(await produce('audio', 'microphone', 3003))).toBe('ok');
    expect(errorCodeOf(await produce('video', 'camera', 3004))).toBe('ok');
    expect(peer.producers().map((p) => `${p.kind}:${peer.sourceOf(p)}`).sort()).toEqual(['audio:microphone', 'video:camera']);
    booth.close();
  });

  it('16 parallel produce(audio) make exactly one producer; after the send side is rebuilt the party produces again', async () => {
    const seeded = await seedVisit(app);
    const { booth, family, producer } = await liveCall(app, seeded);
    const room = await app.calls.call(seeded.visitId)!.room();
    const peer = room.peer(`booth-${seeded.boothId}`)!;
    const send = peer.transportFor('send')!;
    const acks = await Promise.all(
      Array.from({ length: 16 }, (_, i) => booth.request('produce', { transportId: send.id, kind: 'audio', rtpParameters: fakeAudioRtp(7000 + i), source: 'microphone' })),
    );
    expect(acks.map(errorCodeOf)).toEqual(Array(16).fill('already_producing'));
    expect(peer.producers().filter((p) => p.kind === 'audio').map((p) => p.id)).toEqual([producer.producerId]);
    // a fresh party (no producer yet): 16 at once still give one
    const other = await seedVisit(app);
    const booth2 = await TestCallClient.open(app, { token: other.boothToken, role: 'booth' });
    await booth2.ok('joinCall', { visitId: other.visitId });
    const send2 = await booth2.ok('createTransport', { direction: 'send' });
    const acks2 = await Promise.all(
      Array.from({ length: 16 }, (_, i) => booth2.request('produce', { transportId: send2.transportId, kind: 'audio', rtpParameters: fakeAudioRtp(7100 + i), source: 'microphone' })),
    );
    expect(acks2.map(errorCodeOf)).toEqual(['ok', ...Array(15).fill('already_producing')]);
    const peer2 = (await app.calls.call(other.visitId)!.room()).peer(`booth-${other.boothId}`)!;
    expect(peer2.producers()).toHaveLength(1);
    // rebuilt send side: the old transport (and its producer) closes, a new audio producer is accepted
    const rebuilt = await booth2.ok('createTransport', { direction: 'send' });
    expect(errorCodeOf(await booth2.request('produce', { transportId: rebuilt.transportId, kind: 'audio', rtpParameters: fakeAudioRtp(7200), source: 'microphone' }))).toBe('ok');
    expect(peer2.producers()).toHaveLength(1);
    booth.close();
    booth2.close();
    family.close();
  });

  it('16 parallel createTransport(send) leave one send transport, the last one answered', async () => {
    const seeded = await seedVisit(app);
    const booth = await TestCallClient.open(app, { token: seeded.boothToken, role: 'booth' });
    await booth.ok('joinCall', { visitId: seeded.visitId });
    const acks = await Promise.all(Array.from({ length: 16 }, () => booth.request('createTransport', { direction: 'send' })));
    expect(acks.map(errorCodeOf)).toEqual(Array(16).fill('ok'));
    const room = await app.calls.call(seeded.visitId)!.room();
    const peer = room.peer(`booth-${seeded.boothId}`)!;
    const last = (acks[15] as { data: { transportId: string } }).data.transportId;
    expect(peer.transportFor('send')?.id).toBe(last);
    // the router itself holds one transport: none of the 15 replaced ones is left open
    expect((await room.router.dump()).transportIds).toEqual([last]);
    booth.close();
  });

  it('one request at a time per connection: answers come back in the order sent, and more than 16 in flight get busy', async () => {
    const seeded = await seedVisit(app);
    const booth = await TestCallClient.open(app, { token: seeded.boothToken, role: 'booth' });
    await booth.ok('joinCall', { visitId: seeded.visitId });
    const answered: number[] = [];
    // a slow request (a transport: a worker round trip) between fast ones (hello: one query)
    const acks = await Promise.all(
      Array.from({ length: 40 }, (_, i) => booth.request(i % 2 === 0 ? 'createTransport' : 'hello', i % 2 === 0 ? { direction: 'send' } : {}).then((ack) => (answered.push(i), ack))),
    );
    const codes = acks.map(errorCodeOf);
    expect(codes.filter((c) => c === 'busy').length).toBeGreaterThan(0);
    expect(codes.every((c) => c === 'ok' || c === 'busy')).toBe(true);
    const served = answered.filter((i) => codes[i] === 'ok');
    expect(served).toEqual([...served].sort((a, b) => a - b));
    const room = await app.calls.call(seeded.visitId)!.room();
    expect((await room.router.dump()).transportIds).toHaveLength(1);
    booth.close();
  });

  it('one live connection per token: a second tab takes over and the first is told why', async () => {
    const seeded = await seedVisit(app);
    const { booth, family } = await liveCall(app, seeded);
    const firstGone = new Promise<string>((r) => family.socket.once('disconnect', (reason) => r(reason)));
    const second = await TestCallClient.open(app, { token: seeded.joinTokens[0] });
    await family.waitFor('takenOver');
    expect(await firstGone).toBe('io server disconnect');
    await second.ok('joinCall', {});
    const room = await app.calls.call(seeded.visitId)!.room();
    expect(room.peers().filter((p) => p.role === 'family')).toHaveLength(1);
    // the booth's audio reaches the new tab
    await second.ok('createTransport', { direction: 'recv' });
    await second.ok('consumeReady', { rtpCapabilities: room.rtpCapabilities as any });
    await second.waitFor('newConsumer');
    booth.close();
    second.close();
  });

  it('a dropped family connection shows as reconnecting to the booth, then connected again', async () => {
    const seeded = await seedVisit(app);
    const { booth, family } = await liveCall(app, seeded);
    family.close();
    await booth.waitFor('peerState', (d) => d.state === 'reconnecting');
    const back = await TestCallClient.open(app, { token: seeded.joinTokens[0] });
    await back.ok('joinCall', {});
    await booth.waitFor('peerState', (d) => d.state === 'connected');
    expect(booth.notifications.some((n) => n.method === 'peerLeft')).toBe(false);
    booth.close();
    back.close();
  });

  it('the last family member hanging up ends a live call', async () => {
    const seeded = await seedVisit(app);
    const { booth, family } = await liveCall(app, seeded);
    await family.ok('hangUp', {});
    expect(await booth.waitFor('callEnded')).toEqual({ reason: 'hung_up' });
    const row = await app.storage.db.selectFrom('visits').selectAll().where('id', '=', seeded.visitId).executeTakeFirstOrThrow();
    expect(row).toMatchObject({ status: 'ended', end_reason: 'hung_up' });
    expect(await app.calls.liveState.getCall(seeded.visitId)).toBeUndefined();
    booth.close();
    family.close();
  });

  it('a family that steps out (leaveCall) leaves the call running, is seen leaving, and joins again on the same connection', async () => {
    const seeded = await seedVisit(app);
    const { booth, family } = await liveCall(app, seeded);
    await family.ok('leaveCall', {});
    expect(await booth.waitFor('peerLeft')).toMatchObject({ reason: 'left' });
    expect(errorCodeOf(await family.request('createTransport', { direction: 'recv' }))).toBe('not_joined');
    const row = await app.storage.db.selectFrom('visits').selectAll().where('id', '=', seeded.visitId).executeTakeFirstOrThrow();
    expect(row.status).toBe('live');
    expect(app.calls.call(seeded.visitId)?.ended).toBeUndefined();
    expect(app.calls.call(seeded.visitId)).toBeDefined();
    await family.ok('joinCall', {});
    await booth.waitFor('peerJoined');
    booth.close();
    family.close();
  });

  it('the server ends the call at the deadline', async () => {
    const seeded = await seedVisit(app, { start: new Date(Date.now() - 3600_000 + 2500), durationSeconds: 3600 });
    const { booth, family } = await liveCall(app, seeded);
    expect(await family.waitFor('callEnded', () => true, 10_000)).toEqual({ reason: 'time_up' });
    await booth.waitFor('callEnded');
    const row = await app.storage.db.selectFrom('visits').selectAll().where('id', '=', seeded.visitId).executeTakeFirstOrThrow();
    expect(row).toMatchObject({ status: 'ended', end_reason: 'time_up' });
    expect(app.calls.call(seeded.visitId)).toBeUndefined();
    // and nobody gets back in
    expect(await TestCallClient.refusal(app, { token: seeded.joinTokens[0] })).toMatch(/visit_over|token_expired/);
    booth.close();
    family.close();
  });
});
