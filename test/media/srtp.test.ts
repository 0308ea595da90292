import dgram from 'node:dgram';
import * as mediasoup from 'mediasoup';
import type { types as ms } from 'mediasoup';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// The libsrtp shim (server/install/mediasoup-worker/shims/libsrtp3) is our own code in the
// encryption path of the Debian-built worker: plain RTP goes into router 1, leaves through SRTP
// PlainTransport B, enters router 2 through SRTP PlainTransport C. Packets counted at C's producer
// prove B encrypted and C decrypted; with a wrong key C must deliver nothing.
const suites: ms.SrtpCryptoSuite[] = ['AES_CM_128_HMAC_SHA1_80', 'AES_CM_128_HMAC_SHA1_32', 'AEAD_AES_128_GCM', 'AEAD_AES_256_GCM'];
const mediaCodecs: ms.RouterRtpCodecCapability[] = [{ kind: 'audio', mimeType: 'audio/opus', clockRate: 48000, channels: 2 }];
const listenInfo: ms.TransportListenInfo = { protocol: 'udp', ip: '127.0.0.1' };
const PACKETS = 50;

describe('SRTP through PlainTransports', () => {
  let worker: ms.Worker;
  let r1: ms.Router;
  let r2: ms.Router;
  let source: ms.PlainTransport;
  let producer: ms.Producer;
  let socket: dgram.Socket;
  let seq = 0;

  beforeAll(async () => {
    worker = await mediasoup.createWorker({ logLevel: 'warn', rtcMinPort: 42200, rtcMaxPort: 42399 });
    r1 = await worker.createRouter({ mediaCodecs });
    r2 = await worker.createRouter({ mediaCodecs });
    source = await r1.createPlainTransport({ listenInfo, rtcpMux: true, comedia: true });
    producer = await source.produce({
      kind: 'audio',
      rtpParameters: { codecs: [{ mimeType: 'audio/opus', clockRate: 48000, channels: 2, payloadType: 100 }], encodings: [{ ssrc: 1111 }] },
    });
    socket = dgram.createSocket('udp4');
  });
  afterAll(() => {
    socket.close();
    worker.close();
  });

  async function sendPlainRtp(count: number): Promise<void> {
    for (let i = 0; i < count; i++) {
      const pkt = Buffer.alloc(12 + 40, 0xab);
      seq++;
      pkt[0] = 0x80;
      pkt[1] = 100;
      pkt.writeUInt16BE(seq, 2);
      pkt.writeUInt32BE(seq * 960, 4);
      pkt.writeUInt32BE(1111, 8);
      await new Promise<void>((resolve, reject) => socket.send(pkt, source.tuple.localPort, '127.0.0.1', (e) => (e ? reject(e) : resolve())));
      await new Promise((r) => setTimeout(r, 4));
    }
    await new Promise((r) => setTimeout(r, 300));
  }

  async function packetsThrough(suite: ms.SrtpCryptoSuite, corruptKey: boolean): Promise<{ received: number; bytesSent: number }> {
    const b = await r1.createPlainTransport({ listenInfo, rtcpMux: true, enableSrtp: true, srtpCryptoSuite: suite });
    const c = await r2.createPlainTransport({ listenInfo, rtcpMux: true, enableSrtp: true, srtpCryptoSuite: suite });
    try {
      await b.connect({ ip: c.tuple.localAddress ?? '127.0.0.1', port: c.tuple.localPort, srtpParameters: c.srtpParameters! });
      const key = Buffer.from(b.srtpParameters!.keyBase64, 'base64');
      if (corruptKey) key[0]! ^= 0xff;
      await c.connect({ ip: '127.0.0.1', port: b.tuple.localPort, srtpParameters: { cryptoSuite: suite, keyBase64: key.toString('base64') } });
      const consumer = await b.consume({ producerId: producer.id, rtpCapabilities: r1.rtpCapabilities });
      const relayed = await c.produce({ kind: 'audio', rtpParameters: consumer.rtpParameters });
      await sendPlainRtp(PACKETS);
      const received = (await relayed.getStats()).reduce((n, s) => n + (s.packetCount ?? 0), 0);
      const bytesSent = (await b.getStats())[0]?.bytesSent ?? 0;
      return { received, bytesSent };
    } finally {
      b.close();
      c.close();
    }
  }

  it.each(suites)('%s delivers encrypted packets end to end', async (suite) => {
    const { received, bytesSent } = await packetsThrough(suite, false);
    expect(bytesSent).toBeGreaterThan(0);
    expect(received).toBeGreaterThanOrEqual(PACKETS * 0.8);
  });

  it.each(suites)('%s with a wrong key delivers nothing', async (suite) => {
    const { received, bytesSent } = await packetsThrough(suite, true);
    expect(bytesSent).toBeGreaterThan(0);
    expect(received).toBe(0);
  });
});
