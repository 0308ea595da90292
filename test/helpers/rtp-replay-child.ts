/**
 * The replay generator's own process (see rtp-replay.ts): sends a captured VP8 + Opus clip as RTP
 * for many parties at once, each with its own SSRCs, sequence numbers and timestamps, paced in
 * real time from the clip's RTP timestamps. Runs in a separate process so its CPU is not the
 * server's; exits when the parent goes away or after its time limit.
 */
import dgram from 'node:dgram';
import { readFileSync } from 'node:fs';
import { z } from 'zod';

const clipStreamSchema = z.object({
  clock: z.number().int().positive(),
  /** RTP ticks of one pass of the clip (the loop period) */
  durationTicks: z.number().int().positive(),
  /** each packet: ticks since the stream's first packet, and the packet (base64, RTP header included) */
  packets: z.array(z.object({ t: z.number().int().nonnegative(), b64: z.string() })).min(1),
});
export const rtpClipSchema = z.object({ audio: clipStreamSchema, video: clipStreamSchema });
export type RtpClip = z.infer<typeof rtpClipSchema>;

const partySchema = z.object({
  id: z.string(),
  host: z.literal('127.0.0.1'),
  port: z.number().int().min(1).max(65535),
  audio: z.object({ ssrc: z.number().int(), payloadType: z.number().int().min(0).max(127) }),
  video: z.object({ ssrc: z.number().int(), payloadType: z.number().int().min(0).max(127) }),
});
export type ReplayPartySpec = z.infer<typeof partySchema>;

export const replayMessageSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('add'), parties: z.array(partySchema) }),
  z.object({ type: z.literal('remove'), ids: z.array(z.string()) }),
  z.object({ type: z.literal('stats'), requestId: z.number() }),
]);
export type ReplayMessage = z.infer<typeof replayMessageSchema>;

export interface ReplayStats {
  requestId: number;
  parties: number;
  /** packets sent / due by the schedule since the start (due includes skipped) */
  sent: number;
  bytes: number;
  due: number;
  /** packets dropped because the process fell more than MAX_LAG_MS behind (the machine could not keep pace) */
  skipped: number;
  /** worst lateness of a sent packet since the previous stats request, ms */
  maxLagMs: number;
}

/** Later than this a packet is skipped, not sent in a burst: a generator that cannot keep pace shows as a shortfall. */
const MAX_LAG_MS = 200;
const TICK_MS = 4;

interface Packet {
  t: number;
  bytes: Buffer;
}

interface Track {
  packets: Packet[];
  clock: number;
  durationTicks: number;
}

interface Stream {
  track: Track;
  ssrc: number;
  payloadType: number;
  /** index of the clip packet the stream started at (parties start at different places in the clip) */
  phase: number;
  /** packets sent or skipped so far */
  k: number;
  seqBase: number;
  tsBase: number;
  /** when packet k is due (ms, performance.now) */
  due: number;
  startMs: number;
}

interface Party {
  spec: ReplayPartySpec;
  streams: Stream[];
}

function track(s: RtpClip['audio']): Track {
  return { packets: s.packets.map((p) => ({ t: p.t, bytes: Buffer.from(p.b64, 'base64') })), clock: s.clock, durationTicks: s.durationTicks };
}

/** Ticks from the stream's start to its k-th packet. */
function offsetTicks(s: Stream, k: number): number {
  const n = s.track.packets.length;
  const g = s.phase + k;
  const at = s.track.packets[g % n]!.t + Math.floor(g / n) * s.track.durationTicks;
  return at - s.track.packets[s.phase]!.t;
}

function main(): void {
  const [clipFile, limitSeconds] = process.argv.slice(2);
  const clip = rtpClipSchema.parse(JSON.parse(readFileSync(clipFile!, 'utf8')));
  const audio = track(clip.audio);
  const video = track(clip.video);
  const socket = dgram.createSocket('udp4');
  const parties = new Map<string, Party>();
  let sent = 0;
  let bytes = 0;
  let skipped = 0;
  let maxLagMs = 0;
  let retiredDue = 0;

  const stream = (t: Track, ssrc: number, payloadType: number, now: number): Stream => {
    return {
      track: t, ssrc, payloadType, phase: Math.floor(Math.random() * t.packets.length), k: 0,
      seqBase: Math.floor(Math.random() * 65536), tsBase: Math.floor(Math.random() * 2 ** 32), due: now, startMs: now,
    };
  };

  const send = (p: Party, s: Stream, now: number): void => {
    const lag = now - s.due;
    if (lag > MAX_LAG_MS) skipped++;
    else {
      const n = s.track.packets.length;
      const src = s.track.packets[(s.phase + s.k) % n]!.bytes;
      const out = Buffer.allocUnsafe(src.length);
      src.copy(out);
      out[1] = (src[1]! & 0x80) | s.payloadType;
      out.writeUInt16BE((s.seqBase + s.k) & 0xffff, 2);
      out.writeUInt32BE((s.tsBase + offsetTicks(s, s.k)) >>> 0, 4);
      out.writeUInt32BE(s.ssrc >>> 0, 8);
      socket.send(out, p.spec.port, p.spec.host);
      sent++;
      bytes += out.length;
      if (lag > maxLagMs) maxLagMs = lag;
    }
    s.k++;
    s.due = s.startMs + (offsetTicks(s, s.k) * 1000) / s.track.clock;
  };

  const tick = (): void => {
    const now = performance.now();
    for (const p of parties.values()) for (const s of p.streams) while (s.due <= now) send(p, s, now);
  };

  process.on('message', (raw) => {
    const msg = replayMessageSchema.parse(raw);
    const now = performance.now();
    if (msg.type === 'add') {
      for (const spec of msg.parties) {
        parties.set(spec.id, { spec, streams: [stream(audio, spec.audio.ssrc, spec.audio.payloadType, now), stream(video, spec.video.ssrc, spec.video.payloadType, now)] });
      }
    } else if (msg.type === 'remove') {
      for (const id of msg.ids) {
        // Packets of removed parties stay counted in `due`.
        for (const s of parties.get(id)?.streams ?? []) retiredDue += s.k;
        parties.delete(id);
      }
    } else {
      let due = 0;
      for (const p of parties.values()) for (const s of p.streams) due += s.k;
      const stats: ReplayStats = { requestId: msg.requestId, parties: parties.size, sent, bytes, due: due + retiredDue, skipped, maxLagMs };
      maxLagMs = 0;
      process.send!(stats);
    }
  });

  socket.bind(0, '127.0.0.1', () => {
    socket.setSendBufferSize(4 * 1024 * 1024);
    const timer = setInterval(tick, TICK_MS);
    const limit = setTimeout(() => process.exit(0), Math.max(1, Number(limitSeconds)) * 1000);
    process.on('disconnect', () => {
      clearInterval(timer);
      clearTimeout(limit);
      process.exit(0);
    });
    process.send!({ ready: true, port: socket.address().port });
  });
}

main();
