import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { types as ms } from 'mediasoup';
import type { App } from '../../server/app.ts';
import { id as idText } from '../../client/i18n/id.ts';
import { bodyState, launchBrowser, waitUntil, type BrowserSession } from '../helpers/browser.ts';
import { fakeBusyMedia, fakeMedia } from '../helpers/fake-media.ts';
import { seedVisit, type SeededVisit } from '../helpers/seed-visit.ts';
import { startTestApp } from '../helpers/test-app.ts';
import { startUdpRelay, type UdpRelay } from '../helpers/udp-relay.ts';
import { webRtcOnly } from '../../server/calls/room.ts';

type Stats = { framesDecoded: number; audioPacketsReceived: number };
const stats = (s: BrowserSession) => s.page.evaluate(() => (globalThis as any).kvCall.mediaStats() as Promise<Stats>);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** What the family's page shows in place of the booth's video: 'suspended' is the weak-link notice. */
const tile = (s: BrowserSession) =>
  s.page.evaluate(() => {
    const el = (globalThis as any).document.querySelector('.remote-tile');
    const g = globalThis as any;
    return {
      video: el?.dataset.video as string | undefined,
      notice: el?.dataset.videoSuspendedText as string | undefined,
      noticeDrawn: el ? (g.getComputedStyle(el, '::before').content as string) : 'none',
      videoVisibility: el ? (g.getComputedStyle(el.querySelector('video')).visibility as string) : '',
    };
  });

async function framesGrow(side: BrowserSession, by: number, what: string, timeoutMs: number): Promise<void> {
  const start = (await stats(side)).framesDecoded;
  await waitUntil(what, async () => (await stats(side)).framesDecoded >= start + by, timeoutMs);
}

// The family's media from mediasoup runs through a UDP relay on loopback (announced 127.0.0.3 →
// listening 127.0.0.1) that narrows it like a weak mobile downlink. The booth sends a busy
// 640x480 picture, so its camera has more than one simulcast layer to choose from.
describe('a weak link degrades to low video, then to audio with a notice, instead of freezing (real Chromium)', () => {
  let app: App;
  let seeded: SeededVisit;
  let booth: BrowserSession;
  let family: BrowserSession;
  let relay: UdpRelay;
  const room = () => app.calls.call(seeded.visitId)!.currentRoom;
  const familyPeer = () => room().peers().find((p) => p.role === 'family')!;
  const boothVideo = (): ms.Consumer => familyPeer().consumers().find((c) => c.kind === 'video')!;
  /** Audio packets the SFU has sent the family (the booth's fake audio sends fewer, DTX, on a busy machine). */
  const audioSentToFamily = async () => {
    const audio = familyPeer().consumers().find((c) => c.kind === 'audio')!;
    return ((await audio.getStats()).find((s) => s.type === 'outbound-rtp') as { packetCount: number }).packetCount;
  };
  const shapeFamilyDownlink = (bitsPerSecond: number | null) =>
    relay.shape(webRtcOnly(familyPeer().transportFor('recv')!).iceCandidates.map((c) => c.port), bitsPerSecond);

  beforeAll(async () => {
    // Each party's transports on their own ports (the range mode), so the relay can cut or narrow one party.
    app = await startTestApp({ MEDIASOUP_ANNOUNCED_ADDRESS: '127.0.0.3', RTC_PORT_MODE: 'range' });
    relay = await startUdpRelay('127.0.0.3', '127.0.0.1', app.config.mediasoup.rtcMinPort, app.config.mediasoup.rtcMaxPort);
    seeded = await seedVisit(app);
    booth = await launchBrowser({ media: fakeBusyMedia(660) });
    family = await launchBrowser({ media: fakeMedia('red', 440) });
    await booth.page.goto(`${app.url}/booth/?t=${seeded.boothToken}`);
    await waitUntil('booth waiting', async () => (await bodyState(booth.page)).state === 'waiting', 20_000);
    await family.page.goto(`${app.url}/family/?t=${seeded.joinTokens[0]}`);
    await waitUntil('family in call', async () => (await bodyState(family.page)).state === 'in-call', 20_000);
    await framesGrow(family, 30, 'video flowing', 30_000);
    await waitUntil('the booth camera sends two layers', async () => {
      const producer = room().peers().find((p) => p.role === 'booth')!.producers().find((p) => p.kind === 'video');
      return producer && (await producer.getStats()).filter((s) => s.bitrate > 0).length >= 2;
    }, 20_000);
  });
  afterAll(async () => {
    await family?.close();
    await booth?.close();
    await app?.close();
    relay?.close();
  });

  it('a viewer asking for the lowest layer gets it (an officer grid does), and the best one again after', async () => {
    await waitUntil('forwarding above the lowest layer', async () => (boothVideo().currentLayers?.spatialLayer ?? 0) > 0, 20_000);
    await room().setConsumerLayers(familyPeer(), boothVideo().id, 0);
    await waitUntil('switched to the lowest layer', async () => boothVideo().currentLayers?.spatialLayer === 0, 10_000);
    await framesGrow(family, 10, 'frames decode on the lowest layer', 10_000);
    await room().setConsumerLayers(familyPeer(), boothVideo().id, 2);
    await waitUntil('back above the lowest layer', async () => (boothVideo().currentLayers?.spatialLayer ?? 0) > 0, 20_000);
  });

  it('250 kbit/s: the lowest layer keeps decoding; 70 kbit/s: audio only and the page says why; open: video is back', async () => {
    shapeFamilyDownlink(250_000);
    try {
      await waitUntil('lowest layer forwarded', async () => boothVideo().currentLayers?.spatialLayer === 0, 30_000);
      // The estimate first overshoots downwards (loss while the queue fills): video may pause a
      // few seconds before the lowest layer settles.
      await framesGrow(family, 20, 'frames decode over 250 kbit/s', 45_000);
      expect(relay.shapedDrops).toBeGreaterThan(0);

      shapeFamilyDownlink(70_000);
      const shown = await waitUntil('the page shows the weak-link notice', async () => {
        const t = await tile(family);
        return t.video === 'suspended' ? t : null;
      }, 30_000);
      expect(shown.notice).toBe(idText['call.videoSuspended']);
      expect(shown.noticeDrawn).not.toBe('none');
      expect(shown.videoVisibility).toBe('hidden');
      await sleep(2_000); // the queue of the last video drains
      const before = { received: (await stats(family)).audioPacketsReceived, sent: await audioSentToFamily() };
      await sleep(4_000);
      // Most of the audio the SFU sends gets through (a probe for video may cost some): Opus sends
      // 50 packets a second, fewer when the booth's fake audio goes into DTX on a busy machine.
      const sent = (await audioSentToFamily()) - before.sent;
      const received = (await stats(family)).audioPacketsReceived - before.received;
      expect(sent).toBeGreaterThan(15);
      expect(received / sent, `${received} of ${sent} audio packets`).toBeGreaterThan(0.6);
    } finally {
      shapeFamilyDownlink(null);
    }
    await waitUntil('the notice goes away', async () => (await tile(family)).video === 'forwarded', 40_000);
    await framesGrow(family, 30, 'video decodes again', 30_000);
  });
});
