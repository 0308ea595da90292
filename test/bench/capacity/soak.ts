/**
 * Soak: `calls` supervised calls join and leave every minute through the whole stack, for
 * `minutes`. Prints RSS (Node, worker, recording recorders) each minute, while the calls are up and
 * after they left, and at the end what the worker still holds (dump counts: all zero expected).
 */
import { rmSync } from 'node:fs';
import { RtpReplay } from '../../helpers/rtp-replay.ts';
import { MediaTally, workerCounts } from './driver.ts';
import { pin, pssBytes, rssBytes } from './proc.ts';
import { StackDriver } from './stack.ts';

const MiB = 2 ** 20;
/** Of each minute: calls up this long, then all leave and the rest of the minute is quiet. */
const UP_SECONDS = 45;

export interface SoakMinute {
  minute: number;
  /** while the calls are up, MiB (Node, worker: RSS; recorder: PSS summed) */
  up: { node: number; worker: number; recorder: number; recorders: number };
  /** after every call left, MiB */
  idle: { node: number; worker: number; heapUsed: number };
  counts: { routers: number; transports: number; producers: number; consumers: number };
}

export interface SoakResult {
  calls: number;
  minutes: number;
  perMinute: SoakMinute[];
  /** idle RSS growth from the end of minute 1 to the end, MiB */
  growthMiB: { node: number; worker: number };
  /** what the worker holds after the last calls left (dump) and what this process still tracks */
  finalCounts: { routers: number; transports: number; producers: number; consumers: number };
  unexpectedEnds: string[];
}

const sleepUntil = (t: number) => new Promise((r) => setTimeout(r, Math.max(0, t - performance.now())));

export async function runSoak(o: { calls: number; minutes: number; clip: string; say: (s: string) => void }): Promise<SoakResult> {
  const replay = await RtpReplay.start(o.clip, o.minutes * 60 + 300);
  const app = await StackDriver.startApp();
  const driver = StackDriver.create(app, replay);
  const tally = new MediaTally(driver.worker);
  pin(driver.worker.pid, '0');
  const perMinute: SoakMinute[] = [];
  o.say(`soak: ${o.calls} calls join, stay ${UP_SECONDS} s and leave, every minute for ${o.minutes} min`);
  o.say('| minute | Node RSS up | worker RSS up | recorder PSS up (procs) | Node RSS idle | worker RSS idle | Node heap idle | worker routers/transports/producers/consumers idle |');
  o.say('|---:|---:|---:|---:|---:|---:|---:|---|');
  try {
    for (let m = 1; m <= o.minutes; m++) {
      const start = performance.now();
      await driver.grow(o.calls);
      await sleepUntil(start + UP_SECONDS * 1000);
      const recorders = driver.recorderPids();
      const up = {
        node: rssBytes(process.pid) / MiB,
        worker: rssBytes(driver.worker.pid) / MiB,
        recorder: recorders.map(pssBytes).reduce((a, b) => a + b, 0) / MiB,
        recorders: recorders.length,
      };
      await driver.endAll();
      await sleepUntil(start + 58_000);
      const counts = await workerCounts(driver.worker, tally);
      const idle = { node: rssBytes(process.pid) / MiB, worker: rssBytes(driver.worker.pid) / MiB, heapUsed: process.memoryUsage().heapUsed / MiB };
      perMinute.push({ minute: m, up, idle, counts });
      o.say(`| ${m} | ${up.node.toFixed(0)} | ${up.worker.toFixed(0)} | ${up.recorder.toFixed(0)} (${up.recorders}) | ${idle.node.toFixed(0)} | ${idle.worker.toFixed(0)} | ${idle.heapUsed.toFixed(0)} | ${counts.routers}/${counts.transports}/${counts.producers}/${counts.consumers} |`);
      await sleepUntil(start + 60_000);
    }
    const finalCounts = await workerCounts(driver.worker, tally);
    const first = perMinute[0]!.idle;
    const last = perMinute.at(-1)!.idle;
    const result: SoakResult = {
      calls: o.calls,
      minutes: o.minutes,
      perMinute,
      growthMiB: { node: last.node - first.node, worker: last.worker - first.worker },
      finalCounts,
      unexpectedEnds: driver.unexpectedEnds,
    };
    o.say(`soak: idle RSS growth from minute 1 to ${o.minutes}: Node ${result.growthMiB.node.toFixed(1)} MiB, worker ${result.growthMiB.worker.toFixed(1)} MiB; worker dump after the last calls left: ${finalCounts.routers} routers, ${finalCounts.transports} transports, ${finalCounts.producers} producers, ${finalCounts.consumers} consumers; Node still tracks ${tally.producers.size} producers, ${tally.consumers.size} consumers; calls that ended on their own: ${driver.unexpectedEnds.length}`);
    return result;
  } finally {
    await driver.close();
    await replay.stop();
    await app.close();
    rmSync(app.config.dataDir, { recursive: true, force: true });
  }
}
