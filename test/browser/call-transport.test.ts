import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../server/app.ts';
import { webRtcOnly } from '../../server/calls/room.ts';
import { bodyState, launchBrowser, waitUntil, type BrowserSession } from '../helpers/browser.ts';
import { fakeMedia } from '../helpers/fake-media.ts';
import { seedVisit } from '../helpers/seed-visit.ts';
import { startTestApp } from '../helpers/test-app.ts';

type Security = { direction: 'send' | 'recv'; dtlsState: string; srtpCipher: string; dtlsCipher: string };
const security = (s: BrowserSession) => s.page.evaluate(() => (globalThis as any).kvCall.transportSecurity() as Promise<Security[]>);
const framesDecoded = (s: BrowserSession) => s.page.evaluate(async () => ((await (globalThis as any).kvCall.mediaStats()).framesDecoded as number));
/** SRTP with AES-GCM authenticates far cheaper on the SFU than AES_CM_128_HMAC_SHA1_80 (issue 11). */
const AEAD_GCM = ['SRTP_AEAD_AES_256_GCM', 'SRTP_AEAD_AES_128_GCM'];

/** Booth then family in one call; resolves once each decodes the other's video. */
async function joinBoth(app: App, booth: BrowserSession, family: BrowserSession): Promise<string> {
  const seeded = await seedVisit(app);
  await booth.page.goto(`${app.url}/booth/?t=${seeded.boothToken}`);
  await waitUntil('booth waiting', async () => (await bodyState(booth.page)).state === 'waiting', 20_000);
  await family.page.goto(`${app.url}/family/?t=${seeded.joinTokens[0]}`);
  await waitUntil('family in call', async () => (await bodyState(family.page)).state === 'in-call', 20_000);
  await waitUntil('family decodes the booth', async () => (await framesDecoded(family)) > 0, 20_000);
  await waitUntil('booth decodes the family', async () => (await framesDecoded(booth)) > 0, 20_000);
  return seeded.visitId;
}

describe('the media transports browsers get (real Chromium, one port per worker)', () => {
  let app: App;
  const sessions: BrowserSession[] = [];
  beforeAll(async () => {
    app = await startTestApp();
  });
  afterAll(async () => {
    for (const s of sessions) await s.close();
    await app?.close();
  });

  it('every transport of both parties, sending and receiving, negotiates an AEAD GCM SRTP suite', async () => {
    const booth = await launchBrowser({ media: fakeMedia('blue', 660) });
    const family = await launchBrowser({ media: fakeMedia('red', 440) });
    sessions.push(booth, family);
    await joinBoth(app, booth, family);
    for (const [who, side] of [['booth', booth], ['family', family]] as const) {
      const transports = await waitUntil(`${who}: both transports connected`, async () => {
        const t = await security(side);
        return t.length === 2 && t.every((x) => x.dtlsState === 'connected') && t;
      }, 10_000);
      expect(transports.map((t) => t.direction).sort(), who).toEqual(['recv', 'send']);
      for (const t of transports) expect(AEAD_GCM, `${who} ${t.direction}: ${t.srtpCipher}`).toContain(t.srtpCipher);
    }
    await booth.close();
    await family.close();
  });

  it('a family browser that may not use UDP joins over ICE-TCP on the worker\'s one TCP port', async () => {
    const booth = await launchBrowser({ media: fakeMedia('blue', 660) });
    // The profile setting "disable non-proxied UDP" (no proxy here): Chromium offers TCP only, as behind a firewall dropping UDP.
    // (The command-line switch --force-webrtc-ip-handling-policy had no effect on Chromium 156.)
    const family = await launchBrowser({ media: fakeMedia('red', 440), preferences: { webrtc: { ip_handling_policy: 'disable_non_proxied_udp' } } });
    sessions.push(booth, family);
    const visitId = await joinBoth(app, booth, family);
    const room = app.calls.call(visitId)!.currentRoom;
    const tcpPort = (await app.pool.leastLoadedMedia().webRtcServer!.dump()).tcpServers[0]!.port;
    const tuples = (role: string) => (['send', 'recv'] as const).map((d) => webRtcOnly(room.peers().find((p) => p.role === role)!.transportFor(d)!).iceSelectedTuple);
    expect(tuples('family').map((t) => `${t?.protocol}:${t?.localPort}`)).toEqual([`tcp:${tcpPort}`, `tcp:${tcpPort}`]);
    // the booth, free to use UDP, still does
    expect(tuples('booth').map((t) => t?.protocol)).toEqual(['udp', 'udp']);
  });
});
