/**
 * The WebRTC surcharge: the ramp's parties speak plain RTP; here 1–2 calls of real Chromium
 * parties (fake camera and microphone, the real pages, ICE + DTLS + SRTP with the suite Chromium
 * negotiates, transport-cc, simulcast) go through the real app, and the worker's CPU per Mbit/s on
 * their WebRTC transports is compared with its CPU per Mbit/s on plain RTP.
 *
 * Both are measured as increments on top of the same background of plain calls (the replay
 * generator through the same stack and worker): an idle worker wakes once per packet, a busy one
 * reads several per wake-up, so CPU per Mbit/s measured on 1–2 calls alone is several times what
 * the same traffic costs among many calls. The three windows: background alone; background + the
 * Chromium calls; background + the same number of plain calls.
 *
 * CPU per Mbit/s on WebRTC = (Δ worker CPU − plain rate × Δ Mbit/s on the recorders' plain transports) / Δ Mbit/s on WebRTC transports.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import path from 'node:path';
import type { types as ms } from 'mediasoup';
import type { App } from '../../../server/app.ts';
import { projectRoot } from '../../../server/config/load.ts';
import { bodyState, launchBrowser, waitUntil, type BrowserSession } from '../../helpers/browser.ts';
import { fakeBusyMedia } from '../../helpers/fake-media.ts';
import { RtpReplay } from '../../helpers/rtp-replay.ts';
import { seedVisit } from '../../helpers/seed-visit.ts';
import { MediaTally } from './driver.ts';
import { cpuSeconds, pin } from './proc.ts';
import { StackDriver } from './stack.ts';

export interface SurchargeResult {
  calls: number;
  /** plain calls running in every window; the figures are increments over them */
  background: number;
  seconds: number;
  webrtc: { workerCpuPct: number; webrtcMbps: number; plainMbps: number; cpuPctPerMbps: number };
  plain: { workerCpuPct: number; mbps: number; cpuPctPerMbps: number; peerMbpsPerCall: number };
  /** WebRTC CPU per Mbit/s over plain CPU per Mbit/s */
  factor: number;
  /** extra worker CPU % per call: the rate difference × Mbit/s per call on party and officer transports (what WebRTC carries; recorders stay plain) */
  surchargePctPerCall: number;
  chromiumNote: string;
}

/** Bytes in + out: on WebRTC transports, on plain ones of parties and officers (what WebRTC would carry), on all plain ones. */
async function transportBytes(tally: MediaTally): Promise<{ webrtc: number; plainPeers: number; plain: number }> {
  const out = { webrtc: 0, plainPeers: 0, plain: 0 };
  await Promise.all(
    [...tally.transports].map(async (t) => {
      const s = ((await t.getStats().catch(() => [])) as Array<{ bytesReceived: number; bytesSent: number }>)[0];
      if (!s) return;
      const bytes = s.bytesReceived + s.bytesSent;
      if (t.type === 'webrtc') out.webrtc += bytes;
      else {
        out.plain += bytes;
        if ((t.appData as { direction?: string }).direction) out.plainPeers += bytes;
      }
    }),
  );
  return out;
}

async function window(worker: ms.Worker, tally: MediaTally, seconds: number) {
  const b0 = await transportBytes(tally);
  const c0 = cpuSeconds(worker.pid) ?? 0;
  const t0 = performance.now();
  await new Promise((r) => setTimeout(r, seconds * 1000));
  const c1 = cpuSeconds(worker.pid) ?? Number.NaN;
  const wall = (performance.now() - t0) / 1000;
  const b1 = await transportBytes(tally);
  return {
    workerCpuPct: (100 * (c1 - c0)) / wall,
    webrtcMbps: ((b1.webrtc - b0.webrtc) * 8) / wall / 1e6,
    plainMbps: ((b1.plain - b0.plain) * 8) / wall / 1e6,
    plainPeersMbps: ((b1.plainPeers - b0.plainPeers) * 8) / wall / 1e6,
  };
}

function ensureClientBuilt(): void {
  if (existsSync(path.join(projectRoot, 'dist', 'client', 'booth'))) return;
  execFileSync(process.execPath, [path.join(projectRoot, 'node_modules/vite/bin/vite.js'), 'build', '--logLevel', 'warn'], { cwd: projectRoot, stdio: 'inherit', timeout: 180_000 });
}

async function framesDecoded(s: BrowserSession): Promise<number> {
  return s.page.evaluate(async () => {
    const kv = (globalThis as any).kvCall;
    return kv ? ((await kv.mediaStats()).framesDecoded as number) : 0;
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

type Window = Awaited<ReturnType<typeof window>>;
const minus = (a: Window, b: Window): Window => ({
  workerCpuPct: a.workerCpuPct - b.workerCpuPct,
  webrtcMbps: a.webrtcMbps - b.webrtcMbps,
  plainMbps: a.plainMbps - b.plainMbps,
  plainPeersMbps: a.plainPeersMbps - b.plainPeersMbps,
});

async function openChromiumCall(app: App, browsers: BrowserSession[]): Promise<void> {
  const media = fakeBusyMedia(440);
  const seeded = await seedVisit(app);
  const booth = await launchBrowser({ media });
  browsers.push(booth);
  await booth.page.goto(`${app.url}/booth/?t=${seeded.boothToken}`);
  await waitUntil('booth in the call', async () => (await bodyState(booth.page)).state === 'waiting', 30_000, 100);
  const family = await launchBrowser({ media });
  browsers.push(family);
  await family.page.goto(`${app.url}/family/?t=${seeded.joinTokens[0]}`);
  try {
    await waitUntil('family decodes video', async () => (await framesDecoded(family)) > 0, 30_000, 100);
    await waitUntil('booth decodes video', async () => (await framesDecoded(booth)) > 0, 30_000, 100);
  } catch (err) {
    throw new Error(`${(err as Error).message}; family page ${JSON.stringify(await bodyState(family.page))}: ${family.logs.slice(-10).join(' | ')}; booth page: ${booth.logs.slice(-10).join(' | ')}`);
  }
}

export async function runSurcharge(o: { calls: number; background: number; seconds: number; clip: string; say: (s: string) => void }): Promise<SurchargeResult> {
  ensureClientBuilt();
  // Chromium calls go through the app's own signalling (WebRTC transports); the background and the
  // plain comparison through a StackDriver on the same app and its one worker.
  const replay = await RtpReplay.start(o.clip, 3 * o.seconds + 300);
  const app = await StackDriver.startApp();
  const driver = StackDriver.create(app, replay);
  const tally = new MediaTally(driver.worker);
  pin(driver.worker.pid, '0');
  const browsers: BrowserSession[] = [];
  let base: Window, webrtc: Window, plain: Window;
  try {
    if (o.background > 0) await driver.grow(o.background);
    await sleep(5000);
    base = await window(driver.worker, tally, o.seconds);
    for (let i = 0; i < o.calls; i++) await openChromiumCall(app, browsers);
    o.say(`surcharge: ${o.calls} Chromium call(s) up beside ${o.background} plain; 10 s for their bandwidth estimates to ramp up`);
    await sleep(10_000);
    webrtc = minus(await window(driver.worker, tally, o.seconds), base);
    for (const b of browsers.splice(0)) await b.close();
    await waitUntil('the Chromium parties left', async () => ![...tally.transports].some((t) => t.type === 'webrtc'), 60_000, 200);
    await driver.grow(o.background + o.calls);
    await sleep(5000);
    plain = minus(await window(driver.worker, tally, o.seconds), base);
  } finally {
    for (const b of browsers) await b.close();
    await driver.close();
    await replay.stop();
    await app.close();
    rmSync(app.config.dataDir, { recursive: true, force: true });
  }
  const plainRate = plain.workerCpuPct / plain.plainMbps;
  const webrtcRate = (webrtc.workerCpuPct - plainRate * webrtc.plainMbps) / webrtc.webrtcMbps;
  const peerMbpsPerCall = plain.plainPeersMbps / o.calls;
  return {
    calls: o.calls,
    background: o.background,
    seconds: o.seconds,
    webrtc: { workerCpuPct: webrtc.workerCpuPct, webrtcMbps: webrtc.webrtcMbps, plainMbps: webrtc.plainMbps, cpuPctPerMbps: webrtcRate },
    plain: { workerCpuPct: plain.workerCpuPct, mbps: plain.plainMbps, cpuPctPerMbps: plainRate, peerMbpsPerCall },
    factor: webrtcRate / plainRate,
    surchargePctPerCall: (webrtcRate - plainRate) * peerMbpsPerCall,
    chromiumNote: 'Chromium runs on the non-worker core(s) with Node, ffmpeg and the generator; it encodes three simulcast layers per camera, so its bitrate is what that core allows',
  };
}
