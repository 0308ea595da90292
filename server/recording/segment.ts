import type { types as ms } from 'mediasoup';
import { FfmpegProcess } from './ffmpeg-process.ts';
import { recordingSdp, type SdpMedia } from './sdp.ts';
import { finaliseWebm } from './finalise.ts';
import { freeRtpPortPair, type PortRange } from './udp-ports.ts';

export interface PartyProducers {
  audio?: ms.Producer;
  video?: ms.Producer;
}

/**
 * Whether a producer can go into a new file now. A paused camera cannot: ffmpeg needs its first
 * frames to write the file header (it would die probing). It joins the party's next segment when
 * it resumes. A track pausing inside a running file is only a pause.
 */
export function canStartRecording(producer: ms.Producer): boolean {
  return !producer.closed && !(producer.kind === 'video' && producer.paused);
}

// The first key frame can be lost while ffmpeg probes its input: ask once more.
const SECOND_KEY_FRAME_MS = 1500;

/**
 * One continuous recording file of one party: a PlainTransport + Consumer per track, sending
 * to one ffmpeg on loopback. A new segment starts whenever the party reconnects or ffmpeg dies.
 */
export class Segment {
  readonly #transports: ms.PlainTransport[];
  readonly #consumers: ms.Consumer[];
  readonly #file: string;
  readonly #ffmpegPath: string;
  readonly ffmpeg: FfmpegProcess;
  readonly startedAt: Date;
  /** What this file holds, in file order: the kinds and the producers they come from. */
  readonly tracks: ReadonlyArray<{ kind: ms.MediaKind; producerId: string }>;
  #keyFrameTimer: NodeJS.Timeout | undefined;

  private constructor(transports: ms.PlainTransport[], consumers: ms.Consumer[], ffmpeg: FfmpegProcess, file: string, ffmpegPath: string) {
    this.#transports = transports;
    this.#consumers = consumers;
    this.tracks = consumers.map((c) => ({ kind: c.kind, producerId: c.producerId }));
    this.#file = file;
    this.#ffmpegPath = ffmpegPath;
    this.ffmpeg = ffmpeg;
    this.startedAt = new Date();
  }

  static async create(options: { router: ms.Router; producers: PartyProducers; file: string; ffmpegPath: string; mediaPorts?: PortRange }): Promise<Segment> {
    const tracks = (['audio', 'video'] as const).flatMap((kind) => {
      const producer = options.producers[kind];
      return producer && canStartRecording(producer) ? [producer] : [];
    });
    if (tracks.length === 0) throw new Error('nothing to record: party has no audio or video producer');
    const transports: ms.PlainTransport[] = [];
    const consumers: ms.Consumer[] = [];
    let ffmpeg: FfmpegProcess | undefined;
    try {
      const media: SdpMedia[] = [];
      for (const producer of tracks) {
        const transport = await options.router.createPlainTransport({
          listenInfo: { protocol: 'udp', ip: '127.0.0.1' },
          rtcpMux: false,
          comedia: false,
          appData: { purpose: 'recording' },
        });
        transports.push(transport);
        const port = await freeRtpPortPair(options.mediaPorts);
        await transport.connect({ ip: '127.0.0.1', port, rtcpPort: port + 1 });
        const consumer = await transport.consume({ producerId: producer.id, rtpCapabilities: options.router.rtpCapabilities, paused: true });
        consumers.push(consumer);
        media.push({ kind: producer.kind, port, rtpParameters: consumer.rtpParameters });
      }
      ffmpeg = await FfmpegProcess.start({ ffmpegPath: options.ffmpegPath, sdp: recordingSdp(media), file: options.file, firstPort: media[0]!.port });
      const segment = new Segment(transports, consumers, ffmpeg, options.file, options.ffmpegPath);
      for (const c of consumers) await c.resume();
      await segment.#requestKeyFrame();
      segment.#keyFrameTimer = setTimeout(() => void segment.#requestKeyFrame(), SECOND_KEY_FRAME_MS);
      return segment;
    } catch (err) {
      // e.g. resume() failed because the producer closed meanwhile: ffmpeg would wait for input forever.
      await ffmpeg?.stop();
      for (const t of transports) t.close();
      throw err;
    }
  }

  async #requestKeyFrame(): Promise<void> {
    for (const c of this.#consumers) {
      if (c.kind === 'video' && !c.closed) await c.requestKeyFrame().catch(() => {});
    }
  }

  /** True while this segment's ffmpeg writes the producer's media. */
  records(producerId: string): boolean {
    return this.ffmpeg.running && this.#consumers.some((c) => c.producerId === producerId && !c.closed);
  }

  /**
   * Lets ffmpeg finalise the file while media still flows (ffmpeg only notices SIGINT between
   * packets), then closes the transports. A file whose ffmpeg did not end cleanly (it died, or
   * its input had gone quiet) is rewritten so it carries its duration and index.
   */
  async stop(): Promise<void> {
    clearTimeout(this.#keyFrameTimer);
    const graceful = await this.ffmpeg.stop();
    for (const t of this.#transports) t.close();
    if (!graceful) await finaliseWebm(this.#ffmpegPath, this.#file);
  }
}
