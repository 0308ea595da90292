/**
 * Recording benchmark: CPU seconds (mediasoup worker + recording ffmpeg processes, from
 * /proc/<pid>/stat utime+stime) and disk bytes per recorded call minute, for 1, 4 and 8
 * simultaneous synthetic calls of two parties each (ffmpeg streaming a pre-encoded VP8 + Opus clip
 * over loopback; the generators' own CPU is not counted).
 *   npm run bench:recording        (BENCH_SECONDS=20 per scenario, BENCH_CALLS=1,4,8)
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as mediasoup from 'mediasoup';
import { createLogger } from '../../server/logging/logger.ts';
import { CallRecording } from '../../server/recording/call-recording.ts';
import { encodeSyntheticClip, startSyntheticParty, type SyntheticParty } from '../helpers/synthetic-party.ts';

const SECONDS = Math.min(120, Math.max(5, Number(process.env.BENCH_SECONDS ?? 20)));
const SCENARIOS = (process.env.BENCH_CALLS ?? '1,4,8').split(',').map(Number).filter((n) => n >= 1 && n <= 16);
const TICKS = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
const logger = createLogger('error');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** utime + stime of a process, in seconds (undefined once it is gone). */
function cpuSeconds(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / TICKS;
  } catch {
    return undefined;
  }
}

/** This process's children that are recording ffmpegs (they read an SDP from stdin), not the generators. */
function recordingFfmpegPids(): number[] {
  const pids: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid !== process.pid) continue;
      const cmd = readFileSync(`/proc/${name}/cmdline`, 'utf8').split('\0');
      if (cmd.includes('sdp') && cmd.includes('pipe:0')) pids.push(Number(name));
    } catch {
      // the process ended meanwhile
    }
  }
  return pids;
}

interface Row {
  calls: number;
  seconds: number;
  workerCpu: number;
  ffmpegCpu: number;
  bytes: number;
  /** RTP payload bytes the parties sent into the routers (what there was to record) */
  inputBytes: number;
}

async function producedBytes(parties: SyntheticParty[]): Promise<number> {
  const stats = await Promise.all(parties.flatMap((p) => [p.audio.getStats(), p.video.getStats()]));
  return stats.flat().reduce((n, s) => n + s.byteCount, 0);
}

async function scenario(calls: number): Promise<Row> {
  const root = mkdtempSync(path.join(os.tmpdir(), 'kv-bench-rec-'));
  // Parties stream a pre-encoded clip (-c copy) so the generators do not compete for the CPU.
  const clip = encodeSyntheticClip(root);
  const worker = await mediasoup.createWorker({ logLevel: 'error', rtcMinPort: 43000, rtcMaxPort: 43999 });
  const parties: SyntheticParty[] = [];
  const recordings: CallRecording[] = [];
  try {
    for (let i = 0; i < calls; i++) {
      const router = await worker.createRouter({
        mediaCodecs: [
          { kind: 'audio', mimeType: 'audio/opus', clockRate: 48000, channels: 2 },
          { kind: 'video', mimeType: 'video/VP8', clockRate: 90000 },
        ],
      });
      const booth = await startSyntheticParty(router, { clip });
      const family = await startSyntheticParty(router, { clip });
      parties.push(booth, family);
      const recording = await CallRecording.create({ router, recordingsDir: root, facilityId: 'bench', timezone: 'Asia/Jakarta', visitId: `call-${i}`, ffmpegPath: 'ffmpeg', logger });
      recordings.push(recording);
      await recording.addParty({ id: 'booth', role: 'inmate', name: 'WBP' }, booth);
      await recording.addParty({ id: 'family-1', role: 'family', name: 'Keluarga' }, family);
    }
    const pids = recordingFfmpegPids();
    if (pids.length !== calls * 2) throw new Error(`expected ${calls * 2} recording ffmpegs, found ${pids.length}`);
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
      workerCpu: delta[0]!,
      ffmpegCpu: delta.slice(1).reduce((a, b) => a + b, 0),
      bytes: manifests.flatMap((m) => m.segments).reduce((n, s) => n + s.bytes, 0),
      inputBytes,
    };
  } finally {
    await Promise.all(parties.map((p) => p.stop()));
    worker.close();
    rmSync(root, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const rows: Row[] = [];
  for (const calls of SCENARIOS) {
    console.error(`recording ${calls} call(s) for ${SECONDS} s …`);
    rows.push(await scenario(calls));
  }
  console.log(`\nrecording cost per recorded call minute (2 parties, VP8 320x240@15 + Opus, ${SECONDS} s per scenario, ${os.cpus().length} cores)`);
  console.log(`load average at the end: ${os.loadavg().map((l) => l.toFixed(1)).join(' ')} (a loaded machine starves the generators: compare disk with input)`);
  console.log('| calls | wall s | worker CPU s | ffmpeg CPU s | CPU s per call-min | cores busy | input MB (measured window) | disk MB (whole files) | disk MB per call-min |');
  console.log('|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
  for (const r of rows) {
    const callMinutes = (r.calls * r.seconds) / 60;
    const cpu = r.workerCpu + r.ffmpegCpu;
    console.log(
      `| ${r.calls} | ${r.seconds.toFixed(1)} | ${r.workerCpu.toFixed(2)} | ${r.ffmpegCpu.toFixed(2)} | ${(cpu / callMinutes).toFixed(2)} | ${(cpu / r.seconds).toFixed(3)} | ${(r.inputBytes / 1e6).toFixed(2)} | ${(r.bytes / 1e6).toFixed(2)} | ${(r.bytes / 1e6 / callMinutes).toFixed(2)} |`,
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
