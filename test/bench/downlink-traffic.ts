/**
 * The synthetic parties and viewers of bench:downlink, in a process of their own so that their
 * CPU is not counted as the server's. Senders: simulcast VP8 (3 SSRCs, temporal layers 0–2,
 * periodic key frames, one packet per frame) with a Sender Report per SSRC every second, into the
 * producers' PlainTransports. Viewers: one UDP socket per viewer transport that counts what the
 * SFU forwards and answers with a Receiver Report per SSRC every second, as a browser does; a
 * share of the packets (`loss`) is counted as lost, as if the viewer's link dropped them.
 * Driven over IPC by test/bench/downlink.ts; loopback only; ends with its parent.
 */
import dgram from 'node:dgram';
import { z } from 'zod';

const Setup = z.object({
  type: z.literal('setup'),
  fps: z.number().min(1).max(30),
  loss: z.number().min(0).max(1),
  senders: z.array(z.object({ port: z.number().int().min(1).max(65535), ssrcs: z.array(z.number().int().nonnegative()).length(3) })).max(2000),
  viewers: z.number().int().min(0).max(4000),
});

const TICK_MS = 20;
/** never outlive a stuck parent by long */
const MAX_LIFETIME_MS = 30 * 60_000;
const PAYLOAD_BYTES = 900;
const KEY_FRAME_EVERY = 10;

interface SsrcState {
  seq: number;
  tsBase: number;
  packets: number;
  octets: number;
}

interface Received {
  baseSeq: number;
  maxSeq: number;
  cycles: number;
  received: number;
  lastExpected: number;
  lastReceived: number;
  seenAtMs: number;
}

const send = (msg: unknown) => process.send?.(msg);
process.on('disconnect', () => process.exit(0));
setTimeout(() => process.exit(0), MAX_LIFETIME_MS).unref();

process.once('message', (raw) => {
  const setup = Setup.parse(raw);
  void start(setup);
});

async function start(setup: z.infer<typeof Setup>): Promise<void> {
  const socket = dgram.createSocket('udp4');
  await new Promise<void>((r) => socket.bind(0, '127.0.0.1', r));
  const startedMs = Date.now();
  const states = setup.senders.map((s) => s.ssrcs.map((): SsrcState => ({ seq: rand16(), tsBase: rand32(), packets: 0, octets: 0 })));
  const frameEveryTicks = Math.max(1, Math.round(1000 / setup.fps / TICK_MS));
  const payload = Buffer.alloc(PAYLOAD_BYTES, 0x5a);
  let tick = 0;
  let frame = 0;
  const sendTimer = setInterval(() => {
    tick++;
    // Senders are spread over the ticks of a frame interval, so the SFU sees a steady stream, not bursts.
    const slot = tick % frameEveryTicks;
    if (slot === 0) frame++;
    const nowMs = Date.now();
    const ts90k = Math.round((nowMs - startedMs) * 90);
    for (let i = slot; i < setup.senders.length; i += frameEveryTicks) {
      const sender = setup.senders[i]!;
      for (let e = 0; e < 3; e++) {
        const st = states[i]![e]!;
        const pkt = vp8Packet(st, sender.ssrcs[e]!, (st.tsBase + ts90k) >>> 0, frame, payload);
        st.packets++;
        st.octets += pkt.length - 12;
        socket.send(pkt, sender.port, '127.0.0.1');
      }
    }
  }, TICK_MS);
  const srTimer = setInterval(() => {
    const nowMs = Date.now();
    const ts90k = Math.round((nowMs - startedMs) * 90);
    setup.senders.forEach((sender, i) => {
      for (let e = 0; e < 3; e++) {
        const st = states[i]![e]!;
        socket.send(senderReport(sender.ssrcs[e]!, nowMs, (st.tsBase + ts90k) >>> 0, st.packets, st.octets), sender.port, '127.0.0.1');
      }
    });
  }, 1_000);

  const viewers: Array<{ socket: dgram.Socket; streams: Map<number, Received> }> = [];
  for (let v = 0; v < setup.viewers; v++) {
    const s = dgram.createSocket('udp4');
    await new Promise<void>((r) => s.bind(0, '127.0.0.1', r));
    const streams = new Map<number, Received>();
    s.on('message', (msg) => receive(msg, streams, setup.loss));
    viewers.push({ socket: s, streams });
  }
  const viewerPorts = viewers.map((v) => v.socket.address().port);
  const remotes = new Map<number, number>();
  process.on('message', (raw) => {
    const m = z.object({ type: z.literal('viewerRemotes'), remotes: z.array(z.tuple([z.number().int(), z.number().int().min(1).max(65535)])) }).safeParse(raw);
    if (m.success) for (const [viewer, port] of m.data.remotes) remotes.set(viewer, port);
  });
  const rrTimer = setInterval(() => {
    const nowMs = Date.now();
    viewers.forEach((v, i) => {
      const port = remotes.get(i);
      if (port === undefined) return;
      for (const [ssrc, r] of v.streams) {
        if (nowMs - r.seenAtMs > 3_000) {
          v.streams.delete(ssrc);
          continue;
        }
        v.socket.send(receiverReport(ssrc, r), port, '127.0.0.1');
      }
    });
  }, 1_000);
  process.on('exit', () => [sendTimer, srTimer, rrTimer].forEach(clearInterval));
  send({ type: 'ready', viewerPorts });
}

function receive(msg: Buffer, streams: Map<number, Received>, loss: number): void {
  if (msg.length < 12 || msg[0]! >> 6 !== 2) return;
  const pt = msg[1]! & 0x7f;
  if (pt >= 64 && pt <= 95) return; // RTCP (the SFU's Sender Reports)
  const seq = msg.readUInt16BE(2);
  const ssrc = msg.readUInt32BE(8);
  let r = streams.get(ssrc);
  if (!r) {
    r = { baseSeq: seq, maxSeq: seq, cycles: 0, received: 0, lastExpected: 0, lastReceived: 0, seenAtMs: 0 };
    streams.set(ssrc, r);
  }
  r.seenAtMs = Date.now();
  if (seq < r.maxSeq && r.maxSeq - seq > 0x8000) r.cycles += 0x10000;
  if (((seq - r.maxSeq) & 0xffff) < 0x8000) r.maxSeq = seq;
  if (Math.random() >= loss) r.received++;
}

function vp8Packet(st: SsrcState, ssrc: number, ts: number, frame: number, payload: Buffer): Buffer {
  const key = frame % KEY_FRAME_EVERY === 0;
  const tid = [0, 2, 1, 2][frame % 4]!;
  const pictureId = frame & 0x7fff;
  const header = Buffer.alloc(12 + 6 + 10);
  header[0] = 0x80;
  header[1] = 0x80 | 101; // marker: one packet per frame
  header.writeUInt16BE(st.seq, 2);
  st.seq = (st.seq + 1) & 0xffff;
  header.writeUInt32BE(ts, 4);
  header.writeUInt32BE(ssrc, 8);
  // VP8 payload descriptor: X, S, partition 0; I (15-bit picture id), L (TL0PICIDX), T (TID)
  header[12] = 0x90;
  header[13] = 0xe0;
  header[14] = 0x80 | (pictureId >> 8);
  header[15] = pictureId & 0xff;
  header[16] = Math.floor(frame / 4) & 0xff;
  header[17] = (tid << 6) | 0x20;
  // VP8 payload header: inverse key frame bit; a key frame carries the start code and 320x240
  header[18] = key ? 0x10 : 0x11;
  header[19] = 0x00;
  header[20] = 0x00;
  header.set([0x9d, 0x01, 0x2a, 0x40, 0x01, 0xf0, 0x00], 21);
  return Buffer.concat([header, payload]);
}

function senderReport(ssrc: number, nowMs: number, ts: number, packets: number, octets: number): Buffer {
  const b = Buffer.alloc(28);
  b[0] = 0x80;
  b[1] = 200;
  b.writeUInt16BE(6, 2);
  b.writeUInt32BE(ssrc, 4);
  const ntpSeconds = Math.floor(nowMs / 1000) + 2_208_988_800;
  b.writeUInt32BE(ntpSeconds >>> 0, 8);
  b.writeUInt32BE(Math.floor(((nowMs % 1000) / 1000) * 2 ** 32) >>> 0, 12);
  b.writeUInt32BE(ts, 16);
  b.writeUInt32BE(packets >>> 0, 20);
  b.writeUInt32BE(octets >>> 0, 24);
  return b;
}

function receiverReport(ssrc: number, r: Received): Buffer {
  const extMax = r.cycles + r.maxSeq;
  const expected = extMax - r.baseSeq + 1;
  const lost = Math.max(0, expected - r.received);
  const expectedInterval = expected - r.lastExpected;
  const lostInterval = expectedInterval - (r.received - r.lastReceived);
  r.lastExpected = expected;
  r.lastReceived = r.received;
  const fraction = expectedInterval <= 0 || lostInterval <= 0 ? 0 : Math.min(255, Math.floor((lostInterval * 256) / expectedInterval));
  const b = Buffer.alloc(32);
  b[0] = 0x81;
  b[1] = 201;
  b.writeUInt16BE(7, 2);
  b.writeUInt32BE(0x0b0b0b0b, 4);
  b.writeUInt32BE(ssrc, 8);
  b.writeUInt32BE((((fraction & 0xff) << 24) | (Math.min(lost, 0x7fffff) & 0xffffff)) >>> 0, 12);
  b.writeUInt32BE(extMax >>> 0, 16);
  // jitter, LSR, DLSR: 0 (no round-trip time; the controller does not use it)
  return b;
}

function rand16(): number {
  return Math.floor(Math.random() * 0x10000);
}

function rand32(): number {
  return Math.floor(Math.random() * 0x100000000) >>> 0;
}
