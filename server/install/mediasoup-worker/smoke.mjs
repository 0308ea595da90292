// Install-time smoke test of the mediasoup worker binary: Worker, Router (Opus + VP8),
// WebRtcTransport and PlainTransport on 127.0.0.1, one producer and one consumer.
// Exits 0 and prints one line on success; exits 1 with the error otherwise.
import * as mediasoup from 'mediasoup';

const t0 = Date.now();
const worker = await mediasoup.createWorker({ logLevel: 'error', rtcMinPort: 49100, rtcMaxPort: 49199 });
try {
  const router = await worker.createRouter({
    mediaCodecs: [
      { kind: 'audio', mimeType: 'audio/opus', clockRate: 48000, channels: 2 },
      { kind: 'video', mimeType: 'video/VP8', clockRate: 90000 },
    ],
  });
  const webRtc = await router.createWebRtcTransport({ listenInfos: [{ protocol: 'udp', ip: '127.0.0.1' }] });
  const plain = await router.createPlainTransport({ listenInfo: { protocol: 'udp', ip: '127.0.0.1' }, rtcpMux: true, comedia: true });
  const producer = await plain.produce({
    kind: 'audio',
    rtpParameters: { codecs: [{ mimeType: 'audio/opus', clockRate: 48000, channels: 2, payloadType: 100 }], encodings: [{ ssrc: 1111 }] },
  });
  const consumer = await webRtc.consume({ producerId: producer.id, rtpCapabilities: router.rtpCapabilities });
  if (consumer.kind !== 'audio' || webRtc.iceCandidates.length === 0) throw new Error('unexpected transport state');
  console.log(`[mediasoup-worker] smoke test passed: mediasoup ${mediasoup.version}, worker pid ${worker.pid}, ${Date.now() - t0} ms`);
} finally {
  worker.close();
}
