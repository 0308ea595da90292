import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../server/app.ts';
import { seedVisit } from '../helpers/seed-visit.ts';
import { loginOfficer, startTestApp } from '../helpers/test-app.ts';
import { joinAndProduce, liveCall, type SimulatedParty } from '../supervision/peers.ts';
import { errorCodeOf } from './socket-client.ts';

/** A party's own mute (setProducerPaused): the SFU pauses the producer, the others are told, an officer's mute wins. */
describe('a party mutes its own microphone and camera (socket.io, real mediasoup)', () => {
  let app: App;
  beforeAll(async () => {
    app = await startTestApp();
  });
  afterAll(async () => {
    await app?.close();
  });

  async function call() {
    const seeded = await seedVisit(app);
    const parties = await liveCall(app, seeded);
    const producer = (who: SimulatedParty, id: string) => app.calls.call(seeded.visitId)!.currentRoom.peer(who.peerId)!.producer(id)!;
    /** The consumer `viewer` has of `producerId`. */
    const consumerOf = (viewer: SimulatedParty, producerId: string) => viewer.client.waitFor('newConsumer', (d) => d.producerId === producerId);
    const officer = await loginOfficer(app, [seeded.facilityId]);
    const mute = (peerId: string, kind: 'audio' | 'video', muted: boolean) =>
      fetch(`${app.url}/api/calls/${seeded.visitId}/mute`, {
        method: 'POST',
        headers: { ...officer.auth, 'content-type': 'application/json' },
        body: JSON.stringify({ peerId, kind, muted }),
      }).then((r) => r.status);
    return { seeded, ...parties, producer, consumerOf, mute };
  }

  it('pauses and resumes the family camera and microphone on the server; the booth is told per consumer', async () => {
    const { seeded, booth, family, producer, consumerOf } = await call();
    const video = await consumerOf(booth, family.videoProducerId);
    const audio = await consumerOf(booth, family.audioProducerId);
    const pausedSeen = (consumerId: string, paused: boolean) => booth.client.waitFor('consumerPaused', (d) => d.consumerId === consumerId && d.paused === paused);

    expect((await family.client.request('setProducerPaused', { producerId: family.videoProducerId, paused: true })).ok).toBe(true);
    expect(producer(family, family.videoProducerId).paused).toBe(true);
    expect(await pausedSeen(video.consumerId, true)).toEqual({ consumerId: video.consumerId, paused: true });
    // only the camera: the microphone goes on
    expect(producer(family, family.audioProducerId).paused).toBe(false);
    expect(booth.client.notifications.some((n) => n.method === 'consumerPaused' && n.data.consumerId === audio.consumerId)).toBe(false);
    // the SFU stops forwarding: the booth's consumer is paused by its producer
    const boothSide = app.calls.call(seeded.visitId)!.currentRoom.peer(booth.peerId)!.consumer(video.consumerId)!;
    expect(boothSide.producerPaused).toBe(true);

    expect((await family.client.request('setProducerPaused', { producerId: family.videoProducerId, paused: false })).ok).toBe(true);
    expect(producer(family, family.videoProducerId).paused).toBe(false);
    expect(await pausedSeen(video.consumerId, false)).toEqual({ consumerId: video.consumerId, paused: false });

    expect((await family.client.request('setProducerPaused', { producerId: family.audioProducerId, paused: true })).ok).toBe(true);
    expect(producer(family, family.audioProducerId).paused).toBe(true);
    expect(await pausedSeen(audio.consumerId, true)).toMatchObject({ paused: true });
    expect((await family.client.request('setProducerPaused', { producerId: family.audioProducerId, paused: false })).ok).toBe(true);
    expect(await pausedSeen(audio.consumerId, false)).toMatchObject({ paused: false });
    booth.client.close();
    family.client.close();
  });

  it('a consumer created while the camera is off says so (producerPaused), so a late viewer shows "kamera mati" at once', async () => {
    const seeded = await seedVisit(app);
    const { booth, family } = await liveCall(app, seeded);
    expect((await family.client.request('setProducerPaused', { producerId: family.videoProducerId, paused: true })).ok).toBe(true);
    // the booth reconnects (a new connection, new consumers): its new consumer of the paused camera is marked paused
    booth.client.close();
    const again = await joinAndProduce(app, { token: seeded.boothToken, role: 'booth' }, seeded.visitId);
    expect(await again.client.waitFor('newConsumer', (d) => d.producerId === family.videoProducerId)).toMatchObject({ producerPaused: true });
    expect(await again.client.waitFor('newConsumer', (d) => d.producerId === family.audioProducerId)).toMatchObject({ producerPaused: false });
    again.client.close();
    family.client.close();
  });

  it('refuses to lift an officer mute (muted_by_officer); the other side never sees it resume; the lifted officer mute keeps the party own mute', async () => {
    const { booth, family, producer, consumerOf, mute } = await call();
    const audio = await consumerOf(booth, family.audioProducerId);
    expect(await mute(family.peerId, 'audio', true)).toBe(200);
    expect(await family.client.waitFor('mutedByOfficer')).toEqual({ kind: 'audio', muted: true });
    expect(await booth.client.waitFor('consumerPaused', (d) => d.consumerId === audio.consumerId)).toMatchObject({ paused: true });

    const refused = await family.client.request('setProducerPaused', { producerId: family.audioProducerId, paused: false });
    expect(errorCodeOf(refused)).toBe('muted_by_officer');
    expect(producer(family, family.audioProducerId).paused).toBe(true);
    await new Promise((r) => setTimeout(r, 200));
    expect(booth.client.notifications.some((n) => n.method === 'consumerPaused' && n.data.consumerId === audio.consumerId && n.data.paused === false)).toBe(false);
    // pausing again is allowed (it is already off), and the party's own mute is remembered
    expect((await family.client.request('setProducerPaused', { producerId: family.audioProducerId, paused: true })).ok).toBe(true);
    // the officer lifts the mute: the party had muted itself meanwhile, so the microphone stays off
    expect(await mute(family.peerId, 'audio', false)).toBe(200);
    expect(await family.client.waitFor('mutedByOfficer', (d) => d.muted === false)).toEqual({ kind: 'audio', muted: false });
    expect(producer(family, family.audioProducerId).paused).toBe(true);
    // now the party itself may turn it back on
    expect((await family.client.request('setProducerPaused', { producerId: family.audioProducerId, paused: false })).ok).toBe(true);
    expect(producer(family, family.audioProducerId).paused).toBe(false);
    expect(await booth.client.waitFor('consumerPaused', (d) => d.consumerId === audio.consumerId && d.paused === false)).toMatchObject({ paused: false });
    booth.client.close();
    family.client.close();
  });

  it('refuses another party producer, unknown ids and bad input', async () => {
    const { booth, family, producer } = await call();
    expect(errorCodeOf(await family.client.request('setProducerPaused', { producerId: booth.audioProducerId, paused: true }))).toBe('not_found');
    expect(producer(booth, booth.audioProducerId).paused).toBe(false);
    expect(errorCodeOf(await family.client.request('setProducerPaused', { producerId: 'no-such', paused: true }))).toBe('not_found');
    expect(errorCodeOf(await family.client.raw({ method: 'setProducerPaused', data: { producerId: family.audioProducerId, paused: 'yes' } }))).toBe('invalid_request');
    expect(errorCodeOf(await family.client.raw({ method: 'setProducerPaused', data: { producerId: family.audioProducerId } }))).toBe('invalid_request');
    expect(errorCodeOf(await family.client.raw({ method: 'setProducerPaused', data: { producerId: family.audioProducerId, paused: true, kind: 'audio' } }))).toBe('invalid_request');
    expect(producer(family, family.audioProducerId).paused).toBe(false);
    booth.client.close();
    family.client.close();
  });
});
