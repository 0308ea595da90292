import { mkdir } from 'node:fs/promises';
import type { types as ms } from 'mediasoup';
import type { Logger } from '../logging/logger.ts';
import { RecordingJournal } from './journal.ts';
import { writeManifest, type Manifest, type ManifestParty } from './manifest.ts';
import { PartyRecorder } from './party-recorder.ts';
import { assertSafeId, localDate, visitRecordingDir } from './paths.ts';
import type { PartyProducers } from './segment.ts';

export interface CallRecordingOptions {
  router: ms.Router;
  recordingsDir: string;
  facilityId: string;
  timezone: string;
  visitId: string;
  ffmpegPath: string;
  logger: Logger;
  /** A party's recording failed after it had started (a later segment, or gave up). */
  onFailure?: (err: Error) => void;
}

/**
 * Server-side recording of one call: one PartyRecorder (series of WebM segments) per party,
 * and a manifest with parties, times, segments, gaps and SHA-256 of every file at the end.
 */
export class CallRecording {
  readonly dir: string;
  readonly #options: CallRecordingOptions;
  #router: ms.Router;
  readonly #startedAt = new Date();
  readonly #parties = new Map<string, { info: ManifestParty; recorder: PartyRecorder }>();
  readonly #journal: RecordingJournal;
  #manifest: Promise<Manifest> | undefined;

  private constructor(options: CallRecordingOptions, dir: string) {
    this.#options = options;
    this.#router = options.router;
    this.dir = dir;
    this.#journal = new RecordingJournal(dir);
  }

  static async create(options: CallRecordingOptions): Promise<CallRecording> {
    const dir = visitRecordingDir(options.recordingsDir, options.facilityId, localDate(new Date(), options.timezone), options.visitId);
    await mkdir(dir, { recursive: true, mode: 0o750 });
    const recording = new CallRecording(options, dir);
    await recording.#journal.append(RecordingJournal.callEntry({ visitId: options.visitId, facilityId: options.facilityId, startedAt: recording.#startedAt }));
    return recording;
  }

  /** Starts recording a party; rejects if ffmpeg cannot start. */
  async addParty(party: ManifestParty, producers: PartyProducers): Promise<void> {
    if (this.#manifest) throw new Error('recording already finished');
    const existing = this.#parties.get(party.id);
    if (existing) return existing.recorder.reconnected(producers);
    await this.#journal.append({ type: 'party', party });
    const recorder = await PartyRecorder.create({
      router: this.#router,
      party: assertSafeId(party.id, 'party id'),
      dir: this.dir,
      ffmpegPath: this.#options.ffmpegPath,
      logger: this.#options.logger.child({ visitId: this.#options.visitId }),
      onFailure: this.#options.onFailure,
      journal: this.#journal,
      producers,
    });
    this.#parties.set(party.id, { info: party, recorder });
  }

  /** The party's media changed (reconnect): a new segment, and the gap goes in the manifest. */
  async partyReconnected(partyId: string, producers: PartyProducers): Promise<void> {
    await this.#parties.get(partyId)?.recorder.reconnected(producers);
  }

  /**
   * The call's router was replaced (its worker died). Each party's next segment, started when
   * it re-produces in the new room, is created there; the gap goes in the manifest.
   */
  useRouter(router: ms.Router): void {
    this.#router = router;
    for (const p of this.#parties.values()) p.recorder.useRouter(router);
  }

  /** Stops every party and writes the manifest. Idempotent. */
  stop(): Promise<Manifest> {
    this.#manifest ??= (async () => {
      const parties = [...this.#parties.values()];
      await Promise.all(parties.map((p) => p.recorder.stop()));
      const manifest = await writeManifest(
        this.dir,
        {
          visitId: this.#options.visitId,
          facilityId: this.#options.facilityId,
          startedAt: this.#startedAt.toISOString(),
          endedAt: new Date().toISOString(),
          parties: parties.map((p) => p.info),
          gaps: parties.flatMap((p) => p.recorder.gaps),
        },
        parties.flatMap((p) => p.recorder.segments),
      );
      await this.#journal.remove();
      return manifest;
    })();
    return this.#manifest;
  }
}
