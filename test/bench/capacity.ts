/**
 * Capacity benchmark: how many supervised calls one mediasoup worker (one core) carries through
 * the whole stack, next to bare mediasoup on the same traffic.
 *
 *   npm run bench:capacity                      ramp through the real control plane (default)
 *   npm run bench:capacity -- --bare            the same traffic on bare mediasoup
 *   npm run bench:capacity -- --compare         both, side by side, and the ratio
 *   npm run bench:capacity -- --steps 10,20,40 --seconds 20 --warmup 5 --json
 *   npm run bench:capacity -- --soak [--soak-minutes 30] [--soak-calls 20]
 *   npm run bench:capacity -- --surcharge [--surcharge-calls 2] [--surcharge-background 10]   (alone, or after a ramp: --compare --surcharge)
 *
 * Per call: booth and family each send VP8 (~500 kbit/s) + Opus over plain RTP from one replay
 * generator process; consumers: each party the other's audio + video, a hidden officer both
 * videos (the focused call: audio too), the recorder all four tracks. The worker is pinned to
 * core 0, everything else (this process, recorders, the generator) to the other cores.
 */
import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import * as mediasoup from 'mediasoup';
import { z } from 'zod';
import { captureRtpClip, clipKbps, RtpReplay } from '../helpers/rtp-replay.ts';
import type { RtpClip } from '../helpers/rtp-replay-child.ts';
import { BareDriver } from './capacity/bare.ts';
import { MediaTally, type CapacityDriver } from './capacity/driver.ts';
import { LIMITS, measureStep, type StepResult } from './capacity/measure.ts';
import { machine, memAvailableBytes, pin, rssBytes } from './capacity/proc.ts';
import { runSoak } from './capacity/soak.ts';
import { runSurcharge, type SurchargeResult } from './capacity/surcharge.ts';
import { StackDriver } from './capacity/stack.ts';

const argsSchema = z.object({
  steps: z.array(z.number().int().min(1).max(400)).min(1).max(30),
  seconds: z.number().min(3).max(300),
  warmup: z.number().min(1).max(60),
  json: z.boolean(),
  bare: z.boolean(),
  compare: z.boolean(),
  soak: z.boolean(),
  soakMinutes: z.number().int().min(1).max(30),
  soakCalls: z.number().int().min(1).max(100),
  surcharge: z.boolean(),
  surchargeCalls: z.number().int().min(1).max(2),
  surchargeBackground: z.number().int().min(0).max(60),
  ramp: z.boolean(),
});
type Args = z.infer<typeof argsSchema>;

function parse(): Args {
  const { values } = parseArgs({
    options: {
      steps: { type: 'string' },
      seconds: { type: 'string', default: '20' },
      warmup: { type: 'string', default: '5' },
      json: { type: 'boolean', default: false },
      bare: { type: 'boolean', default: false },
      compare: { type: 'boolean', default: false },
      soak: { type: 'boolean', default: false },
      'soak-minutes': { type: 'string', default: '30' },
      'soak-calls': { type: 'string', default: '20' },
      surcharge: { type: 'boolean', default: false },
      'surcharge-calls': { type: 'string', default: '2' },
      'surcharge-background': { type: 'string', default: '10' },
    },
  });
  const surchargeOnly = values.surcharge && !values.bare && !values.compare && values.steps === undefined;
  return argsSchema.parse({
    steps: (values.steps ?? '10,20,40,60,80,100,120,140,160,180,200').split(',').map(Number),
    seconds: Number(values.seconds),
    warmup: Number(values.warmup),
    json: values.json,
    bare: values.bare,
    compare: values.compare,
    soak: values.soak,
    soakMinutes: Number(values['soak-minutes']),
    soakCalls: Number(values['soak-calls']),
    surcharge: values.surcharge,
    surchargeCalls: Number(values['surcharge-calls']),
    surchargeBackground: Number(values['surcharge-background']),
    ramp: !surchargeOnly,
  });
}

const say = (line: string) => console.error(line);
const f = (n: number, d = 1) => (Number.isFinite(n) ? n.toFixed(d) : '–');

export interface RampResult {
  mode: 'stack' | 'bare';
  /** the largest N that passed; null when the first step did not */
  callsPerCore: number | null;
  /** what ended the ramp: a failed step, a machine-limited step, memory running out, or the last step passing */
  endedBy: 'fail' | 'machine-limited' | 'memory' | 'steps exhausted';
  /** worker CPU per call at the last passing step, projected to LIMITS.workerCpuPct (the step size hides the rest) */
  projectedAtWorkerLimit: number | null;
  steps: StepResult[];
}

function row(r: StepResult): string {
  return `| ${r.mode} | ${r.calls} | ${r.consumers} | ${f(r.workerCpuPct)} | ${f(r.workerCoreBusyPct)} | ${f(r.nodeCpuPct)} | ${f(r.recorderCpuPctPerCall, 2)} | ${f(r.generatorCpuPct)} | ${f(r.otherCoresBusyPct)} | ${f(r.rssPerCallMiB)} (${f(r.rssMiB.node, 0)}+${f(r.rssMiB.worker, 0)}+${f(r.rssMiB.recorder, 0)}) | ${f(r.ingressMbps)} / ${f(r.egressMbps)} | ${f(r.loss.pct, 2)} (${f(r.loss.ingressPct, 2)}/${f(r.loss.forwardingPct, 2)}/${f(r.loss.kernelDropPct, 2)}) | ${f(r.generator.sentOfDuePct)} | ${r.verdict}${r.reasons.length ? `: ${r.reasons.join('; ')}` : ''} |`;
}

const HEADER = [
  '| mode | calls | consumers | worker CPU % | worker core busy % | Node CPU % | recorder CPU % per call | generator CPU % | other cores busy % | memory MiB per call (Node RSS + worker RSS + recorder PSS, MiB) | Mbit/s in / out | loss % (ingress/forwarding/kernel) | generator sent % of due | verdict |',
  '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|',
];

async function ramp(mode: 'stack' | 'bare', args: Args, clip: string): Promise<RampResult> {
  const limitSeconds = args.steps.length * (args.seconds + args.warmup + 120) + 300;
  const replay = await RtpReplay.start(clip, limitSeconds);
  let driver: CapacityDriver;
  let closeApp = async () => {};
  if (mode === 'stack') {
    const app = await StackDriver.startApp();
    driver = StackDriver.create(app, replay);
    closeApp = async () => {
      await app.close();
      rmSync(app.config.dataDir, { recursive: true, force: true });
    };
  } else {
    driver = BareDriver.create(await BareDriver.startWorker(), replay);
  }
  const tally = new MediaTally(driver.worker);
  const pinned = pin(driver.worker.pid, '0');
  say(`${mode}: mediasoup worker pid ${driver.worker.pid} ${pinned ? 'pinned to core 0' : 'NOT pinned (taskset failed)'}; generator pid ${replay.pid}`);
  await new Promise((r) => setTimeout(r, 1000));
  const baseline = { nodeRss: rssBytes(process.pid), workerRss: rssBytes(driver.worker.pid) };
  const steps: StepResult[] = [];
  let endedBy: RampResult['endedBy'] = 'steps exhausted';
  try {
    say(HEADER.join('\n'));
    for (const n of args.steps) {
      // A call holds two recording recorders (~11 MiB PSS each, ~50 MiB RSS): stop before a step would exhaust memory.
      const last = steps.at(-1);
      const need = last ? (n - driver.calls) * last.rssPerCallMiB * 2 ** 20 : 0;
      if (need > memAvailableBytes() - 2 * 2 ** 30) {
        say(`  (${mode}: ${n} calls would need ~${f(need / 2 ** 30)} GiB more; ${f(memAvailableBytes() / 2 ** 30)} GiB available: ramp stopped)`);
        endedBy = 'memory';
        break;
      }
      const t0 = performance.now();
      await driver.grow(n);
      say(`  (${mode}: ${driver.calls} calls up in ${f((performance.now() - t0) / 1000)} s; warming up ${args.warmup} s)`);
      await new Promise((r) => setTimeout(r, args.warmup * 1000));
      const r = await measureStep({ driver, tally, replay, seconds: args.seconds, workerCore: 0, baseline });
      steps.push(r);
      say(row(r));
      if (r.unexpectedEnds) say(`  calls that ended on their own: ${driver.unexpectedEnds.slice(-r.unexpectedEnds).join('; ')}`);
      if (r.verdict !== 'pass') {
        endedBy = r.verdict;
        break;
      }
    }
  } finally {
    await driver.close();
    await replay.stop();
    await closeApp();
  }
  const passed = steps.filter((s) => s.verdict === 'pass');
  const last = passed.at(-1);
  return {
    mode,
    callsPerCore: last?.calls ?? null,
    endedBy,
    projectedAtWorkerLimit: last && last.workerCpuPct > 0 ? Math.floor((last.calls * LIMITS.workerCpuPct) / last.workerCpuPct) : null,
    steps,
  };
}

async function main(): Promise<void> {
  const args = parse();
  const cores = os.cpus().length;
  // Everything but the worker (this process, and what it starts from now on) off core 0.
  const rest = cores > 1 ? `1-${cores - 1}` : '0';
  const pinnedSelf = pin(process.pid, rest);
  const info = machine(mediasoup.version);
  say(`machine: ${info.cpu}, ${info.cores} cores, ${info.memoryGiB} GiB, ${info.kernel}, Node ${info.node}, mediasoup ${info.mediasoup}; load average ${info.loadAverage}`);
  say(`pinning: worker → core 0, this process + generator + recorders → cores ${rest}${pinnedSelf ? '' : ' (taskset failed: not pinned)'}${cores < 3 ? ' (2 cores: the non-worker core carries Node, every recorder and the generator)' : ''}`);
  const cache = path.join(os.tmpdir(), 'kv-bench-capacity');
  mkdirSync(cache, { recursive: true });
  const clipFile = await captureRtpClip(cache);
  const rates = clipKbps(JSON.parse(readFileSync(clipFile, 'utf8')) as RtpClip);
  say(`traffic per party: VP8 ${f(rates.video, 0)} kbit/s + Opus ${f(rates.audio, 0)} kbit/s (RTP, ${f(rates.packetsPerSecond, 0)} packets/s), plain RTP from one generator process`);
  say(`loss = the worst of: ingress (sequence gaps the worker saw / packets expected), forwarding (1 − consumer packets sent / their producers' packets received), kernel (UDP buffer drops on the machine / packets in the window). Limits: loss ≤ ${LIMITS.lossPct} %, worker CPU ≤ ${LIMITS.workerCpuPct} %; a step where the generator fell behind or the other cores were saturated is machine-limited, not a pass.`);

  if (args.soak) {
    const soak = await runSoak({ calls: args.soakCalls, minutes: args.soakMinutes, clip: clipFile, say });
    if (args.json) console.log(JSON.stringify({ machine: info, soak }, null, 2));
    return;
  }

  const modes: Array<'stack' | 'bare'> = !args.ramp ? [] : args.compare ? ['bare', 'stack'] : [args.bare ? 'bare' : 'stack'];
  const results: RampResult[] = [];
  for (const mode of modes) {
    say(`\n${mode === 'stack' ? 'whole stack (control plane, recorder processes, hidden officers)' : 'bare mediasoup (same transports, producers and consumers; no control plane, no recorder processes)'}: steps ${args.steps.join(', ')}, ${args.seconds} s each after ${args.warmup} s warm-up`);
    results.push(await ramp(mode, args, clipFile));
  }
  // With --json, stdout carries the JSON object only; the tables go to stderr.
  const out = args.json ? say : (line: string) => console.log(line);
  const loadEnd = os.loadavg().map((l) => l.toFixed(2)).join(' ');
  out(`\nmachine: ${info.cpu}, ${info.cores} cores, ${info.kernel}, Node ${info.node}, mediasoup ${info.mediasoup}; load average at start ${info.loadAverage}, at end ${loadEnd}`);
  if (results.length) out(HEADER.join('\n'));
  for (const r of results) for (const s of r.steps) out(row(s));
  for (const r of results) {
    out(`${r.mode}: calls per core ${r.callsPerCore ?? 'none passed'} (ramp ended: ${r.endedBy}); worker CPU of the last passing step projects to ${r.projectedAtWorkerLimit ?? '–'} calls at ${LIMITS.workerCpuPct} %`);
  }
  const bare = results.find((r) => r.mode === 'bare');
  const stack = results.find((r) => r.mode === 'stack');
  let ratio: number | null = null;
  const perCallRatios: Array<{ calls: number; stackOverBareWorkerCpu: number }> = [];
  if (bare && stack) {
    if (bare.callsPerCore && stack.callsPerCore) ratio = stack.callsPerCore / bare.callsPerCore;
    for (const s of stack.steps) {
      const b = bare.steps.find((x) => x.calls === s.calls);
      if (b && b.workerCpuPct > 0) perCallRatios.push({ calls: s.calls, stackOverBareWorkerCpu: s.workerCpuPct / b.workerCpuPct });
    }
    out(`stack / bare calls per core: ${ratio === null ? '–' : f(ratio, 2)}×; worker CPU stack / bare at equal N: ${perCallRatios.map((x) => `${x.calls}: ${f(x.stackOverBareWorkerCpu, 2)}`).join(', ') || '–'}`);
  }
  let surcharge: (SurchargeResult & { estimatedWebRtcCallsPerCore: number | null; plainCpuPctPerCall: number }) | undefined;
  if (args.surcharge) {
    say(`\nWebRTC surcharge: ${args.surchargeCalls} call(s) of Chromium parties vs the same through plain RTP, each beside ${args.surchargeBackground} plain calls, ${args.seconds} s windows`);
    const s = await runSurcharge({ calls: args.surchargeCalls, background: args.surchargeBackground, seconds: args.seconds, clip: clipFile, say });
    // Calls per core with WebRTC parties: the ramp's plain CPU per call at its last passing step
    // (many calls: the worker's per-packet cost at that load), its party and officer share made
    // dearer by the measured factor. Without a ramp there is no such figure: a few calls' marginal
    // cost is several times what a call costs among a hundred.
    const lastPass = stack?.steps.filter((x) => x.verdict === 'pass').at(-1);
    const plainPerCall = lastPass ? lastPass.workerCpuPct / lastPass.calls : Number.NaN;
    const peerShare = s.plain.peerMbpsPerCall / (s.plain.mbps / s.calls);
    const perCall = plainPerCall * (1 + (s.factor - 1) * peerShare);
    surcharge = { ...s, plainCpuPctPerCall: plainPerCall, estimatedWebRtcCallsPerCore: perCall > 0 ? Math.floor(LIMITS.workerCpuPct / perCall) : null };
    out(`WebRTC surcharge (${s.calls} Chromium call(s) beside ${s.background} plain, ${f(s.seconds, 0)} s windows, increments over the background): worker +${f(s.webrtc.workerCpuPct, 2)} % for ${f(s.webrtc.webrtcMbps, 2)} Mbit/s on WebRTC transports + ${f(s.webrtc.plainMbps, 2)} Mbit/s to the recorders → ${f(s.webrtc.cpuPctPerMbps, 3)} % per Mbit/s on WebRTC; plain RTP: worker +${f(s.plain.workerCpuPct, 2)} % for ${f(s.plain.mbps, 2)} Mbit/s → ${f(s.plain.cpuPctPerMbps, 3)} % per Mbit/s; factor ${f(s.factor, 2)}×`);
    out(`  per call at the ramp's traffic (${f(s.plain.peerMbpsPerCall, 2)} Mbit/s on party + officer transports, ${f(100 * peerShare, 0)} % of it): +${f(s.surchargePctPerCall, 2)} % of a core at this load; ${lastPass ? `ramp step ${lastPass.calls}: plain ${f(plainPerCall, 3)} % per call → with WebRTC parties ${f(perCall, 3)} % → estimated WebRTC calls per core at ${LIMITS.workerCpuPct} %: ${surcharge.estimatedWebRtcCallsPerCore}` : 'run with a ramp (--surcharge after --compare or --steps) for the calls per core'}`);
    out(`  note: ${s.chromiumNote}; the increments are a few % of a core, so the background's own variation is visible in these figures`);
  }
  if (args.json) {
    const primary = stack ?? bare;
    console.log(JSON.stringify({
      callsPerCore: primary?.callsPerCore ?? null,
      mode: primary?.mode ?? null,
      steps: primary?.steps ?? [],
      endedBy: primary?.endedBy ?? null,
      projectedAtWorkerLimit: primary?.projectedAtWorkerLimit ?? null,
      ...(surcharge ? { surcharge } : {}),
      ...(bare && stack ? { bare: { callsPerCore: bare.callsPerCore, endedBy: bare.endedBy, projectedAtWorkerLimit: bare.projectedAtWorkerLimit, steps: bare.steps }, ratio, workerCpuRatioAtEqualCalls: perCallRatios } : {}),
      machine: { ...info, loadAverageEnd: loadEnd },
      traffic: { videoKbps: rates.video, audioKbps: rates.audio, transport: 'plain RTP' },
      limits: LIMITS,
    }));
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
