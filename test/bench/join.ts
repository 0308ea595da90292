/**
 * Join benchmark: time from opening the family link (booth already in the call) to the first
 * decoded remote video frame (getStats framesDecoded > 0), on loopback. In the same run, the
 * floor of Chromium alone: a page served from 127.0.0.1 that takes the same fake camera and
 * loops it through two RTCPeerConnections, timed the same way (page.goto to the first decoded
 * frame). Runs alternate floor / project so both see the same machine load. Prints both
 * medians, max and the ratio project / floor.
 *   npm run bench:join            (BENCH_RUNS=7 to change the number of runs, min 5)
 * The family opens the link once the booth's camera has been on the server for BENCH_BOOTH_SETTLE_MS
 * (default 3000), as when a booth waits for its family.
 */
import http from 'node:http';
import os from 'node:os';
import type { AddressInfo } from 'node:net';
import type { App } from '../../server/app.ts';
import { bodyState, launchBrowser, waitUntil, type BrowserSession } from '../helpers/browser.ts';
import { fakeMedia } from '../helpers/fake-media.ts';
import { seedVisit } from '../helpers/seed-visit.ts';
import { startTestApp } from '../helpers/test-app.ts';

const RUNS = Math.max(5, Number(process.env.BENCH_RUNS ?? 5));
const STEP_TIMEOUT_MS = 20_000;
/**
 * How long the booth has been sending its camera when the family opens the link. A booth waits for
 * its family for minutes; right after its camera starts, the recorder's key-frame requests hold a
 * new viewer's request for up to KEY_FRAME_REQUEST_DELAY_MS (0 measures that case).
 */
const BOOTH_SETTLE_MS = Number(process.env.BENCH_BOOTH_SETTLE_MS ?? 3000);

async function framesDecoded(s: BrowserSession): Promise<number> {
  return s.page.evaluate(async () => {
    const kv = (globalThis as any).kvCall;
    return kv ? ((await kv.mediaStats()).framesDecoded as number) : 0;
  });
}

/** The floor: camera → RTCPeerConnection → RTCPeerConnection on one page, no server but this file. */
const FLOOR_PAGE = `<!doctype html><meta charset="utf-8"><title>floor</title><script>
(async () => {
  const local = await navigator.mediaDevices.getUserMedia({
    audio: { echoCancellation: true, noiseSuppression: true, autoGainControl: true },
    video: { width: { ideal: 640 }, height: { ideal: 480 }, frameRate: { ideal: 24, max: 30 } },
  });
  const a = new RTCPeerConnection();
  const b = new RTCPeerConnection();
  a.onicecandidate = (e) => e.candidate && b.addIceCandidate(e.candidate);
  b.onicecandidate = (e) => e.candidate && a.addIceCandidate(e.candidate);
  for (const track of local.getTracks()) a.addTrack(track, local);
  await a.setLocalDescription();
  await b.setRemoteDescription(a.localDescription);
  await b.setLocalDescription();
  await a.setRemoteDescription(b.localDescription);
  window.floorFrames = async () => {
    let frames = 0;
    (await b.getStats()).forEach((s) => { if (s.type === 'inbound-rtp' && s.kind === 'video') frames += s.framesDecoded ?? 0; });
    return frames;
  };
})();
</script>`;

async function serveFloorPage(): Promise<{ url: string; close(): void }> {
  const server = http.createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
    res.end(FLOOR_PAGE);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`, close: () => server.close() };
}

async function floorRun(url: string, media: ReturnType<typeof fakeMedia>): Promise<number> {
  const page = await launchBrowser({ media });
  try {
    const t0 = performance.now();
    await page.page.goto(url);
    await waitUntil('floor: first decoded frame', () => page.page.evaluate(async () => {
      const f = (globalThis as any).floorFrames;
      return f ? ((await f()) as number) > 0 : false;
    }), STEP_TIMEOUT_MS, 20);
    return performance.now() - t0;
  } finally {
    await page.close();
  }
}

function boothSendsVideo(app: App, visitId: string): boolean {
  const room = app.calls.call(visitId)?.currentRoom;
  return room?.peers().some((peer) => peer.producers().some((p) => p.kind === 'video' && !p.closed)) ?? false;
}

/** The page's own timeline: document loaded, then the kv: steps the call client marks (client/call/call-client.ts markStep). */
function joinSteps(s: BrowserSession): Promise<Record<string, number>> {
  return s.page.evaluate(() => {
    const p = (globalThis as any).performance;
    const nav = p.getEntriesByType('navigation')[0];
    const out: Record<string, number> = { 'html received': nav.responseEnd, 'DOMContentLoaded': nav.domContentLoadedEventStart };
    for (const m of p.getEntriesByType('mark')) if (m.name.startsWith('kv:') && !(m.name.slice(3) in out)) out[m.name.slice(3)] = m.startTime;
    return out;
  });
}

function median(xs: number[]): number {
  const sorted = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

async function main(): Promise<void> {
  const app: App = await startTestApp();
  const crashes: string[] = [];
  app.pool.on('workerReplaced', (e) => crashes.push(`worker pid ${e.oldPid} died (${e.error})`));
  const boothMedia = fakeMedia('blue', 660);
  const familyMedia = fakeMedia('red', 440);
  const times: number[] = [];
  const floorTimes: number[] = [];
  /** step → ms after the family page's navigation start, one per run */
  const steps: Record<string, number[]> = {};
  const floorPage = await serveFloorPage();
  try {
    for (let run = 1; run <= RUNS; run++) {
      const floorMs = await floorRun(floorPage.url, familyMedia);
      floorTimes.push(floorMs);
      const seeded = await seedVisit(app);
      const booth = await launchBrowser({ media: boothMedia });
      const family = await launchBrowser({ media: familyMedia });
      try {
        await booth.page.goto(`${app.url}/booth/?t=${seeded.boothToken}`);
        await waitUntil('booth in the call', async () => (await bodyState(booth.page)).state === 'waiting', STEP_TIMEOUT_MS, 50);
        await waitUntil('booth camera on the server', async () => boothSendsVideo(app, seeded.visitId), STEP_TIMEOUT_MS, 20);
        await new Promise((r) => setTimeout(r, BOOTH_SETTLE_MS));
        const t0 = performance.now();
        await family.page.goto(`${app.url}/family/?t=${seeded.joinTokens[0]}`);
        await waitUntil('first decoded remote frame', async () => (await framesDecoded(family)) > 0, STEP_TIMEOUT_MS, 20);
        const ms = performance.now() - t0;
        times.push(ms);
        const runSteps = await joinSteps(family);
        for (const [step, at] of Object.entries(runSteps)) (steps[step] ??= []).push(at);
        console.log(`run ${run}/${RUNS}: project ${ms.toFixed(0)} ms, floor ${floorMs.toFixed(0)} ms`);
        if (process.env.BENCH_VERBOSE) console.log(`  steps: ${Object.entries(runSteps).sort((a, b) => a[1] - b[1]).map(([k, v]) => `${k} ${v.toFixed(0)}`).join(', ')}`);
      } catch (err) {
        throw new Error(`run ${run} failed: ${(err as Error).message}${crashes.length ? `; ${crashes.join('; ')}` : ''}`);
      } finally {
        await family.close();
        await booth.close();
      }
    }
  } finally {
    floorPage.close();
    await app.close();
  }
  const project = median(times);
  const floor = median(floorTimes);
  console.log(`join → first decoded remote frame over ${times.length} runs (loopback; the booth's camera on for ${BOOTH_SETTLE_MS} ms, BENCH_BOOTH_SETTLE_MS): median ${project.toFixed(0)} ms, max ${Math.max(...times).toFixed(0)} ms`);
  console.log(`floor (Chromium alone: camera → two RTCPeerConnections on one page): median ${floor.toFixed(0)} ms, max ${Math.max(...floorTimes).toFixed(0)} ms`);
  console.log('where the family page\'s time goes (median ms after navigation start):');
  for (const [step, at] of Object.entries(steps).sort((a, b) => median(a[1]) - median(b[1]))) console.log(`  ${step.padEnd(22)} ${median(at).toFixed(0).padStart(5)}`);
  console.log(`ratio project / floor: ${(project / floor).toFixed(2)} (target ≤ 1.25); load average ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}, ${os.availableParallelism()} cores`);
}

main().then(
  () => process.exit(0),
  (err: Error) => {
    console.error(`bench:join failed: ${err.message}`);
    process.exit(1);
  },
);
