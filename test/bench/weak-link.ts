/**
 * Weak-link benchmark: how a call degrades when the family's downlink narrows. The booth's camera
 * is a busy 640x480 pattern (every simulcast layer at full bitrate); the family's media from the
 * SFU runs through a UDP relay on loopback (127.0.0.3 → 127.0.0.1) that shapes it to a rate with
 * a 150 ms queue. Each second it prints the layer the SFU forwards, the video bitrate it sends the
 * family, the frames the family decodes, what the family's page shows (video or the weak-link
 * notice) and the share of the booth's audio packets that reach the family; then a summary per phase.
 *   npm run bench:weak-link
 */
import type { App } from '../../server/app.ts';
import { bodyState, launchBrowser, waitUntil, type BrowserSession } from '../helpers/browser.ts';
import { fakeBusyMedia, fakeMedia } from '../helpers/fake-media.ts';
import { seedVisit } from '../helpers/seed-visit.ts';
import { startTestApp } from '../helpers/test-app.ts';
import { startUdpRelay } from '../helpers/udp-relay.ts';
import { webRtcOnly } from '../../server/calls/room.ts';

const PHASES: Array<{ name: string; bitsPerSecond: number | null; seconds: number }> = [
  { name: 'open', bitsPerSecond: null, seconds: 15 },
  { name: '250 kbit/s', bitsPerSecond: 250_000, seconds: 25 },
  { name: '120 kbit/s', bitsPerSecond: 120_000, seconds: 20 },
  { name: '70 kbit/s', bitsPerSecond: 70_000, seconds: 20 },
  { name: 'open again', bitsPerSecond: null, seconds: 25 },
];

type Stats = { framesDecoded: number; audioPacketsReceived: number };
const stats = (s: BrowserSession) => s.page.evaluate(() => (globalThis as any).kvCall.mediaStats() as Promise<Stats>);
/** What the family's page shows for the booth's video: "suspended" is the weak-link notice. */
const videoShown = (s: BrowserSession) =>
  s.page.evaluate(() => ((globalThis as any).document.querySelector('.remote-tile')?.dataset.video as string | undefined) ?? 'none');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const median = (xs: number[]) => (xs.length ? [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]! : NaN);

async function main(): Promise<void> {
  // Each party's transports on their own ports (the range mode), so the relay can cut or narrow one party.
  const app: App = await startTestApp({ MEDIASOUP_ANNOUNCED_ADDRESS: '127.0.0.3', RTC_PORT_MODE: 'range' });
  const relay = await startUdpRelay('127.0.0.3', '127.0.0.1', app.config.mediasoup.rtcMinPort, app.config.mediasoup.rtcMaxPort);
  const seeded = await seedVisit(app);
  const booth = await launchBrowser({ media: fakeBusyMedia(660) });
  const family = await launchBrowser({ media: fakeMedia('red', 440) });
  try {
    await booth.page.goto(`${app.url}/booth/?t=${seeded.boothToken}`);
    await waitUntil('booth waiting', async () => (await bodyState(booth.page)).state === 'waiting', 20_000);
    await family.page.goto(`${app.url}/family/?t=${seeded.joinTokens[0]}`);
    await waitUntil('family in call', async () => (await bodyState(family.page)).state === 'in-call', 20_000);
    await waitUntil('video flowing', async () => (await stats(family)).framesDecoded > 30, 20_000);

    const room = () => app.calls.call(seeded.visitId)!.currentRoom;
    const familyPeer = () => room().peers().find((p) => p.role === 'family')!;
    const boothAudioPackets = async () => {
      const producer = room().peers().find((p) => p.role === 'booth')!.producers().find((p) => p.kind === 'audio');
      return producer ? Number(((await producer.getStats())[0] as { packetCount?: number } | undefined)?.packetCount ?? 0) : 0;
    };

    console.log('phase          s  layer  video kbit/s  fps  audio pkts family/booth  shaper drops  page video');
    const summary: string[] = [];
    for (const phase of PHASES) {
      const recv = webRtcOnly(familyPeer().transportFor('recv')!);
      relay.shape(recv.iceCandidates.map((c) => c.port), phase.bitsPerSecond);
      const fps: number[] = [];
      const layers: number[] = [];
      let suspended = 0;
      let audioFamily = 0;
      let audioBooth = 0;
      for (let s = 1; s <= phase.seconds; s++) {
        const [f0, b0] = [await stats(family), await boothAudioPackets()];
        await sleep(1_000);
        const [f1, b1] = [await stats(family), await boothAudioPackets()];
        const video = familyPeer().consumers().find((c) => c.kind === 'video');
        const layer = video?.currentLayers?.spatialLayer ?? -1;
        const sent = Number(((await video?.getStats()) ?? []).find((x) => x.type === 'outbound-rtp')?.bitrate ?? 0);
        const frames = f1.framesDecoded - f0.framesDecoded;
        const shown = await videoShown(family);
        if (frames === 0 && shown === 'suspended') suspended++;
        const audio = [f1.audioPacketsReceived - f0.audioPacketsReceived, b1 - b0] as const;
        fps.push(frames);
        layers.push(layer);
        audioFamily += audio[0];
        audioBooth += audio[1];
        console.log(`${phase.name.padEnd(13)} ${String(s).padStart(2)}  ${String(layer).padStart(5)}  ${String(Math.round(sent / 1000)).padStart(11)}  ${String(frames).padStart(3)}  ${String(audio[0]).padStart(12)}/${String(audio[1]).padEnd(13)}  ${String(relay.shapedDrops).padEnd(12)}  ${shown}`);
      }
      const frozen = fps.filter((f) => f === 0).length - suspended;
      summary.push(
        `${phase.name.padEnd(13)} median fps ${String(median(fps)).padStart(2)}, seconds frozen ${String(frozen).padStart(2)}/${phase.seconds}, ` +
          `audio-only (notice shown) ${String(suspended).padStart(2)}/${phase.seconds}, ` +
          `median layer ${median(layers)}, audio delivered ${audioBooth ? Math.round((100 * audioFamily) / audioBooth) : 0}% (${audioFamily}/${audioBooth} packets)`,
      );
    }
    console.log('\nsummary (layer -1: no video forwarded; frozen: no frame decoded and no notice on the page)');
    for (const line of summary) console.log(line);
  } finally {
    await family.close();
    await booth.close();
    await app.close();
    relay.close();
  }
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
