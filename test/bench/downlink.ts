/**
 * Downlink-control benchmark: what the per-consumer DownlinkControl costs at BENCH_CALLS calls.
 * One mediasoup worker, one router per call, two parties producing simulcast VP8 (3 SSRCs) into
 * PlainTransports, and 4 simulcast video consumers per call (each party's camera to the other
 * party and to a hidden officer), each viewer on a PlainTransport whose far end answers with
 * RTCP Receiver Reports (test/bench/downlink-traffic.ts, a separate process whose CPU is not
 * counted). Phases alternate: consumers with the real DownlinkControl ("on") and without ("off");
 * each phase measures Node-process and worker CPU (/proc/<pid>/stat) over BENCH_SECONDS after
 * BENCH_WARMUP seconds (long enough for the controllers to climb to the best layer and settle,
 * as in a call under way). The difference is the controller's cost.
 *   npm run bench:downlink   (BENCH_CALLS=100 BENCH_SECONDS=20 BENCH_WARMUP=20 BENCH_ROUNDS=2 BENCH_FPS=5 BENCH_LOSS=0)
 * BENCH_LOSS: the share of packets the viewers report lost, at random. At a few packets a second
 * a one-second sample is coarse (1 lost of 5 is 20 %), so any loss walks controllers down and
 * keeps them from settling: the cost of links that are never clean, not of a steady 5 %.
 */
import { execFileSync, fork } from 'node:child_process';
import { readFileSync } from 'node:fs';
import os from 'node:os';
import * as mediasoup from 'mediasoup';
import type { types as ms } from 'mediasoup';
import { z } from 'zod';
import { DownlinkControl } from '../../server/calls/downlink-control.ts';
import { mediaCodecs, receiveCapabilities, topLayers } from '../../server/calls/media-config.ts';
import { createLogger } from '../../server/logging/logger.ts';

const env = z
  .object({
    BENCH_CALLS: z.coerce.number().int().min(1).max(300).default(100),
    BENCH_SECONDS: z.coerce.number().min(3).max(300).default(20),
    BENCH_ROUNDS: z.coerce.number().int().min(1).max(10).default(2),
    BENCH_FPS: z.coerce.number().min(1).max(30).default(5),
    BENCH_LOSS: z.coerce.number().min(0).max(1).default(0),
    BENCH_WARMUP: z.coerce.number().min(0).max(120).default(20),
  })
  .parse(process.env);
const TICKS = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
const logger = createLogger('error');
const listenInfo: ms.TransportListenInfo = { protocol: 'udp', ip: '127.0.0.1' };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** utime + stime of a process, in seconds. */
function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / TICKS;
}

interface Call {
  router: ms.Router;
  /** party A's and party B's camera */
  producers: [ms.Producer, ms.Producer];
  /** where each camera's RTP goes */
  ingressPorts: [number, number];
  /** A's, B's and the officer's receive transports */
  viewers: [ms.PlainTransport, ms.PlainTransport, ms.PlainTransport];
}

interface Phase {
  mode: 'on' | 'off';
  seconds: number;
  nodeCpu: number;
  workerCpu: number;
  trafficCpu: number;
  consumers: number;
  /** over the whole phase, from one getStats per consumer at its end */
  packetsSent: number;
  packetsLost: number;
  suspended: number;
  /** consumer.getStats calls a second in the measured window */
  polls: number;
  load: number;
}

let nextSsrc = 100_000;

async function createCall(worker: ms.Worker): Promise<Call> {
  const router = await worker.createRouter({ mediaCodecs });
  const ingress = await Promise.all(
    [0, 1].map(async () => {
      const t = await router.createPlainTransport({ listenInfo, rtcpMux: true, comedia: true });
      const ssrcs = [nextSsrc++, nextSsrc++, nextSsrc++];
      const producer = await t.produce({
        kind: 'video',
        rtpParameters: {
          codecs: [{ mimeType: 'video/VP8', clockRate: 90000, payloadType: 101, rtcpFeedback: [{ type: 'nack' }, { type: 'nack', parameter: 'pli' }, { type: 'ccm', parameter: 'fir' }] }],
          encodings: ssrcs.map((ssrc) => ({ ssrc, scalabilityMode: 'L1T3' })),
          rtcp: { cname: `party-${ssrcs[0]}` },
        },
      });
      return { producer, port: t.tuple.localPort };
    }),
  );
  const viewers = await Promise.all([0, 1, 2].map(() => router.createPlainTransport({ listenInfo, rtcpMux: true, comedia: false })));
  return {
    router,
    producers: [ingress[0]!.producer, ingress[1]!.producer],
    ingressPorts: [ingress[0]!.port, ingress[1]!.port],
    viewers: viewers as Call['viewers'],
  };
}

async function runPhase(calls: Call[], mode: 'on' | 'off', trafficPid: number, workerPid: number): Promise<Phase> {
  let suspended = 0;
  let polls = 0;
  const consumers: ms.Consumer[] = [];
  for (const call of calls) {
    const caps = receiveCapabilities(call.router.rtpCapabilities);
    const [a, b] = call.producers;
    const [viewA, viewB, officer] = call.viewers;
    for (const [producer, transport] of [[a, viewB], [a, officer], [b, viewA], [b, officer]] as const) {
      const consumer = await transport.consume({ producerId: producer.id, rtpCapabilities: caps, paused: true, enableRtx: true, ignoreDtx: true });
      if (consumer.type !== 'simulcast') throw new Error(`expected a simulcast consumer, got ${consumer.type}`);
      const getStats = consumer.getStats.bind(consumer);
      consumer.getStats = () => {
        polls++;
        return getStats();
      };
      if (mode === 'on') await DownlinkControl.create(consumer, { top: { ...topLayers }, logger, onSuspended: () => suspended++ });
      await consumer.resume();
      consumers.push(consumer);
    }
  }
  await sleep(env.BENCH_WARMUP * 1000);
  const pids = [process.pid, workerPid, trafficPid];
  const before = pids.map(cpuSeconds);
  const pollsBefore = polls;
  const t0 = performance.now();
  await sleep(env.BENCH_SECONDS * 1000);
  const after = pids.map(cpuSeconds);
  const seconds = (performance.now() - t0) / 1000;
  const pollsPerSecond = (polls - pollsBefore) / seconds;
  const load = os.loadavg()[0]!;
  const stats = (await Promise.all(consumers.map((c) => c.getStats()))).map((s) => s.find((x) => x.type === 'outbound-rtp'));
  for (const c of consumers) c.close();
  const pct = (i: number) => ((after[i]! - before[i]!) / seconds) * 100;
  return {
    mode,
    seconds,
    nodeCpu: pct(0),
    workerCpu: pct(1),
    trafficCpu: pct(2),
    consumers: consumers.length,
    packetsSent: stats.reduce((n, s) => n + (s?.packetCount ?? 0), 0),
    packetsLost: stats.reduce((n, s) => n + (s?.packetsLost ?? 0), 0),
    suspended,
    polls: pollsPerSecond,
    load,
  };
}

async function main(): Promise<void> {
  const worker = await mediasoup.createWorker({ logLevel: 'error' });
  const traffic = fork(new URL('./downlink-traffic.ts', import.meta.url), [], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  try {
    const calls: Call[] = [];
    for (let i = 0; i < env.BENCH_CALLS; i++) calls.push(await createCall(worker));
    const ready = new Promise<number[]>((resolve, reject) => {
      traffic.once('message', (raw) => {
        const m = z.object({ type: z.literal('ready'), viewerPorts: z.array(z.number().int().min(1).max(65535)) }).safeParse(raw);
        if (m.success) resolve(m.data.viewerPorts);
        else reject(new Error('traffic process: unexpected message'));
      });
      traffic.once('exit', (code) => reject(new Error(`traffic process exited (${code})`)));
    });
    const viewers = calls.flatMap((c) => c.viewers);
    traffic.send({
      type: 'setup',
      fps: env.BENCH_FPS,
      loss: env.BENCH_LOSS,
      senders: calls.flatMap((c) => c.producers.map((p, i) => ({ port: c.ingressPorts[i]!, ssrcs: p.rtpParameters.encodings!.map((e) => e.ssrc!) }))),
      viewers: viewers.length,
    });
    const viewerPorts = await ready;
    await Promise.all(viewers.map((t, i) => t.connect({ ip: '127.0.0.1', port: viewerPorts[i]! })));
    traffic.send({ type: 'viewerRemotes', remotes: viewers.map((t, i) => [i, t.tuple.localPort]) });

    const phases: Phase[] = [];
    for (let round = 0; round < env.BENCH_ROUNDS; round++) {
      for (const mode of round % 2 === 0 ? (['off', 'on'] as const) : (['on', 'off'] as const)) {
        console.error(`round ${round + 1}: control ${mode}, ${env.BENCH_CALLS} calls, ${env.BENCH_SECONDS} s …`);
        phases.push(await runPhase(calls, mode, traffic.pid!, worker.pid));
      }
    }
    report(phases);
  } finally {
    traffic.kill('SIGKILL');
    worker.close();
  }
}

function report(phases: Phase[]): void {
  const mean = (mode: Phase['mode'], f: (p: Phase) => number) => {
    const xs = phases.filter((p) => p.mode === mode).map(f);
    return xs.reduce((a, b) => a + b, 0) / xs.length;
  };
  const n = env.BENCH_CALLS;
  console.log(`\ndownlink control at ${n} calls (${4 * n} simulcast video consumers), ${env.BENCH_SECONDS} s per phase after ${env.BENCH_WARMUP} s, VP8 3 SSRCs × ${env.BENCH_FPS} pkt/s per camera, viewers report ${(env.BENCH_LOSS * 100).toFixed(0)} % loss`);
  console.log(`machine: ${os.cpus().length} × ${os.cpus()[0]?.model ?? '?'}, shared; Node ${process.version}; mediasoup ${mediasoup.version}`);
  console.log('| round | control | Node CPU % | worker CPU % | Node+worker % | traffic process CPU % | getStats/s | packets sent | lost (reported) | suspensions | load 1 min |');
  console.log('|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
  phases.forEach((p, i) => {
    console.log(
      `| ${Math.floor(i / 2) + 1} | ${p.mode} | ${p.nodeCpu.toFixed(1)} | ${p.workerCpu.toFixed(1)} | ${(p.nodeCpu + p.workerCpu).toFixed(1)} | ${p.trafficCpu.toFixed(1)} | ${p.polls.toFixed(0)} | ${p.packetsSent} | ${p.packetsLost} | ${p.suspended} | ${p.load.toFixed(2)} |`,
    );
  });
  const node = mean('on', (p) => p.nodeCpu) - mean('off', (p) => p.nodeCpu);
  const work = mean('on', (p) => p.workerCpu) - mean('off', (p) => p.workerCpu);
  console.log(`\ncontroller cost (mean on − mean off): Node ${node.toFixed(1)} %, worker ${work.toFixed(1)} %, together ${(node + work).toFixed(1)} % of one core at ${n} calls`);
  const polls = mean('on', (p) => p.polls) - mean('off', (p) => p.polls);
  if (polls > 0) console.log(`controller cost per getStats poll (${polls.toFixed(0)} a second): ${(((node + work) / 100 / polls) * 1e6).toFixed(0)} µs of CPU (Node ${((node / 100 / polls) * 1e6).toFixed(0)}, worker ${((work / 100 / polls) * 1e6).toFixed(0)})`);
  console.log(`per call: ${((node + work) / n).toFixed(3)} % of a core; load average now ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`);
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
