import type { types as ms } from 'mediasoup';
import type { AppContext } from '../context.ts';
import type { ManifestParty } from './manifest.ts';
import { startRecordedCall, type RecordedCall } from './recording-service.ts';

import type { LiveRecordingState } from '../supervision/call-view-contract.ts';

/** What the officers' dashboard shows about a live call's recording. */
export type { LiveRecordingState };

export interface PartyMedia {
  party: ManifestParty;
  audio: ms.Producer;
  video: ms.Producer;
}

/**
 * The recording of one live call as parties come and go: a party is added once its audio and
 * video exist, and every later re-produce (reconnect, rebuilt send side) starts its next
 * segment. Changes run one at a time; the first failure is reported once through onFailure.
 */
export class LiveRecording {
  readonly #recorded: RecordedCall | undefined;
  readonly #onFailure: (err: Error) => void;
  readonly #parties = new Map<string, { audio: string; video: string }>();
  #state: LiveRecordingState;
  #queue: Promise<void> = Promise.resolve();
  #finished: Promise<void> | undefined;

  private constructor(state: LiveRecordingState, recorded: RecordedCall | undefined, onFailure: (err: Error) => void) {
    this.#state = state;
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
    onFailure: (err: Error) => void,
  ): Promise<LiveRecording> {
    let live: LiveRecording | undefined;
    // A segment that fails after the party's first one (inside PartyRecorder) fails the call's recording too.
    const recorded = await startRecordedCall(ctx, call, (err) => {
      if (live) live.#fail(err);
    });
    live = new LiveRecording('recording', recorded, onFailure);
    return live;
  }

  get state(): LiveRecordingState {
    return this.#state;
  }

  /** The party's current audio and video producers; a no-op when they are already the recorded ones. */
  partyMedia(media: PartyMedia): Promise<void> {
    return this.#enqueue(async () => {
      const recorded = this.#recorded;
      if (this.#state !== 'recording' || !recorded || this.#finished) return;
      if (media.audio.closed || media.video.closed) return;
      const known = this.#parties.get(media.party.id);
      if (known && known.audio === media.audio.id && known.video === media.video.id) return;
      this.#parties.set(media.party.id, { audio: media.audio.id, video: media.video.id });
      const producers = { audio: media.audio, video: media.video };
      if (known) await recorded.recording.partyReconnected(media.party.id, producers);
      else await recorded.recording.addParty(media.party, producers);
    });
  }

  /** The call's room was replaced (worker died): parties' next segments go to the new router. */
  useRouter(router: ms.Router): void {
    this.#recorded?.recording.useRouter(router);
  }

  /** Stops every party (while media still flows) and completes manifest and index. Idempotent. */
  finish(): Promise<void> {
    this.#finished ??= this.#queue.then(async () => {
      if (!this.#recorded) return;
      await this.#recorded.finish();
    });
    return this.#finished;
  }

  #enqueue(step: () => Promise<void>): Promise<void> {
    this.#queue = this.#queue.then(step).catch((err: unknown) => this.#fail(err instanceof Error ? err : new Error(String(err))));
    return this.#queue;
  }

  #fail(err: Error): void {
    if (this.#state === 'failed') return;
    this.#state = 'failed';
    this.#onFailure(err);
  }
}
