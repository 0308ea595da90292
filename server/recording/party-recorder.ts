import path from 'node:path';
import type { types as ms } from 'mediasoup';
import type { Logger } from '../logging/logger.ts';
import type { RecordingJournal } from './journal.ts';
import { canStartRecording, Segment, type PartyProducers } from './segment.ts';

/** interrupted: the server stopped without finalising it (set by the recovery pass at the next start). */
export type SegmentEndReason = 'stopped' | 'recorder_died' | 'reconnected' | 'tracks_changed' | 'interrupted';
export type TrackKind = ms.MediaKind;

export interface SegmentRecord {
  party: string;
  index: number;
  /** File name inside the visit's recording folder. */
  file: string;
  startedAt: string;
  endedAt: string;
  endReason: SegmentEndReason;
  /** The kinds this file holds. */
  tracks: TrackKind[];
  /** Milliseconds from the recording's start (manifest startedAt, when the call opened) to this segment's start. */
  startOffsetMs: number;
}

export interface GapRecord {
  party: string;
  from: string;
  to: string;
  /** server_restarted: between an earlier recording of the visit (its server stopped or died) and this one. */
  reason: 'recorder_died' | 'reconnected' | 'server_restarted';
}

/** One kind a party produced during the call, and whether (and from when) it was recorded. */
export interface TrackRecord {
  kind: TrackKind;
  recorded: boolean;
  /** Milliseconds from the recording's start to the first segment holding this track; null: never recorded. */
  startOffsetMs: number | null;
}

export interface PartyRecorderOptions {
  router: ms.Router;
  /** File-name-safe party id, e.g. "booth" or "family-<visitorId>". */
  party: string;
  dir: string;
  recorderPath: string;
  /** repairs a file whose recorder did not end cleanly */
  ffmpegPath: string;
  logger: Logger;
  /** When the call's recording started: segment offsets are counted from here. */
  recordingStartedAt: Date;
  /** A later segment could not be started (or closed): the party is no longer recorded. */
  onFailure?: (err: Error) => void;
  /** Tracks, segment starts and ends, for the recovery pass if the server dies before the manifest. */
  journal?: RecordingJournal;
  /** Number of the first segment (default 1): a visit recorded again after a restart continues after its earlier files. */
  firstIndex?: number;
}

interface Current {
  segment: Segment;
  file: string;
  index: number;
}

const MAX_RESTARTS = 20;
const KINDS: readonly TrackKind[] = ['audio', 'video'];

/**
 * Records one party of a call as a series of segments, each holding the party's tracks that
 * existed when it started. A track added later (video after audio) starts a new segment holding
 * both before the old one stops, so no track loses media. Segment changes (tracks changed, recorder
 * died, party reconnected, stop) run one at a time through a queue, so they never interleave.
 */
export class PartyRecorder {
  readonly #options: PartyRecorderOptions;
  #router: ms.Router;
  #producers: PartyProducers = {};
  #current: Current | undefined;
  #restarts = 0;
  #mediaLostAt: Date | undefined;
  /** A segment ended while the party had no live media: the gap closes when its next segment starts. */
  #openGap: Omit<GapRecord, 'to' | 'party'> | undefined;
  #stopped = false;
  #queue: Promise<void> = Promise.resolve();
  /** Every kind the party produced; the time its recording began, once it did. */
  readonly #tracks = new Map<TrackKind, Date | undefined>();
  /** Cameras whose resume is watched (a camera paused when its file would start joins at its resume). */
  readonly #watchedResume = new WeakSet<ms.Producer>();
  readonly segments: SegmentRecord[] = [];
  readonly gaps: GapRecord[] = [];

  constructor(options: PartyRecorderOptions) {
    this.#options = options;
    this.#router = options.router;
  }

  get party(): string {
    return this.#options.party;
  }

  /** The party's tracks, audio first: every kind it produced, recorded or not. */
  get tracks(): TrackRecord[] {
    return KINDS.filter((k) => this.#tracks.has(k)).map((kind) => {
      const since = this.#tracks.get(kind);
      return { kind, recorded: since !== undefined, startOffsetMs: since ? this.#offset(since) : null };
    });
  }

  /** True while the current segment writes this producer's media. */
  recording(producerId: string): boolean {
    return !this.#stopped && (this.#current?.segment.records(producerId) ?? false);
  }

  /** The call moved to a new router (worker died): the next segment is created there. */
  useRouter(router: ms.Router): void {
    this.#router = router;
  }

  /**
   * The party's current producers. Its tracks count at once (a track never recorded makes the
   * recording incomplete); the segment change runs in the queue. Rejects if a segment cannot start.
   */
  update(producers: PartyProducers): Promise<void> {
    this.produced(producers);
    const video = producers.video;
    if (video && !this.#watchedResume.has(video)) {
      this.#watchedResume.add(video);
      video.observer.on('resume', () => {
        if (!this.#stopped && this.#producers.video === video && !this.recording(video.id)) void this.#report(this.#run(() => this.#apply(this.#producers)));
      });
    }
    return this.#run(() => this.#apply(producers));
  }

  /** The party produced these tracks: each counts from now (recorded or not), no segment starts. */
  produced(producers: PartyProducers): void {
    for (const kind of KINDS) {
      if (!producers[kind] || this.#tracks.has(kind)) continue;
      this.#tracks.set(kind, undefined);
      void this.#options.journal?.append({ type: 'track', party: this.party, kind });
    }
  }

  async #apply(producers: PartyProducers): Promise<void> {
    if (this.#stopped) return;
    const live: PartyProducers = {};
    for (const kind of KINDS) {
      const p = producers[kind];
      if (p && !p.closed) live[kind] = p;
    }
    const current = this.#current;
    // A paused camera not in the current file waits for its resume; one already in it is just paused.
    const inFile = new Set(current?.segment.tracks.map((t) => t.producerId));
    const wanted = KINDS.flatMap((k) => (live[k] && (canStartRecording(live[k]) || inFile.has(live[k].id)) ? [live[k].id] : []));
    this.#producers = live;
    if (wanted.length === 0) return;
    if (!current) return this.#startEachTrack();
    const had = current.segment.tracks.map((t) => t.producerId);
    if (had.length === wanted.length && had.every((id) => wanted.includes(id))) return;
    if (had.every((id) => wanted.includes(id))) {
      // A track was added: the new segment (all tracks) starts before the old one stops.
      await this.#startSegment();
      await this.#finish(current, 'tracks_changed');
      return;
    }
    await this.#replace(current, 'reconnected');
  }

  /**
   * Starts a segment with all tracks; if that fails, with each track alone (audio first), so
   * one track that cannot be recorded does not keep the other from it. Rejects on any failure.
   */
  async #startEachTrack(): Promise<void> {
    try {
      await this.#startSegment();
    } catch (err) {
      // The party's media went away meanwhile (left, taken over): nothing to record until it produces again.
      if (!this.#hasLiveProducer()) return;
      const all = this.#producers;
      for (const kind of KINDS) {
        if (!all[kind] || !all.audio || !all.video) continue;
        this.#producers = { [kind]: all[kind] };
        const ok = await this.#startSegment().then(() => true, () => false);
        if (ok) break;
      }
      this.#producers = all;
      throw err;
    }
  }

  #hasLiveProducer(): boolean {
    return KINDS.some((k) => this.#producers[k] && !this.#producers[k].closed);
  }

  #offset(at: Date): number {
    return Math.max(0, at.getTime() - this.#options.recordingStartedAt.getTime());
  }

  async #startSegment(): Promise<void> {
    const number = (this.#options.firstIndex ?? 1) - 1 + this.segments.length + (this.#current ? 2 : 1);
    const file = `${this.party}-${String(number).padStart(3, '0')}.webm`;
    const segment = await Segment.create({
      router: this.#router,
      producers: this.#producers,
      file: path.join(this.#options.dir, file),
      recorderPath: this.#options.recorderPath,
      ffmpegPath: this.#options.ffmpegPath,
    });
    const current = { segment, file, index: number };
    this.#current = current;
    const tracks = segment.tracks.map((t) => t.kind);
    await this.#options.journal?.append({ type: 'segment', party: this.party, index: number, file, startedAt: segment.startedAt.toISOString(), tracks, recorderPid: segment.recorder.pid });
    this.#mediaLostAt = undefined;
    if (this.#openGap) this.#addGap({ party: this.party, ...this.#openGap, to: segment.startedAt.toISOString() });
    this.#openGap = undefined;
    for (const t of segment.tracks) if (this.#tracks.get(t.kind) === undefined) this.#tracks.set(t.kind, segment.startedAt);
    for (const producer of [this.#producers.audio, this.#producers.video]) {
      if (!producer) continue;
      producer.observer.once('close', () => (this.#mediaLostAt ??= new Date()));
    }
    segment.recorder.once('died', (info) => {
      this.#options.logger.error(
        { party: this.party, file, code: info.code, signal: info.signal, stderr: info.stderr.slice(-300) },
        'recorder died, starting a new segment',
      );
      void this.#report(this.#run(() => this.#replace(current, 'recorder_died')));
    });
  }

  /** Runs a step after the previous ones; the returned promise carries its outcome, the queue goes on. */
  #run(step: () => Promise<void>): Promise<void> {
    const run = this.#queue.then(step);
    this.#queue = run.catch(() => {});
    return run;
  }

  /** For steps nobody awaits: a failure is logged and reported through onFailure. */
  #report(run: Promise<void>): Promise<void> {
    return run.catch((err: unknown) => {
      this.#options.logger.error({ party: this.party, err: (err as Error).message }, 'recording segment change failed');
      this.#options.onFailure?.(err instanceof Error ? err : new Error(String(err)));
    });
  }

  #addGap(gap: GapRecord): void {
    this.gaps.push(gap);
    void this.#options.journal?.append({ type: 'gap', gap });
  }

  async #finish(current: Current, endReason: SegmentEndReason): Promise<void> {
    await current.segment.stop();
    const endedAt = new Date().toISOString();
    await this.#options.journal?.append({ type: 'segmentEnded', file: current.file, endedAt, endReason });
    this.segments.push({
      party: this.party,
      index: current.index,
      file: current.file,
      startedAt: current.segment.startedAt.toISOString(),
      endedAt,
      endReason,
      tracks: current.segment.tracks.map((t) => t.kind),
      startOffsetMs: this.#offset(current.segment.startedAt),
    });
  }

  async #replace(old: Current, reason: 'recorder_died' | 'reconnected'): Promise<void> {
    if (this.#current !== old || this.#stopped) return;
    const gapFrom = this.#mediaLostAt ?? new Date();
    this.#current = undefined;
    await this.#finish(old, reason);
    this.#openGap = { from: gapFrom.toISOString(), reason };
    // No live media (the party left or was taken over): its next producers start the next segment.
    if (!this.#hasLiveProducer()) return;
    if (this.#restarts++ >= MAX_RESTARTS) {
      this.#options.logger.error({ party: this.party, restarts: MAX_RESTARTS }, 'recording gave up after too many restarts');
      this.#options.onFailure?.(new Error(`recording of ${this.party} gave up after ${MAX_RESTARTS} restarts`));
      return;
    }
    await this.#startEachTrack();
  }

  /** Ends recording; the last file is finalised when this resolves. */
  stop(): Promise<void> {
    return this.#report(
      this.#run(async () => {
        if (this.#stopped) return;
        this.#stopped = true;
        const last = this.#current;
        this.#current = undefined;
        if (last) await this.#finish(last, 'stopped');
      }),
    );
  }
}
