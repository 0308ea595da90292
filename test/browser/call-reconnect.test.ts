import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../server/app.ts';
import { id as idText } from '../../client/i18n/id.ts';
import { averageColour, bodyState, dominant, launchBrowser, recordBodyStates, recordedStates, waitUntil, type BrowserSession } from '../helpers/browser.ts';
import { fakeMedia } from '../helpers/fake-media.ts';
import { seedVisit, type SeededVisit } from '../helpers/seed-visit.ts';
import { startTestApp } from '../helpers/test-app.ts';
import { startUdpRelay, type UdpRelay } from '../helpers/udp-relay.ts';
import { webRtcOnly } from '../../server/calls/room.ts';

type Stats = { framesDecoded: number; audioPacketsReceived: number };
type Counters = { rebuilds: number; iceRestarts: number; state: string };
const stats = (s: BrowserSession) => s.page.evaluate(() => (globalThis as any).kvCall.mediaStats() as Promise<Stats>);
const counters = (s: BrowserSession) => s.page.evaluate(() => (globalThis as any).kvCall.counters() as Counters);
const REMOTE = '[data-testid="remote-video"]';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Video decodes on `side` again: framesDecoded grows between two samples and the colour is the other party's. */
async function videoFlows(side: BrowserSession, colour: 'red' | 'blue', what: string): Promise<void> {
  const first = await waitUntil(`${what}: frames decoded`, async () => ((await stats(side)).framesDecoded > 0 ? stats(side) : null), 30_000);
  await waitUntil(`${what}: frames keep coming`, async () => (await stats(side)).framesDecoded > first.framesDecoded + 10, 15_000);
  await waitUntil(`${what}: sees ${colour}`, async () => dominant(await averageColour(side.page, REMOTE)) === colour, 15_000);
  await waitUntil(`${what}: audio`, async () => (await stats(side)).audioPacketsReceived > 20, 15_000);
}

// Media reaches mediasoup through a UDP relay (announced 127.0.0.3 → listening 127.0.0.1) so a
// test can cut the family's media as well as its WebSocket, like a phone losing signal.
describe('a family whose network drops gets back into the same call by itself (real Chromium)', () => {
  let app: App;
  let seeded: SeededVisit;
  let booth: BrowserSession;
  let family: BrowserSession;
  let relay: UdpRelay;
  const familyPeerId = () => `family-${seeded.visitors[0]!.id}`;
  /** The mediasoup ports of the family's current transports (what the relay cuts). */
  const familyPorts = () => {
    const peer = app.calls.call(seeded.visitId)!.currentRoom.peer(familyPeerId())!;
    return (['send', 'recv'] as const).flatMap((d) => peer.transportFor(d)).flatMap((t) => (t ? webRtcOnly(t).iceCandidates.map((c) => c.port) : []));
  };
  /** A real drop: no HTTP/WebSocket (DevTools offline) and no media (the relay) for `ms`. */
  async function dropFamilyNetwork(ms: number, during: () => Promise<void>): Promise<void> {
    const ports = familyPorts();
    expect(ports.length).toBeGreaterThan(0);
    const dropped = relay.dropped;
    relay.block(ports);
    await family.page.setOfflineMode(true);
    const t0 = Date.now();
    try {
      await during();
      await sleep(Math.max(0, ms - (Date.now() - t0)));
    } finally {
      await family.page.setOfflineMode(false);
      relay.unblockAll();
    }
    expect(relay.dropped).toBeGreaterThan(dropped);
  }

  beforeAll(async () => {
    // Each party's transports on their own ports (the range mode), so the relay can cut or narrow one party.
    app = await startTestApp({ MEDIASOUP_ANNOUNCED_ADDRESS: '127.0.0.3', RTC_PORT_MODE: 'range' });
    relay = await startUdpRelay('127.0.0.3', '127.0.0.1', app.config.mediasoup.rtcMinPort, app.config.mediasoup.rtcMaxPort);
    seeded = await seedVisit(app, { visitorNames: ['Siti Aminah'] });
    booth = await launchBrowser({ media: fakeMedia('blue', 660) });
    family = await launchBrowser({ media: fakeMedia('red', 440) });
    await recordBodyStates(family.page);
    await recordBodyStates(booth.page);
    await booth.page.goto(`${app.url}/booth/?t=${seeded.boothToken}`);
    await waitUntil('booth waiting', async () => (await bodyState(booth.page)).state === 'waiting', 20_000);
    await family.page.goto(`${app.url}/family/?t=${seeded.joinTokens[0]}`);
    await waitUntil('family in call', async () => (await bodyState(family.page)).state === 'in-call', 20_000);
    await videoFlows(family, 'blue', 'family');
    await videoFlows(booth, 'red', 'booth');
  });
  afterAll(async () => {
    await family?.close();
    await booth?.close();
    await app?.close();
    relay?.close();
  });

  it('a 5 s drop: the page says it is reconnecting, then the call resumes both ways with no officer action', async () => {
    const call = app.calls.call(seeded.visitId);
    expect(call).toBeDefined();
    const before = await counters(family);
    const boothSeen = (await recordedStates(booth.page)).length;
    await dropFamilyNetwork(5_000, async () => {
      await waitUntil('family shows reconnecting', async () => (await bodyState(family.page)).state === 'reconnecting', 5_000, 100);
      const shown = await family.page.$eval('[data-testid="status-title"]', (el) => el.textContent ?? '');
      expect(shown).toContain('Menyambungkan kembali');
      // the booth keeps the family's tile and says the other side is reconnecting
      await waitUntil('booth shows the family reconnecting', async () => (await booth.page.$('.remote-tile[data-peer-state="reconnecting"]')) !== null, 4_000, 100);
    });
    await waitUntil('family back in the call', async () => (await bodyState(family.page)).state === 'in-call', 20_000, 100);
    await videoFlows(family, 'blue', 'family after the drop');
    await videoFlows(booth, 'red', 'booth after the drop');
    // the same call, still live; the booth kept the family's place (never back to waiting)
    expect(app.calls.call(seeded.visitId)).toBe(call);
    const row = await app.storage.db.selectFrom('visits').select(['status']).where('id', '=', seeded.visitId).executeTakeFirstOrThrow();
    expect(row.status).toBe('live');
    expect((await recordedStates(booth.page)).slice(boothSeen)).not.toContain('waiting');
    expect((await recordedStates(family.page)).slice(-3)).toEqual(['in-call', 'reconnecting', 'in-call']);
    const after = await counters(family);
    expect(after.rebuilds + after.iceRestarts).toBeGreaterThan(before.rebuilds + before.iceRestarts);
  });

  it('media alone drops for 6 s (signalling stays up): an ICE restart brings the picture back', async () => {
    const before = await counters(family);
    const familySeen = (await recordedStates(family.page)).length;
    const ports = familyPorts();
    relay.block(ports);
    try {
      await waitUntil('family notices the media drop', async () => (await bodyState(family.page)).state === 'reconnecting', 10_000, 100);
      await sleep(3_000);
    } finally {
      relay.unblockAll();
    }
    await waitUntil('family back in the call', async () => (await bodyState(family.page)).state === 'in-call', 30_000, 100);
    await videoFlows(family, 'blue', 'family after the media drop');
    await videoFlows(booth, 'red', 'booth after the media drop');
    const after = await counters(family);
    expect(after.iceRestarts).toBeGreaterThan(before.iceRestarts);
    expect((await recordedStates(family.page)).slice(familySeen)).not.toContain('lost');
  });

  it('the booth\'s network drops for 5 s: the booth reconnects by itself and the family never falls back to waiting', async () => {
    const boothPeer = () => app.calls.call(seeded.visitId)!.currentRoom.peers().find((p) => p.role === 'booth')!;
    const ports = (['send', 'recv'] as const).flatMap((d) => boothPeer().transportFor(d)).flatMap((t) => (t ? webRtcOnly(t).iceCandidates.map((c) => c.port) : []));
    expect(ports.length).toBeGreaterThan(0);
    const familySeen = (await recordedStates(family.page)).length;
    const t0 = Date.now();
    relay.block(ports);
    await booth.page.setOfflineMode(true);
    try {
      await waitUntil('booth shows reconnecting', async () => (await bodyState(booth.page)).state === 'reconnecting', 5_000, 100);
      await waitUntil('family sees the booth reconnecting', async () => (await family.page.$('.remote-tile[data-peer-state="reconnecting"]')) !== null, 4_000, 100);
      await sleep(Math.max(0, 5_000 - (Date.now() - t0)));
    } finally {
      await booth.page.setOfflineMode(false);
      relay.unblockAll();
    }
    await waitUntil('booth back in the call', async () => (await bodyState(booth.page)).state === 'in-call', 20_000, 100);
    await videoFlows(booth, 'red', 'booth after its drop');
    await videoFlows(family, 'blue', 'family after the booth drop');
    expect((await recordedStates(family.page)).slice(familySeen)).not.toContain('waiting');
    const row = await app.storage.db.selectFrom('visits').select(['status']).where('id', '=', seeded.visitId).executeTakeFirstOrThrow();
    expect(row.status).toBe('live');
  });

  it('a drop longer than the 15 s grace: "call lost" on the page, the booth sees the family gone; back online it rejoins', async () => {
    await dropFamilyNetwork(18_000, async () => {
      await waitUntil('family shows the call lost', async () => (await bodyState(family.page)).state === 'lost', 17_000, 200);
      const title = await family.page.$eval('[data-testid="status-title"]', (el) => el.textContent ?? '');
      expect(title).toContain('Panggilan terputus');
      expect(await family.page.$eval('[data-testid="retry"]', (el) => (el as any).hidden as boolean)).toBe(false);
      // The server may take up to pingInterval + pingTimeout (10 s) to notice a silent drop, then
      // keeps the place for the 15 s grace: the booth sees the family gone 15–25 s after the drop.
      await waitUntil('booth back to waiting for the family', async () => (await bodyState(booth.page)).state === 'waiting', 11_000, 200);
    });
    await waitUntil('family back in the call', async () => (await bodyState(family.page)).state === 'in-call', 30_000, 100);
    await waitUntil('booth in the call again', async () => (await bodyState(booth.page)).state === 'in-call', 10_000, 100);
    await videoFlows(family, 'blue', 'family after the long drop');
    await videoFlows(booth, 'red', 'booth after the long drop');
    const row = await app.storage.db.selectFrom('visits').select(['status']).where('id', '=', seeded.visitId).executeTakeFirstOrThrow();
    expect(row.status).toBe('live');
  });

  it('the same link opened in a second tab takes over; the first tab says why and stops', async () => {
    const tab2: BrowserSession = { ...family, page: await family.browser.newPage(), logs: [] };
    try {
      await tab2.page.goto(`${app.url}/family/?t=${seeded.joinTokens[0]}`);
      await waitUntil('first tab taken over', async () => (await bodyState(family.page)).state === 'taken-over', 15_000, 100);
      const title = await family.page.$eval('[data-testid="status-title"]', (el) => el.textContent ?? '');
      expect(title).toBe(idText['call.state.takenOver']);
      // not a blank screen: the status card is shown, the call stage is not, the camera is released
      expect(await family.page.$eval('[data-testid="status"]', (el) => (el as any).hidden as boolean)).toBe(false);
      expect(await family.page.$eval('#stage', (el) => (el as any).hidden as boolean)).toBe(true);
      expect(await family.page.$eval('[data-testid="self-video"]', (el) => (el as any).srcObject)).toBeNull();
      await waitUntil('second tab in the call', async () => (await bodyState(tab2.page)).state === 'in-call', 20_000, 100);
      await videoFlows(tab2, 'blue', 'second tab');
      await videoFlows(booth, 'red', 'booth with the second tab');
      expect(await booth.page.$$(REMOTE)).toHaveLength(1);
      // the first tab does not fight back
      await sleep(2_000);
      expect((await bodyState(family.page)).state).toBe('taken-over');
      expect((await bodyState(tab2.page)).state).toBe('in-call');
    } finally {
      await tab2.page.close().catch(() => {});
    }
  });
});
