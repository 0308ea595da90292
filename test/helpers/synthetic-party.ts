import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import type { types as ms } from 'mediasoup';

export interface SyntheticParty {
  audio: ms.Producer;
  video: ms.Producer;
  stop(): Promise<void>;
}

let nextSsrc = 10_000;

/**
 * A stand-in for a browser party: ffmpeg encodes a test pattern (VP8) and a tone (Opus) in real
 * time and sends them as RTP over loopback into PlainTransports of `router`.
 */
/**
 * Encodes a looping VP8 + Opus WebM once, so many parties can stream it with `-c copy` at almost
 * no CPU (live encoders would starve each other on 2 cores, e.g. in benchmarks).
 */
export function encodeSyntheticClip(dir: string, options: { ffmpegPath?: string; seconds?: number } = {}): string {
  const file = path.join(dir, 'synthetic-party.webm');
  execFileSync(options.ffmpegPath ?? 'ffmpeg', ['-nostdin', '-loglevel', 'error', '-y',
    '-f', 'lavfi', '-i', 'testsrc=size=320x240:rate=15', '-f', 'lavfi', '-i', 'sine=frequency=440', '-t', String(options.seconds ?? 10),
    '-c:v', 'libvpx', '-deadline', 'realtime', '-cpu-used', '8', '-b:v', '300k', '-g', '15', '-c:a', 'libopus', '-f', 'webm', file]);
  return file;
}

export async function startSyntheticParty(
  router: ms.Router,
  options: { ffmpegPath?: string; width?: number; height?: number; fps?: number; toneHz?: number; clip?: string } = {},
): Promise<SyntheticParty> {
  const listenInfo: ms.TransportListenInfo = { protocol: 'udp', ip: '127.0.0.1' };
  const audioIn = await router.createPlainTransport({ listenInfo, rtcpMux: false, comedia: true });
  const videoIn = await router.createPlainTransport({ listenInfo, rtcpMux: false, comedia: true });
  const audioSsrc = nextSsrc++;
  const videoSsrc = nextSsrc++;
  const audio = await audioIn.produce({
    kind: 'audio',
    rtpParameters: { codecs: [{ mimeType: 'audio/opus', clockRate: 48000, channels: 2, payloadType: 100 }], encodings: [{ ssrc: audioSsrc }] },
  });
  const video = await videoIn.produce({
    kind: 'video',
    rtpParameters: { codecs: [{ mimeType: 'video/VP8', clockRate: 90000, payloadType: 101 }], encodings: [{ ssrc: videoSsrc }] },
  });
  const size = `${options.width ?? 320}x${options.height ?? 240}`;
  // Inputs, then per output: which stream and how (copy from the clip, or encode live).
  const [inputs, videoOut, audioOut] = options.clip
    ? [['-stream_loop', '-1', '-re', '-i', options.clip], ['-map', '0:v', '-c:v', 'copy'], ['-map', '0:a', '-c:a', 'copy']]
    : [
        ['-re', '-f', 'lavfi', '-i', `testsrc=size=${size}:rate=${options.fps ?? 15}`, '-re', '-f', 'lavfi', '-i', `sine=frequency=${options.toneHz ?? 440}`],
        ['-map', '0:v', '-c:v', 'libvpx', '-deadline', 'realtime', '-cpu-used', '8', '-b:v', '300k', '-g', '15'],
        ['-map', '1:a', '-c:a', 'libopus'],
      ];
  const child: ChildProcess = spawn(
    options.ffmpegPath ?? 'ffmpeg',
    ['-nostdin', '-loglevel', 'error', ...inputs,
      ...videoOut, '-ssrc', String(videoSsrc), '-payload_type', '101', '-f', 'rtp', `rtp://127.0.0.1:${videoIn.tuple.localPort}?rtcpport=${videoIn.rtcpTuple!.localPort}&pkt_size=1200`,
      ...audioOut, '-ssrc', String(audioSsrc), '-payload_type', '100', '-f', 'rtp', `rtp://127.0.0.1:${audioIn.tuple.localPort}?rtcpport=${audioIn.rtcpTuple!.localPort}`],
    { stdio: ['ignore', 'ignore', 'inherit'] },
  );
  return {
    audio,
    video,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGKILL');
        await exited;
      }
      audioIn.close();
      videoIn.close();
    },
  };
}
