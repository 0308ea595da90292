/** One measured step of the ramp: CPU, memory, traffic and loss over a window, and its verdict. */
import type { types as ms } from 'mediasoup';
import type { ReplayStats, RtpReplay } from '../../helpers/rtp-replay.ts';
import type { CapacityDriver, MediaTally } from './driver.ts';
import { coreTimes, cpuSeconds, pssBytes, rssBytes, udpCounters, type UdpCounters } from './proc.ts';

export const LIMITS = { lossPct: 1, workerCpuPct: 85, generatorShortfallPct: 1, otherCoresBusyPct: 95 } as const;

interface StreamCount {
  packets: number;
  lost: number;
  bytes: number;
}

interface Snapshot {
  udp: UdpCounters;
  replay: ReplayStats;
  producers: Map<ms.Producer, StreamCount>;
  consumers: Map<ms.Consumer, StreamCount & { toSink: boolean }>;
}

export interface Baseline {
  nodeRss: number;
  workerRss: number;
}

export interface StepResult {
  mode: 'stack' | 'bare';
  calls: number;
  seconds: number;
  producers: number;
  consumers: number;
  /** CPU % of one core over the window */
  workerCpuPct: number;
  nodeCpuPct: number;
  recorderCpuPctPerCall: number;
  recorderCpuPct: number;
  generatorCpuPct: number;
  /** busy % of the worker's core and of the other cores (all processes, from /proc/stat) */
  workerCoreBusyPct: number;
  otherCoresBusyPct: number;
  /** MiB: the calls' share (Node and worker RSS above their idle baseline, plus every recorder process's PSS) per call */
  rssPerCallMiB: number;
  /** Node and worker RSS; recorder: PSS summed (shared libraries counted once), recorderRss: RSS summed (counted per process) */
  rssMiB: { node: number; worker: number; recorder: number; recorderRss: number };
  ingressMbps: number;
  egressMbps: number;
  loss: {
    /** packets the worker saw missing from the parties' streams (sequence gaps, less those the generator skipped) / packets expected */
    ingressPct: number;
    /** 1 − packets the consumers sent / packets their producers received in the window */
    forwardingPct: number;
    /** UDP receive/send buffer drops anywhere on the machine (worker, recorders) / all packets in the window */
    kernelDropPct: number;
    /** the step's loss: the worst of the three */
    pct: number;
    /** kernel arrivals at the sink port / consumer packets sent there (RTCP included, so ≥ 100 % when nothing is lost) */
    sinkArrivalPct: number;
  };
  generator: { sentOfDuePct: number; skipped: number; maxLagMs: number };
  unexpectedEnds: number;
  verdict: 'pass' | 'fail' | 'machine-limited';
  reasons: string[];
}

const MiB = 2 ** 20;
const pct = (a: number, b: number) => (b > 0 ? (100 * a) / b : 0);

async function snapshot(tally: MediaTally, replay: RtpReplay): Promise<Snapshot> {
  const producers = new Map<ms.Producer, StreamCount>();
  const consumers = new Map<ms.Consumer, StreamCount & { toSink: boolean }>();
  const byProducer = new Map<string, Array<[ms.Consumer, { toSink: () => boolean }]>>();
  for (const entry of tally.consumers) {
    const list = byProducer.get(entry[0].producerId) ?? [];
    list.push(entry);
    byProducer.set(entry[0].producerId, list);
  }
  // Each producer is asked right before its consumers (the worker answers requests in order),
  // so a producer's count and its consumers' counts are read at the same moment.
  const requests: Array<Promise<void>> = [];
  for (const p of tally.producers) {
    requests.push(
      p.getStats().then(
        (all) => {
          const s = all.find((x) => x.type === 'inbound-rtp');
          if (s) producers.set(p, { packets: s.packetCount, lost: s.packetsLost, bytes: s.byteCount });
        },
        () => {},
      ),
    );
    for (const [c, info] of byProducer.get(p.id) ?? []) {
      requests.push(
        c.getStats().then(
          (all) => {
            const s = all.find((x) => x.type === 'outbound-rtp');
            if (s) consumers.set(c, { packets: s.packetCount, lost: 0, bytes: s.byteCount, toSink: info.toSink() });
          },
          () => {},
        ),
      );
    }
  }
  await Promise.all(requests);
  return { udp: udpCounters(), replay: await replay.stats(), producers, consumers };
}

export async function measureStep(o: {
  driver: CapacityDriver;
  tally: MediaTally;
  replay: RtpReplay;
  seconds: number;
  workerCore: number;
  baseline: Baseline;
}): Promise<StepResult> {
  const { driver, tally, replay } = o;
  const workerPid = driver.worker.pid;
  const recorders = driver.recorderPids();
  const pids = [workerPid, process.pid, replay.pid, ...recorders];
  const endsBefore = driver.unexpectedEnds.length;
  const a = await snapshot(tally, replay);
  // CPU counted between the two /proc reads only, not while stats are being collected.
  const cpuA = new Map(pids.map((p) => [p, cpuSeconds(p) ?? Number.NaN]));
  const coresA = coreTimes();
  const tA = performance.now();
  await new Promise((r) => setTimeout(r, o.seconds * 1000));
  const cpuB = new Map(pids.map((p) => [p, cpuSeconds(p) ?? Number.NaN]));
  const coresB = coreTimes();
  const tB = performance.now();
  const b = await snapshot(tally, replay);
  const wall = (tB - tA) / 1000;
  const cpuPct = (pid: number) => pct((cpuB.get(pid) ?? Number.NaN) - (cpuA.get(pid) ?? Number.NaN), wall);
  const recorderPct = recorders.map(cpuPct).filter(Number.isFinite).reduce((x, y) => x + y, 0);
  const coreBusy = (i: number) => pct(coresB[i]!.busy - coresA[i]!.busy, coresB[i]!.total - coresA[i]!.total);
  const others = coresA.map((_, i) => i).filter((i) => i !== o.workerCore);
  const otherBusy = others.length ? others.map(coreBusy).reduce((x, y) => x + y, 0) / others.length : 0;

  // Loss, over the streams that exist in both snapshots.
  let got = 0;
  let lost = 0;
  let inBytes = 0;
  for (const [p, sb] of b.producers) {
    const sa = a.producers.get(p);
    if (!sa) continue;
    got += sb.packets - sa.packets;
    lost += Math.max(0, sb.lost - sa.lost);
    inBytes += sb.bytes - sa.bytes;
  }
  let forwarded = 0;
  let expected = 0;
  let outBytes = 0;
  let toSink = 0;
  const byId = new Map([...b.producers.keys()].map((p) => [p.id, p]));
  for (const [c, sb] of b.consumers) {
    const sa = a.consumers.get(c);
    const producer = byId.get(c.producerId);
    const pa = producer && a.producers.get(producer);
    const pb = producer && b.producers.get(producer);
    if (!sa || !pa || !pb) continue;
    forwarded += sb.packets - sa.packets;
    expected += pb.packets - pa.packets;
    outBytes += sb.bytes - sa.bytes;
    if (sb.toSink) toSink += sb.packets - sa.packets;
  }
  const drops = b.udp.RcvbufErrors - a.udp.RcvbufErrors + (b.udp.SndbufErrors - a.udp.SndbufErrors);
  // Packets the generator skipped (it fell behind) are sequence gaps too; they are its shortfall, not the worker's loss.
  const skippedDelta = b.replay.skipped - a.replay.skipped;
  const ingressPct = pct(Math.max(0, lost - skippedDelta), got + lost);
  const forwardingPct = Math.max(0, 100 - pct(forwarded, expected));
  const kernelDropPct = pct(drops, got + forwarded);
  const lossPct = Math.max(ingressPct, forwardingPct, kernelDropPct);
  const dueDelta = b.replay.due - a.replay.due;
  const sentOfDuePct = pct(b.replay.sent - a.replay.sent, dueDelta);

  const recorderRss = recorders.map(rssBytes).reduce((x, y) => x + y, 0);
  const recorderPss = recorders.map(pssBytes).reduce((x, y) => x + y, 0);
  const nodeRss = rssBytes(process.pid);
  const workerRss = rssBytes(workerPid);
  const calls = driver.calls;
  const result: StepResult = {
    mode: driver.label,
    calls,
    seconds: wall,
    producers: b.producers.size,
    consumers: b.consumers.size,
    workerCpuPct: cpuPct(workerPid),
    nodeCpuPct: cpuPct(process.pid),
    recorderCpuPct: recorderPct,
    recorderCpuPctPerCall: calls ? recorderPct / calls : 0,
    generatorCpuPct: cpuPct(replay.pid),
    workerCoreBusyPct: coreBusy(o.workerCore),
    otherCoresBusyPct: otherBusy,
    rssPerCallMiB: calls ? (Math.max(0, nodeRss - o.baseline.nodeRss) + Math.max(0, workerRss - o.baseline.workerRss) + recorderPss) / calls / MiB : 0,
    rssMiB: { node: nodeRss / MiB, worker: workerRss / MiB, recorder: recorderPss / MiB, recorderRss: recorderRss / MiB },
    ingressMbps: (inBytes * 8) / wall / 1e6,
    egressMbps: (outBytes * 8) / wall / 1e6,
    loss: { ingressPct, forwardingPct, kernelDropPct, pct: lossPct, sinkArrivalPct: pct(b.udp.NoPorts - a.udp.NoPorts, toSink) },
    generator: { sentOfDuePct, skipped: b.replay.skipped - a.replay.skipped, maxLagMs: b.replay.maxLagMs },
    unexpectedEnds: driver.unexpectedEnds.length - endsBefore,
    verdict: 'pass',
    reasons: [],
  };
  judge(result);
  return result;
}

function judge(r: StepResult): void {
  const fail: string[] = [];
  const machine: string[] = [];
  const saturated = r.otherCoresBusyPct >= LIMITS.otherCoresBusyPct;
  // Other processes (not the worker) took a tenth of the worker's core or more: the worker waited for its core.
  const contended = r.workerCoreBusyPct - r.workerCpuPct >= 10;
  const where = [saturated ? `non-worker core(s) ${r.otherCoresBusyPct.toFixed(0)} % busy` : '', contended ? `other processes took ${(r.workerCoreBusyPct - r.workerCpuPct).toFixed(0)} % of the worker's core` : '']
    .filter(Boolean)
    .join(', ');
  if (r.workerCpuPct > LIMITS.workerCpuPct) fail.push(`worker core ${r.workerCpuPct.toFixed(0)} % > ${LIMITS.workerCpuPct} %`);
  if (r.generator.sentOfDuePct < 100 - LIMITS.generatorShortfallPct) machine.push(`generator sent ${r.generator.sentOfDuePct.toFixed(1)} % of its schedule${where ? ` (${where})` : ''}`);
  // Loss or calls ending (recording not started in time) while the machine was saturated are
  // blamed on the machine (starved recorders, generator, or worker waiting for its core), not the stack.
  const problems = [
    ...(r.loss.pct > LIMITS.lossPct ? [`loss ${r.loss.pct.toFixed(2)} % > ${LIMITS.lossPct} %`] : []),
    ...(r.unexpectedEnds > 0 ? [`${r.unexpectedEnds} call(s) ended on their own`] : []),
  ];
  if (problems.length) (where ? machine : fail).push(...problems.map((p) => (where ? `${p} with ${where}` : p)));
  if (fail.length) r.verdict = 'fail';
  else if (machine.length) r.verdict = 'machine-limited';
  r.reasons = [...fail, ...machine];
  if (where && r.verdict === 'pass') r.reasons.push(`note: ${where}`);
}
