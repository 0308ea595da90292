import type { types as ms } from 'mediasoup';
import { finaliseWebm } from './finalise.ts';
import { RecorderProcess } from './recorder-process.ts';

export interface PartyProducers {
  audio?: ms.Producer;
  video?: ms.Producer;
}

/**
 * Whether a producer can go into a new file now. A paused camera cannot: the file's header needs
 * the picture size from its first key frame. It joins the party's next segment when it resumes.
 * A track pausing inside a running file is only a pause.
 */
export function canStartRecording(producer: ms.Producer): boolean {
  return !producer.closed && !(producer.kind === 'video' && producer.paused);
}

/**
 * One continuous recording file of one party: a PlainTransport + Consumer per track, sending
 * to one recorder process on loopback. A new segment starts whenever the party reconnects or the
 * recorder dies. The recorder asks for key frames itself while it waits for one (RTCP PLI).
 */
export class Segment {
  readonly #transports: ms.PlainTransport[];
  readonly #consumers: ms.Consumer[];
  readonly #file: string;
  readonly #ffmpegPath: string;
  readonly recorder: RecorderProcess;
  readonly startedAt: Date;
  /** What this file holds, in file order: the kinds and the producers they come from. */
  readonly tracks: ReadonlyArray<{ kind: ms.MediaKind; producerId: string }>;

  private constructor(transports: ms.PlainTransport[], consumers: ms.Consumer[], recorder: RecorderProcess, file: string, ffmpegPath: string) {
    this.#transports = transports;
    this.#consumers = consumers;
    this.tracks = consumers.map((c) => ({ kind: c.kind, producerId: c.producerId }));
    this.#file = file;
    this.#ffmpegPath = ffmpegPath;
    this.recorder = recorder;
    this.startedAt = new Date();
  }

  static async create(options: { router: ms.Router; producers: PartyProducers; file: string; recorderPath: string; ffmpegPath: string }): Promise<Segment> {
    const tracks = (['audio', 'video'] as const).flatMap((kind) => {
      const producer = options.producers[kind];
      return producer && canStartRecording(producer) ? [producer] : [];
    });
    if (tracks.length === 0) throw new Error('nothing to record: party has no audio or video producer');
    const transports: ms.PlainTransport[] = [];
    const consumers: ms.Consumer[] = [];
    let recorder: RecorderProcess | undefined;
    try {
      for (const producer of tracks) {
        const transport = await options.router.createPlainTransport({
          listenInfo: { protocol: 'udp', ip: '127.0.0.1' },
          rtcpMux: true,
          comedia: false,
          appData: { purpose: 'recording' },
        });
        transports.push(transport);
        consumers.push(await transport.consume({ producerId: producer.id, rtpCapabilities: options.router.rtpCapabilities, paused: true }));
      }
      recorder = await RecorderProcess.start({ recorderPath: options.recorderPath, file: options.file, tracks: consumers.map((c, i) => ({ kind: c.kind, rtpParameters: c.rtpParameters, senderPort: transports[i]!.tuple.localPort })) });
      for (const [i, transport] of transports.entries()) await transport.connect({ ip: '127.0.0.1', port: recorder.ports[i]! });
      const segment = new Segment(transports, consumers, recorder, options.file, options.ffmpegPath);
      // A video consumer asks its producer for a key frame when it resumes.
      for (const c of consumers) await c.resume();
      return segment;
    } catch (err) {
      // e.g. resume() failed because the producer closed meanwhile: the recorder would wait for input forever.
      await recorder?.stop();
      for (const t of transports) t.close();
      throw err;
    }
  }

  /** True while this segment's recorder writes the producer's media. */
  records(producerId: string): boolean {
    return this.recorder.running && this.#consumers.some((c) => c.producerId === producerId && !c.closed);
  }

  /**
   * Lets the recorder finalise the file, then closes the transports. A file whose recorder did not
   * end cleanly (it died or hung) is rewritten by ffmpeg so it carries its duration and index.
   */
  async stop(): Promise<void> {
    const graceful = await this.recorder.stop();
    for (const t of this.#transports) t.close();
    if (!graceful) await finaliseWebm(this.#ffmpegPath, this.#file);
  }
}
