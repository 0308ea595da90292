import type { types as ms } from 'mediasoup';
import type { AppContext } from '../context.ts';
import type { ManifestParty } from './manifest.ts';
import { startRecordedCall, type RecordedCall } from './recording-service.ts';

import type { LiveRecordingState } from '../supervision/call-view-contract.ts';

/** What the officers' dashboard shows about a live call's recording. */
export type { LiveRecordingState };

/** A party's current producers (either may be missing: an audio-only or video-only party). */
export interface PartyMedia {
  party: ManifestParty;
  audio?: ms.Producer;
  video?: ms.Producer;
}

/** A failure of the recording; `producer` is set when one track could not be recorded in time. */
export type RecordingFailure = (err: Error, producer?: ms.Producer) => void;

/** Browsers produce audio and video a few ms apart: a party's first tracks wait this long so both go in one file. */
const TRACK_SETTLE_MS = 300;

/**
 * The recording of one live call as parties come and go: each party's tracks are recorded as
 * they appear (audio alone, video alone, or both), and every later re-produce (reconnect,
 * rebuilt send side) starts its next segment. A track whose recording has not started within
 * recordingStartLimitMs of its first packet is reported. Changes run one at a time.
 */
export class LiveRecording {
  readonly #recorded: RecordedCall | undefined;
  readonly #onFailure: RecordingFailure;
  /** A track's recording must have started this long after its first packet (config recordingStartLimitMs). */
  readonly #startLimitMs: number;
  readonly #latest = new Map<string, PartyMedia>();
  readonly #settling = new Map<string, Promise<void>>();
  readonly #watched = new Set<string>();
  readonly #timers = new Set<NodeJS.Timeout>();
  #state: LiveRecordingState;
  #queue: Promise<void> = Promise.resolve();
  #finished: Promise<void> | undefined;

  private constructor(state: LiveRecordingState, recorded: RecordedCall | undefined, onFailure: RecordingFailure, startLimitMs = 2000) {
    this.#state = state;
    this.#startLimitMs = startLimitMs;
    this.#recorded = recorded;
    this.#onFailure = onFailure;
  }

  /** Privileged visits (legal counsel) are never recorded. */
  static notRecorded(): LiveRecording {
    return new LiveRecording('not_recorded', undefined, () => {});
  }

  static failed(): LiveRecording {
    return new LiveRecording('failed', undefined, () => {});
  }

  /** Opens the recording folder and index row; rejects if that is impossible. */
  static async start(
    ctx: Pick<AppContext, 'config' | 'storage' | 'logger'>,
    call: { router: ms.Router; visitId: string; facilityId: string; timezone: string },
    onFailure: RecordingFailure,
  ): Promise<LiveRecording> {
    let live: LiveRecording | undefined;
    // A segment that fails after the party's first one (inside PartyRecorder) fails the call's recording too.
    const recorded = await startRecordedCall(ctx, call, (err) => {
      if (live) live.#fail(err);
    });
    live = new LiveRecording('recording', recorded, onFailure, ctx.config.recordingStartLimitMs);
    return live;
  }

  get state(): LiveRecordingState {
    return this.#state;
  }

  /** True while this producer's media is being written to a file. */
  records(producerId: string): boolean {
    return this.#recorded?.recording.isRecording(producerId) ?? false;
  }

  /**
   * The party's current producers; a no-op when they are already the recorded ones. Resolves
   * once the change is applied (a party's first lone track after a short wait for the other).
   */
  partyMedia(media: PartyMedia): Promise<void> {
    if (!this.#recorded || this.#finished) return Promise.resolve();
    const id = media.party.id;
    this.#latest.set(id, media);
    for (const producer of [media.audio, media.video]) if (producer) this.#watchStart(id, producer);
    if (media.audio && media.video) return this.#apply(id);
    let settling = this.#settling.get(id);
    if (!settling) {
      settling = new Promise<void>((resolve) => setTimeout(resolve, TRACK_SETTLE_MS)).then(() => {
        this.#settling.delete(id);
        return this.#apply(id);
      });
      this.#settling.set(id, settling);
    }
    return settling;
  }

  #apply(partyId: string): Promise<void> {
    return this.#enqueue(async () => {
      const media = this.#latest.get(partyId);
      if (!media || !this.#recorded || this.#finished) return;
      await this.#recorded.recording.partyTracks(media.party, { audio: media.audio, video: media.video });
    });
  }

  /** From the producer's first RTP packet, its recording has recordingStartLimitMs to start. */
  #watchStart(partyId: string, producer: ms.Producer): void {
    if (this.#watched.has(producer.id)) return;
    this.#watched.add(producer.id);
    const onTrace = (trace: ms.ProducerTraceEventData) => {
      if (trace.type !== 'rtp') return;
      producer.off('trace', onTrace);
      void producer.enableTraceEvent([]).catch(() => {});
      const check = () => {
        if (this.#finished || producer.closed || this.records(producer.id)) return;
        // Muted by the party or an officer: nothing to record; the bound runs again from its resume.
        if (producer.paused) {
          producer.observer.once('resume', () => this.#later(check, this.#startLimitMs));
          return;
        }
        this.#fail(new Error(`${producer.kind} of ${partyId} not recorded within ${this.#startLimitMs} ms of its first packet`), producer);
      };
      this.#later(check, this.#startLimitMs);
    };
    producer.on('trace', onTrace);
    void producer.enableTraceEvent(['rtp']).catch(() => {});
  }

  #later(fn: () => void, ms: number): void {
    const timer = setTimeout(() => {
      this.#timers.delete(timer);
      fn();
    }, ms);
    this.#timers.add(timer);
  }

  /** The call's room was replaced (worker died): parties' next segments go to the new router. */
  useRouter(router: ms.Router): void {
    this.#recorded?.recording.useRouter(router);
  }

  /**
   * Stops every party (while media still flows) and completes manifest and index; a track handed
   * over but not yet recorded is listed as never recorded (the recording is incomplete). Idempotent.
   */
  finish(): Promise<void> {
    this.#finished ??= this.#queue.then(async () => {
      for (const t of this.#timers) clearTimeout(t);
      this.#timers.clear();
      if (!this.#recorded) return;
      // Tracks still settling or queued were produced (and forwarded) but are not recorded now: they are listed as such.
      for (const media of this.#latest.values()) {
        await this.#recorded.recording.partyProduced(media.party, media).catch((err: Error) => this.#fail(err));
      }
      await this.#recorded.finish();
    });
    return this.#finished;
  }

  #enqueue(step: () => Promise<void>): Promise<void> {
    this.#queue = this.#queue.then(step).catch((err: unknown) => this.#fail(err instanceof Error ? err : new Error(String(err))));
    return this.#queue;
  }

  /** The first failure is reported; recording of the other tracks goes on (the call may end, by policy). */
  #fail(err: Error, producer?: ms.Producer): void {
    if (this.#state === 'failed') return;
    this.#state = 'failed';
    this.#onFailure(err, producer);
  }
}
