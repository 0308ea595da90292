/**
 * Recording benchmark: CPU seconds (mediasoup worker + kv-recorder processes, from
 * /proc/<pid>/stat utime+stime) and disk bytes per recorded call minute, for 1, 8 and 32
 * simultaneous synthetic calls of two parties each (one replay generator process sends a
 * pre-encoded VP8 ~500 kbit/s + Opus clip as RTP for every party; its own CPU is not counted).
 * The worker's share of recording (its egress to the recorders) is its CPU while recording minus
 * its CPU over a window before, with the same parties sending and nothing consuming.
 *   npm run bench:recording        (BENCH_SECONDS=20 per scenario, BENCH_CALLS=1,8,32)
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as mediasoup from 'mediasoup';
import { createLogger } from '../../server/logging/logger.ts';
import { CallRecording } from '../../server/recording/call-recording.ts';
import { captureRtpClip, RtpReplay, startReplayParty, type ReplayParty } from '../helpers/rtp-replay.ts';
import { cpuSeconds, recordingRecorderPids } from './capacity/proc.ts';
import { recorderPath } from '../helpers/build-recorder.ts';

const SECONDS = Math.min(120, Math.max(5, Number(process.env.BENCH_SECONDS ?? 20)));
const SCENARIOS = (process.env.BENCH_CALLS ?? '1,8,32').split(',').map(Number).filter((n) => n >= 1 && n <= 32);
/** Recording's target: worker egress + recorders, per call, in % of one core. */
const TARGET_PCT_PER_CALL = 1;
const logger = createLogger('error');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Row {
  calls: number;
  seconds: number;
  /** worker CPU s over `seconds` with the parties sending and nothing recording (scaled to the recording window) */
  workerIdleCpu: number;
  workerCpu: number;
  recorderCpu: number;
  bytes: number;
  /** RTP payload bytes the parties sent into the routers (what there was to record) */
  inputBytes: number;
}

async function producedBytes(parties: ReplayParty[]): Promise<number> {
  const stats = await Promise.all(parties.flatMap((p) => [p.audio.getStats(), p.video.getStats()]));
  return stats.flat().reduce((n, s) => n + s.byteCount, 0);
}

async function scenario(calls: number, clip: string): Promise<Row> {
  const root = mkdtempSync(path.join(os.tmpdir(), 'kv-bench-rec-'));
  // Below the ephemeral range, where the recorders' ports are (see StackDriver.startApp).
  const worker = await mediasoup.createWorker({ logLevel: 'error', rtcMinPort: 20000, rtcMaxPort: 20999 });
  const replay = await RtpReplay.start(clip, SECONDS * 3 + 120);
  const parties: ReplayParty[] = [];
  const recordings: CallRecording[] = [];
  try {
    const routers: mediasoup.types.Router[] = [];
    for (let i = 0; i < calls; i++) {
      const router = await worker.createRouter({
        mediaCodecs: [
          { kind: 'audio', mimeType: 'audio/opus', clockRate: 48000, channels: 2 },
          { kind: 'video', mimeType: 'video/VP8', clockRate: 90000 },
        ],
      });
      routers.push(router);
      parties.push(await startReplayParty(router, replay), await startReplayParty(router, replay));
    }
    // The parties alone: what the worker spends on their ingress, before anything records.
    const idleSeconds = Math.max(5, SECONDS / 2);
    await sleep(2000);
    const idle0 = cpuSeconds(worker.pid) ?? 0;
    const ti = performance.now();
    await sleep(idleSeconds * 1000);
    const workerIdlePerSecond = ((cpuSeconds(worker.pid) ?? Number.NaN) - idle0) / ((performance.now() - ti) / 1000);
    for (let i = 0; i < calls; i++) {
      const recording = await CallRecording.create({ router: routers[i]!, recordingsDir: root, facilityId: 'bench', timezone: 'Asia/Jakarta', visitId: `call-${i}`, recorderPath, ffmpegPath: 'ffmpeg', logger });
      recordings.push(recording);
      await recording.addParty({ id: 'booth', role: 'inmate', name: 'WBP' }, parties[2 * i]!);
      await recording.addParty({ id: 'family-1', role: 'family', name: 'Keluarga' }, parties[2 * i + 1]!);
    }
    const pids = recordingRecorderPids();
    if (pids.length !== calls * 2) throw new Error(`expected ${calls * 2} recording recorders, found ${pids.length}`);
    await sleep(2000);
    const watched = [worker.pid, ...pids];
    const before = watched.map((p) => cpuSeconds(p) ?? 0);
    const inputBefore = await producedBytes(parties);
    const t0 = performance.now();
    await sleep(SECONDS * 1000);
    const after = watched.map((p) => cpuSeconds(p) ?? Number.NaN);
    const seconds = (performance.now() - t0) / 1000;
    const inputBytes = (await producedBytes(parties)) - inputBefore;
    const manifests = await Promise.all(recordings.map((r) => r.stop()));
    const delta = after.map((a, i) => a - before[i]!);
    return {
      calls,
      seconds,
      workerIdleCpu: workerIdlePerSecond * seconds,
      workerCpu: delta[0]!,
      recorderCpu: delta.slice(1).reduce((a, b) => a + b, 0),
      bytes: manifests.flatMap((m) => m.segments).reduce((n, s) => n + s.bytes, 0),
      inputBytes,
    };
  } finally {
    await Promise.all(parties.map((p) => p.stop()));
    await replay.stop();
    worker.close();
    rmSync(root, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const cache = path.join(os.tmpdir(), 'kv-bench-capacity');
  mkdirSync(cache, { recursive: true });
  const clip = await captureRtpClip(cache);
  const rows: Row[] = [];
  for (const calls of SCENARIOS) {
    console.error(`recording ${calls} call(s) for ${SECONDS} s …`);
    rows.push(await scenario(calls, clip));
  }
  console.log(`\nrecording cost per recorded call minute (2 parties, VP8 ~500 kbit/s 640x360@25 + Opus from one replay generator, ${SECONDS} s per scenario, ${os.cpus().length} cores)`);
  console.log(`load average at the end: ${os.loadavg().map((l) => l.toFixed(1)).join(' ')} (a loaded machine starves the generator: compare disk with input)`);
  console.log(`target: recording ≤ ${TARGET_PCT_PER_CALL} % of a core per call (worker egress to the recorders + the recorder processes)`);
  console.log('| calls | wall s | worker CPU s (recording / parties only) | recorder CPU s | % of a core per call (worker egress + recorders) | target | CPU s per call-min (worker + recorders) | input MB (measured window) | disk MB (whole files) | disk MB per call-min |');
  console.log('|---:|---:|---:|---:|---:|---|---:|---:|---:|---:|');
  for (const r of rows) {
    const callMinutes = (r.calls * r.seconds) / 60;
    const cpu = r.workerCpu + r.recorderCpu;
    const recordingPct = (100 * (Math.max(0, r.workerCpu - r.workerIdleCpu) + r.recorderCpu)) / r.seconds / r.calls;
    console.log(
      `| ${r.calls} | ${r.seconds.toFixed(1)} | ${r.workerCpu.toFixed(2)} / ${r.workerIdleCpu.toFixed(2)} | ${r.recorderCpu.toFixed(2)} | ${recordingPct.toFixed(2)} | ${recordingPct <= TARGET_PCT_PER_CALL ? 'met' : 'MISSED'} | ${(cpu / callMinutes).toFixed(2)} | ${(r.inputBytes / 1e6).toFixed(2)} | ${(r.bytes / 1e6).toFixed(2)} | ${(r.bytes / 1e6 / callMinutes).toFixed(2)} |`,
    );
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
