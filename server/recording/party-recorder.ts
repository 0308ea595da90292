import path from 'node:path';
import type { types as ms } from 'mediasoup';
import type { Logger } from '../logging/logger.ts';
import type { RecordingJournal } from './journal.ts';
import { Segment, type PartyProducers } from './segment.ts';

/** interrupted: the server stopped without finalising it (set by the recovery pass at the next start). */
export type SegmentEndReason = 'stopped' | 'ffmpeg_died' | 'reconnected' | 'interrupted';

export interface SegmentRecord {
  party: string;
  index: number;
  /** File name inside the visit's recording folder. */
  file: string;
  startedAt: string;
  endedAt: string;
  endReason: SegmentEndReason;
}

export interface GapRecord {
  party: string;
  from: string;
  to: string;
  /** server_restarted: between an earlier recording of the visit (its server stopped or died) and this one. */
  reason: 'ffmpeg_died' | 'reconnected' | 'server_restarted';
}

export interface PartyRecorderOptions {
  router: ms.Router;
  /** File-name-safe party id, e.g. "booth" or "family-<visitorId>". */
  party: string;
  dir: string;
  ffmpegPath: string;
  logger: Logger;
  /** A later segment could not be started (or closed): the party is no longer recorded. */
  onFailure?: (err: Error) => void;
  /** Segment starts and ends, for the recovery pass if the server dies before the manifest. */
  journal?: RecordingJournal;
  /** Number of the first segment (default 1): a visit recorded again after a restart continues after its earlier files. */
  firstIndex?: number;
}

interface Current {
  segment: Segment;
  file: string;
}

const MAX_RESTARTS = 20;

/**
 * Records one party of a call as a series of segments. Segment changes (ffmpeg died, party
 * reconnected, stop) run one at a time through a queue, so they never interleave.
 */
export class PartyRecorder {
  readonly #options: PartyRecorderOptions;
  #router: ms.Router;
  #producers: PartyProducers;
  #current: Current | undefined;
  #restarts = 0;
  #mediaLostAt: Date | undefined;
  #stopped = false;
  #queue: Promise<void> = Promise.resolve();
  readonly segments: SegmentRecord[] = [];
  readonly gaps: GapRecord[] = [];

  private constructor(options: PartyRecorderOptions, producers: PartyProducers) {
    this.#options = options;
    this.#router = options.router;
    this.#producers = producers;
  }

  /** Starts the first segment; rejects if recording cannot start (the caller decides to fail closed). */
  static async create(options: PartyRecorderOptions & { producers: PartyProducers }): Promise<PartyRecorder> {
    const recorder = new PartyRecorder(options, options.producers);
    await recorder.#startSegment();
    return recorder;
  }

  get party(): string {
    return this.#options.party;
  }

  /** The call moved to a new router (worker died): the next segment is created there. */
  useRouter(router: ms.Router): void {
    this.#router = router;
  }

  async #startSegment(): Promise<void> {
    const number = (this.#options.firstIndex ?? 1) + this.segments.length;
    const file = `${this.party}-${String(number).padStart(3, '0')}.webm`;
    const segment = await Segment.create({
      router: this.#router,
      producers: this.#producers,
      file: path.join(this.#options.dir, file),
      ffmpegPath: this.#options.ffmpegPath,
    });
    const current = { segment, file };
    this.#current = current;
    await this.#options.journal?.append({ type: 'segment', party: this.party, index: number, file, startedAt: segment.startedAt.toISOString(), ffmpegPid: segment.ffmpeg.pid });
    this.#mediaLostAt = undefined;
    for (const producer of [this.#producers.audio, this.#producers.video]) {
      if (!producer) continue;
      producer.observer.once('close', () => (this.#mediaLostAt ??= new Date()));
    }
    segment.ffmpeg.once('died', (info) => {
      this.#options.logger.error(
        { party: this.party, file, code: info.code, signal: info.signal, stderr: info.stderr.slice(-300) },
        'recording ffmpeg died, starting a new segment',
      );
      void this.#enqueue(() => this.#replace(current, 'ffmpeg_died'));
    });
  }

  #enqueue(step: () => Promise<void>): Promise<void> {
    this.#queue = this.#queue.then(step).catch((err: unknown) => {
      this.#options.logger.error({ party: this.party, err: (err as Error).message }, 'recording segment change failed');
      this.#options.onFailure?.(err instanceof Error ? err : new Error(String(err)));
    });
    return this.#queue;
  }

  async #finish(current: Current, endReason: SegmentEndReason): Promise<void> {
    await current.segment.stop();
    const endedAt = new Date().toISOString();
    this.segments.push({
      party: this.party,
      index: (this.#options.firstIndex ?? 1) + this.segments.length,
      file: current.file,
      startedAt: current.segment.startedAt.toISOString(),
      endedAt,
      endReason,
    });
    await this.#options.journal?.append({ type: 'segmentEnded', file: current.file, endedAt, endReason });
  }

  async #replace(old: Current, reason: 'ffmpeg_died' | 'reconnected'): Promise<void> {
    if (this.#current !== old || this.#stopped) return;
    const gapFrom = this.#mediaLostAt ?? new Date();
    this.#current = undefined;
    await this.#finish(old, reason);
    if (this.#restarts++ >= MAX_RESTARTS) {
      this.#options.logger.error({ party: this.party, restarts: MAX_RESTARTS }, 'recording gave up after too many restarts');
      this.#options.onFailure?.(new Error(`recording of ${this.party} gave up after ${MAX_RESTARTS} restarts`));
      return;
    }
    await this.#startSegment();
    const gap: GapRecord = { party: this.party, from: gapFrom.toISOString(), to: this.#current!.segment.startedAt.toISOString(), reason };
    this.gaps.push(gap);
    await this.#options.journal?.append({ type: 'gap', gap });
  }

  /** The party came back with new producers: close this segment, open the next. */
  reconnected(producers: PartyProducers): Promise<void> {
    return this.#enqueue(async () => {
      this.#producers = producers;
      if (this.#current) await this.#replace(this.#current, 'reconnected');
      else if (!this.#stopped) await this.#startSegment();
    });
  }

  /** Ends recording; the last file is finalised when this resolves. */
  stop(): Promise<void> {
    return this.#enqueue(async () => {
      if (this.#stopped) return;
      this.#stopped = true;
      const last = this.#current;
      this.#current = undefined;
      if (last) await this.#finish(last, 'stopped');
    });
  }
}
