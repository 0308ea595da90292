/**
 * Cheap synthetic parties for benchmarks: a pre-encoded VP8 + Opus clip is packetised to RTP
 * once (ffmpeg -c copy -f rtp into local sockets, captured here), and ONE generator process
 * (rtp-replay-child.ts) replays it for every party with its own SSRCs, sequence numbers and
 * timestamps, paced in real time. One ffmpeg per party would cost a process and ~1 % of a core each.
 */
import { execFileSync, fork, spawn, type ChildProcess } from 'node:child_process';
import dgram from 'node:dgram';
import { existsSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { types as ms } from 'mediasoup';
import type { ReplayMessage, ReplayPartySpec, ReplayStats, RtpClip } from './rtp-replay-child.ts';

export type { ReplayStats };

const CHILD = path.join(path.dirname(fileURLToPath(import.meta.url)), 'rtp-replay-child.ts');

export const REPLAY_PAYLOAD_TYPES = { audio: 100, video: 101 } as const;

export interface ClipOptions {
  videoKbps?: number;
  audioKbps?: number;
  width?: number;
  height?: number;
  fps?: number;
  seconds?: number;
  /**
   * Key frame every this many seconds (default 1). The replay cannot answer PLI/FIR as a browser
   * does, so a new consumer or recorder waits for the clip's next key frame.
   */
  keyFrameSeconds?: number;
  ffmpegPath?: string;
}

function bindCapture(): Promise<{ socket: dgram.Socket; port: number; packets: Buffer[] }> {
  return new Promise((resolve, reject) => {
    const socket = dgram.createSocket('udp4');
    const packets: Buffer[] = [];
    socket.on('message', (m) => packets.push(Buffer.from(m)));
    socket.once('error', reject);
    socket.bind(0, '127.0.0.1', () => {
      socket.setRecvBufferSize(4 * 1024 * 1024);
      resolve({ socket, port: socket.address().port, packets });
    });
  });
}

function toStream(packets: Buffer[], clock: number): RtpClip['audio'] {
  // RTCP (packet types 200–204: 72–76 in the payload-type bits) is not part of the clip.
  const rtp = packets.filter((p) => p.length > 12 && p[0]! >> 6 === 2 && ((p[1]! & 0x7f) < 72 || (p[1]! & 0x7f) > 76));
  if (rtp.length < 10) throw new Error(`captured only ${rtp.length} RTP packets`);
  const ts0 = rtp[0]!.readUInt32BE(4);
  const rel = rtp.map((p) => (p.readUInt32BE(4) - ts0) >>> 0);
  const distinct = [...new Set(rel)].sort((a, b) => a - b);
  const steps = distinct.slice(1).map((t, i) => t - distinct[i]!).sort((a, b) => a - b);
  const frame = steps[Math.floor(steps.length / 2)] ?? clock / 50;
  return { clock, durationTicks: distinct.at(-1)! + frame, packets: rtp.map((p, i) => ({ t: rel[i]!, b64: p.toString('base64') })) };
}

/**
 * Encodes a test pattern + tone clip (VP8 at ~videoKbps, Opus at ~audioKbps) and captures its RTP
 * packets once (cached in `dir`). Returns the path of the clip's JSON.
 */
export async function captureRtpClip(dir: string, o: ClipOptions = {}): Promise<string> {
  const ffmpeg = o.ffmpegPath ?? 'ffmpeg';
  const v = { kbps: o.videoKbps ?? 500, w: o.width ?? 640, h: o.height ?? 360, fps: o.fps ?? 25 };
  const a = o.audioKbps ?? 48;
  const seconds = o.seconds ?? 10;
  const gop = Math.round((o.keyFrameSeconds ?? 1) * v.fps);
  const name = `rtp-clip-${v.w}x${v.h}-${v.fps}-${v.kbps}k-${a}k-${seconds}s-g${gop}`;
  const json = path.join(dir, `${name}.json`);
  if (existsSync(json)) return json;
  const webm = path.join(dir, `${name}.webm`);
  execFileSync(ffmpeg, ['-nostdin', '-loglevel', 'error', '-y',
    '-f', 'lavfi', '-i', `testsrc2=size=${v.w}x${v.h}:rate=${v.fps}`, '-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=48000', '-t', String(seconds),
    '-c:v', 'libvpx', '-deadline', 'good', '-cpu-used', '4', '-b:v', `${v.kbps}k`, '-minrate', `${v.kbps}k`, '-maxrate', `${v.kbps}k`, '-g', String(gop),
    '-c:a', 'libopus', '-b:a', `${a}k`, '-f', 'webm', webm]);
  const [vRtp, vRtcp, aRtp, aRtcp] = await Promise.all([bindCapture(), bindCapture(), bindCapture(), bindCapture()]);
  try {
    // Four times real time: paced enough that loopback drops nothing, short enough to wait for.
    const child = spawn(ffmpeg, ['-nostdin', '-loglevel', 'error', '-readrate', '4', '-i', webm,
      '-map', '0:v', '-c:v', 'copy', '-payload_type', '96', '-f', 'rtp', `rtp://127.0.0.1:${vRtp.port}?rtcpport=${vRtcp.port}&pkt_size=1200`,
      '-map', '0:a', '-c:a', 'copy', '-payload_type', '97', '-f', 'rtp', `rtp://127.0.0.1:${aRtp.port}?rtcpport=${aRtcp.port}`], { stdio: ['ignore', 'ignore', 'inherit'] });
    const code = await new Promise<number | null>((r) => child.once('exit', r));
    if (code !== 0) throw new Error(`ffmpeg packetising the clip exited with ${code}`);
    await new Promise((r) => setTimeout(r, 200));
    const clip: RtpClip = { video: toStream(vRtp.packets, 90000), audio: toStream(aRtp.packets, 48000) };
    writeFileSync(json, JSON.stringify(clip));
    return json;
  } finally {
    for (const c of [vRtp, vRtcp, aRtp, aRtcp]) c.socket.close();
  }
}

/** Rate of a captured clip (kbit/s per party, payload and RTP headers). */
export function clipKbps(clip: RtpClip): { audio: number; video: number; packetsPerSecond: number } {
  const rate = (s: RtpClip['audio']) => {
    const secs = s.durationTicks / s.clock;
    const bytes = s.packets.reduce((n, p) => n + Buffer.byteLength(p.b64, 'base64'), 0);
    return { kbps: (bytes * 8) / secs / 1000, pps: s.packets.length / secs };
  };
  const a = rate(clip.audio);
  const v = rate(clip.video);
  return { audio: a.kbps, video: v.kbps, packetsPerSecond: a.pps + v.pps };
}

/** The generator process: parties are added and removed while it runs. */
export class RtpReplay {
  readonly #child: ChildProcess;
  readonly #pending = new Map<number, (s: ReplayStats) => void>();
  #nextRequest = 1;
  #nextSsrc = 0x1000_0000 + Math.floor(Math.random() * 0x1000_0000);

  private constructor(child: ChildProcess) {
    this.#child = child;
    child.on('message', (m) => {
      const s = m as ReplayStats;
      if (typeof s.requestId === 'number') {
        this.#pending.get(s.requestId)?.(s);
        this.#pending.delete(s.requestId);
      }
    });
  }

  /** Starts the generator; it exits by itself after `limitSeconds` (a bound on any run). */
  static async start(clipJson: string, limitSeconds: number): Promise<RtpReplay> {
    const child = fork(CHILD, [clipJson, String(Math.ceil(limitSeconds))], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    await new Promise<void>((resolve, reject) => {
      child.once('message', () => resolve());
      child.once('exit', (code) => reject(new Error(`replay generator exited with ${code}`)));
    });
    child.removeAllListeners('exit');
    return new RtpReplay(child);
  }

  get pid(): number {
    return this.#child.pid!;
  }

  ssrc(): number {
    return this.#nextSsrc++ >>> 0;
  }

  add(parties: ReplayPartySpec[]): void {
    if (parties.length) this.#send({ type: 'add', parties });
  }

  remove(ids: string[]): void {
    if (ids.length) this.#send({ type: 'remove', ids });
  }

  stats(): Promise<ReplayStats> {
    const requestId = this.#nextRequest++;
    return new Promise((resolve) => {
      this.#pending.set(requestId, resolve);
      this.#send({ type: 'stats', requestId });
    });
  }

  #send(m: ReplayMessage): void {
    this.#child.send(m);
  }

  async stop(): Promise<void> {
    if (this.#child.exitCode !== null || this.#child.signalCode !== null) return;
    const exited = new Promise((r) => this.#child.once('exit', r));
    this.#child.kill('SIGKILL');
    await exited;
  }
}

/** A party's RTP parameters as the generator sends them (one SSRC per kind, no RTX, no extensions). */
export function replayRtpParameters(kind: ms.MediaKind, ssrc: number): ms.RtpParameters {
  const codec = kind === 'audio'
    ? { mimeType: 'audio/opus', clockRate: 48000, channels: 2, payloadType: REPLAY_PAYLOAD_TYPES.audio }
    : { mimeType: 'video/VP8', clockRate: 90000, payloadType: REPLAY_PAYLOAD_TYPES.video };
  return { codecs: [codec], encodings: [{ ssrc }], headerExtensions: [], rtcp: { cname: `replay-${ssrc}` } };
}

export interface ReplayParty {
  id: string;
  audio: ms.Producer;
  video: ms.Producer;
  stop(): Promise<void>;
}

let nextParty = 1;

/**
 * A party without the control plane: one comedia PlainTransport in `router` with an Opus and a
 * VP8 producer, fed by the generator (the recording benchmark's parties).
 */
export async function startReplayParty(router: ms.Router, replay: RtpReplay): Promise<ReplayParty> {
  const transport = await router.createPlainTransport({ listenInfo: { protocol: 'udp', ip: '127.0.0.1' }, rtcpMux: true, comedia: true });
  const ssrcs = { audio: replay.ssrc(), video: replay.ssrc() };
  const audio = await transport.produce({ kind: 'audio', rtpParameters: replayRtpParameters('audio', ssrcs.audio) });
  const video = await transport.produce({ kind: 'video', rtpParameters: replayRtpParameters('video', ssrcs.video) });
  const id = `party-${nextParty++}`;
  replay.add([replayPartySpec(id, transport.tuple.localPort, ssrcs)]);
  return {
    id,
    audio,
    video,
    async stop() {
      replay.remove([id]);
      transport.close();
    },
  };
}

export function replayPartySpec(id: string, port: number, ssrcs: { audio: number; video: number }): ReplayPartySpec {
  return {
    id,
    host: '127.0.0.1',
    port,
    audio: { ssrc: ssrcs.audio, payloadType: REPLAY_PAYLOAD_TYPES.audio },
    video: { ssrc: ssrcs.video, payloadType: REPLAY_PAYLOAD_TYPES.video },
  };
}
