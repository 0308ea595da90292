/**
 * Join benchmark: time from opening the family link (booth already in the call) to the first
 * decoded remote video frame (getStats framesDecoded > 0), on loopback. Prints median and max.
 *   npm run bench:join            (BENCH_RUNS=7 to change the number of runs, min 5)
 */
import type { App } from '../../server/app.ts';
import { bodyState, launchBrowser, waitUntil, type BrowserSession } from '../helpers/browser.ts';
import { fakeMedia } from '../helpers/fake-media.ts';
import { seedVisit } from '../helpers/seed-visit.ts';
import { startTestApp } from '../helpers/test-app.ts';

const RUNS = Math.max(5, Number(process.env.BENCH_RUNS ?? 5));
const STEP_TIMEOUT_MS = 20_000;

async function framesDecoded(s: BrowserSession): Promise<number> {
  return s.page.evaluate(async () => {
    const kv = (globalThis as any).kvCall;
    return kv ? ((await kv.mediaStats()).framesDecoded as number) : 0;
  });
}

async function main(): Promise<void> {
  const app: App = await startTestApp();
  const crashes: string[] = [];
  app.pool.on('workerReplaced', (e) => crashes.push(`worker pid ${e.oldPid} died (${e.error})`));
  const boothMedia = fakeMedia('blue', 660);
  const familyMedia = fakeMedia('red', 440);
  const times: number[] = [];
  try {
    for (let run = 1; run <= RUNS; run++) {
      const seeded = await seedVisit(app);
      const booth = await launchBrowser({ media: boothMedia });
      const family = await launchBrowser({ media: familyMedia });
      try {
        await booth.page.goto(`${app.url}/booth/?t=${seeded.boothToken}`);
        await waitUntil('booth in the call', async () => (await bodyState(booth.page)).state === 'waiting', STEP_TIMEOUT_MS, 50);
        const t0 = performance.now();
        await family.page.goto(`${app.url}/family/?t=${seeded.joinTokens[0]}`);
        await waitUntil('first decoded remote frame', async () => (await framesDecoded(family)) > 0, STEP_TIMEOUT_MS, 20);
        const ms = performance.now() - t0;
        times.push(ms);
        console.log(`run ${run}/${RUNS}: ${ms.toFixed(0)} ms`);
      } catch (err) {
        throw new Error(`run ${run} failed: ${(err as Error).message}${crashes.length ? `; ${crashes.join('; ')}` : ''}`);
      } finally {
        await family.close();
        await booth.close();
      }
    }
  } finally {
    await app.close();
  }
  const sorted = [...times].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  const median = sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
  console.log(`join → first decoded remote frame over ${times.length} runs (loopback): median ${median.toFixed(0)} ms, max ${sorted[sorted.length - 1]!.toFixed(0)} ms`);
}

main().then(
  () => process.exit(0),
  (err: Error) => {
    console.error(`bench:join failed: ${err.message}`);
    process.exit(1);
  },
);
