import { mkdir, readdir } from 'node:fs/promises';
import type { types as ms } from 'mediasoup';
import type { Logger } from '../logging/logger.ts';
import { RecordingJournal } from './journal.ts';
import { readManifest, writeManifest, type Manifest, type ManifestParty, type ManifestSegment } from './manifest.ts';
import type { GapRecord, TrackRecord } from './party-recorder.ts';
import { PartyRecorder } from './party-recorder.ts';
import { assertSafeId, localDate, visitRecordingDir } from './paths.ts';
import type { PartyProducers } from './segment.ts';

export interface CallRecordingOptions {
  router: ms.Router;
  recordingsDir: string;
  facilityId: string;
  timezone: string;
  visitId: string;
  /** kv-recorder, which writes each segment */
  recorderPath: string;
  /** ffmpeg, which repairs a segment whose recorder did not end cleanly */
  ffmpegPath: string;
  logger: Logger;
  /** A party's recording failed after it had started (a later segment, or gave up). */
  onFailure?: (err: Error) => void;
}

/**
 * Server-side recording of one call: one PartyRecorder (series of WebM segments) per party,
 * and a manifest with parties and their tracks, times, segments, gaps and SHA-256 of every file at the end.
 */
export class CallRecording {
  readonly dir: string;
  readonly #options: CallRecordingOptions;
  #router: ms.Router;
  readonly #startedAt = new Date();
  readonly #parties = new Map<string, { info: ManifestParty; recorder: PartyRecorder }>();
  readonly #journal: RecordingJournal;
  /** The visit's earlier recording in this folder (the call restarted after its server stopped): kept, and continued. */
  readonly #earlier: Manifest | undefined;
  /** Files already in the folder: never overwritten, even when no manifest lists them. */
  readonly #existingFiles: string[];
  #manifest: Promise<Manifest> | undefined;

  /** Segment offsets count from the recording's start: the earlier recording's, when this one continues it. */
  get #recordingStartedAt(): Date {
    return this.#earlier ? new Date(this.#earlier.startedAt) : this.#startedAt;
  }

  private constructor(options: CallRecordingOptions, dir: string, earlier: Manifest | undefined, existingFiles: string[]) {
    this.#options = options;
    this.#router = options.router;
    this.dir = dir;
    this.#journal = new RecordingJournal(dir);
    this.#earlier = earlier;
    this.#existingFiles = existingFiles;
  }

  static async create(options: CallRecordingOptions): Promise<CallRecording> {
    const dir = visitRecordingDir(options.recordingsDir, options.facilityId, localDate(new Date(), options.timezone), options.visitId);
    await mkdir(dir, { recursive: true, mode: 0o750 });
    const recording = new CallRecording(options, dir, await readManifest(dir), await readdir(dir));
    await recording.#journal.append(RecordingJournal.callEntry({ visitId: options.visitId, facilityId: options.facilityId, startedAt: recording.#startedAt }));
    return recording;
  }

  /**
   * The party's current producers: each of its tracks counts from now (one never recorded makes
   * the recording incomplete) and is recorded; a change of producers starts the party's next
   * segment. Rejects if the segment cannot start (recorder, consumers).
   */
  async partyTracks(party: ManifestParty, producers: PartyProducers): Promise<void> {
    if (this.#manifest) throw new Error('recording already finished');
    await (await this.#recorderOf(party)).update(producers);
  }

  /**
   * The party produced these tracks but they were never handed over to be recorded (the call
   * ended first): the manifest lists them as not recorded, so the recording is incomplete.
   */
  async partyProduced(party: ManifestParty, producers: PartyProducers): Promise<void> {
    if (this.#manifest) throw new Error('recording already finished');
    (await this.#recorderOf(party)).produced(producers);
  }

  async #recorderOf(party: ManifestParty): Promise<PartyRecorder> {
    let entry = this.#parties.get(party.id);
    if (!entry) {
      const recorder = new PartyRecorder({
        router: this.#router,
        party: assertSafeId(party.id, 'party id'),
        dir: this.dir,
        recorderPath: this.#options.recorderPath,
        ffmpegPath: this.#options.ffmpegPath,
        logger: this.#options.logger.child({ visitId: this.#options.visitId }),
        recordingStartedAt: this.#recordingStartedAt,
        onFailure: this.#options.onFailure,
        journal: this.#journal,
        firstIndex: this.#firstFreeIndex(party.id),
      });
      entry = { info: party, recorder };
      this.#parties.set(party.id, entry);
      await this.#journal.append({ type: 'party', party });
    }
    return entry.recorder;
  }

  /** Starts recording a party; rejects if its recorder cannot start. */
  addParty(party: ManifestParty, producers: PartyProducers): Promise<void> {
    return this.partyTracks(party, producers);
  }

  #firstFreeIndex(partyId: string): number {
    const listed = (this.#earlier?.segments ?? []).filter((s) => s.party === partyId).map((s) => s.index);
    const onDisk = this.#existingFiles.flatMap((f) => {
      const m = /^(.+)-(\d+)\.webm$/.exec(f);
      return m && m[1] === partyId ? [Number(m[2])] : [];
    });
    return 1 + Math.max(0, ...listed, ...onDisk);
  }

  /** The party's media changed (reconnect): a new segment, and the gap goes in the manifest. */
  async partyReconnected(partyId: string, producers: PartyProducers): Promise<void> {
    await this.#parties.get(partyId)?.recorder.update(producers);
  }

  /** True while some party's current segment writes this producer's media. */
  isRecording(producerId: string): boolean {
    return [...this.#parties.values()].some((p) => p.recorder.recording(producerId));
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
      const earlier = this.#earlier;
      const restartGaps: GapRecord[] = (earlier?.parties ?? []).map((p) => ({ party: p.id, from: earlier!.endedAt, to: this.#startedAt.toISOString(), reason: 'server_restarted' }));
      const earlierSegments: ManifestSegment[] = (earlier?.segments ?? []).map(({ bytes: _b, sha256: _h, missing: _m, ...s }) => s);
      const current = parties;
      const manifest = await writeManifest(
        this.dir,
        {
          visitId: this.#options.visitId,
          facilityId: this.#options.facilityId,
          startedAt: earlier?.startedAt ?? this.#startedAt.toISOString(),
          endedAt: new Date().toISOString(),
          parties: [
            ...(earlier?.parties ?? []).filter((p) => !current.some((c) => c.info.id === p.id)).map((p) => ({ ...p, tracks: p.tracks ?? [] })),
            ...current.map((c) => ({ ...c.info, tracks: mergeTracks(earlier?.parties.find((p) => p.id === c.info.id)?.tracks, c.recorder.tracks) })),
          ],
          gaps: [...(earlier?.gaps ?? []), ...restartGaps, ...parties.flatMap((p) => p.recorder.gaps)],
          ...(earlier?.recovered ? { recovered: earlier.recovered } : {}),
        },
        [...earlierSegments, ...parties.flatMap((p) => p.recorder.segments)],
      );
      await this.#journal.remove();
      return manifest;
    })();
    return this.#manifest;
  }
}

/** A party's tracks over an earlier recording of the visit and this one: recorded if either recorded it, from the first time. */
function mergeTracks(earlier: TrackRecord[] | undefined, now: TrackRecord[]): TrackRecord[] {
  const byKind = new Map<TrackRecord['kind'], TrackRecord>();
  for (const t of [...(earlier ?? []), ...now]) {
    const had = byKind.get(t.kind);
    const offsets = [had?.startOffsetMs, t.startOffsetMs].filter((o): o is number => typeof o === 'number');
    byKind.set(t.kind, { kind: t.kind, recorded: (had?.recorded ?? false) || t.recorded, startOffsetMs: offsets.length > 0 ? Math.min(...offsets) : null });
  }
  return [...byKind.values()];
}
