import * as mediasoup from 'mediasoup';
import type { types as ms } from 'mediasoup';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const mediaCodecs: ms.RouterRtpCodecCapability[] = [
  { kind: 'audio', mimeType: 'audio/opus', clockRate: 48000, channels: 2 },
  { kind: 'video', mimeType: 'video/VP8', clockRate: 90000 },
];

describe('mediasoup worker (installed binary)', () => {
  let worker: ms.Worker;
  beforeAll(async () => {
    worker = await mediasoup.createWorker({ logLevel: 'warn', rtcMinPort: 42000, rtcMaxPort: 42199 });
  });
  afterAll(() => worker.close());

  it('is the pinned mediasoup version', () => {
    expect(mediasoup.version).toBe('3.27.1');
    expect(worker.pid).toBeGreaterThan(0);
  });

  it('creates a router, WebRtcTransport (UDP + TCP) and PlainTransport on loopback, and routes a producer to a consumer', async () => {
    const router = await worker.createRouter({ mediaCodecs });
    expect(router.rtpCapabilities.codecs?.map((c) => c.mimeType)).toEqual(expect.arrayContaining(['audio/opus', 'video/VP8']));
    const webRtc = await router.createWebRtcTransport({
      listenInfos: [
        { protocol: 'udp', ip: '127.0.0.1' },
        { protocol: 'tcp', ip: '127.0.0.1' },
      ],
    });
    expect(webRtc.iceCandidates.map((c) => `${c.protocol}:${c.address}`).sort()).toEqual(['tcp:127.0.0.1', 'udp:127.0.0.1']);
    expect(webRtc.dtlsParameters.fingerprints.length).toBeGreaterThan(0);
    const plain = await router.createPlainTransport({ listenInfo: { protocol: 'udp', ip: '127.0.0.1' }, rtcpMux: true, comedia: true });
    expect(plain.tuple.localPort).toBeGreaterThanOrEqual(42000);
    const producer = await plain.produce({
      kind: 'video',
      rtpParameters: { codecs: [{ mimeType: 'video/VP8', clockRate: 90000, payloadType: 101 }], encodings: [{ ssrc: 2222 }] },
    });
    const consumer = await webRtc.consume({ producerId: producer.id, rtpCapabilities: router.rtpCapabilities });
    expect(consumer.kind).toBe('video');
    expect(consumer.rtpParameters.codecs[0]?.mimeType).toBe('video/VP8');
    router.close();
    expect(webRtc.closed && plain.closed && consumer.closed).toBe(true);
  });
});
