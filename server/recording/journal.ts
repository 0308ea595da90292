import { open, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { ManifestParty } from './manifest.ts';
import { ownProcessIdentity, type ProcessIdentity } from './process-identity.ts';
import type { GapRecord, SegmentEndReason, TrackKind } from './party-recorder.ts';

/** Written beside the segments while a call is recorded; removed once manifest.json is written. */
export const JOURNAL_FILE = 'recording.journal';

export type JournalEntry =
  /** host: for people reading the journal; the recovery pass recognises the writer by pid, bootId and startTicks (older journals: pid). */
  | ({ type: 'call'; visitId: string; facilityId: string; startedAt: string; host: string } & ProcessIdentity)
  | { type: 'party'; party: ManifestParty }
  | { type: 'track'; party: string; kind: TrackKind }
  | { type: 'segment'; party: string; index: number; file: string; startedAt: string; tracks?: TrackKind[]; recorderPid?: number; /** journals written before kv-recorder */ ffmpegPid?: number }
  | { type: 'segmentEnded'; file: string; endedAt: string; endReason: SegmentEndReason }
  | { type: 'gap'; gap: GapRecord };

/**
 * What a recording has started, one JSON line per step, each synced to disk: if the server is
 * killed (or the power fails) before the manifest is written, the recovery pass at the next
 * start knows the parties, the segments, which were still being written and by which recorder.
 */
export class RecordingJournal {
  readonly #file: string;
  #queue: Promise<void> = Promise.resolve();

  constructor(dir: string) {
    this.#file = path.join(dir, JOURNAL_FILE);
  }

  static callEntry(call: { visitId: string; facilityId: string; startedAt: Date }): JournalEntry {
    return { type: 'call', visitId: call.visitId, facilityId: call.facilityId, startedAt: call.startedAt.toISOString(), host: os.hostname(), ...ownProcessIdentity() };
  }

  /** Appends one entry (in call order); never rejects: a journal is a help for recovery, not a reason to stop recording. */
  append(entry: JournalEntry): Promise<void> {
    this.#queue = this.#queue.then(async () => {
      const handle = await open(this.#file, 'a', 0o640);
      try {
        await handle.write(JSON.stringify(entry) + '\n');
        await handle.datasync();
      } finally {
        await handle.close();
      }
    }).catch(() => {});
    return this.#queue;
  }

  /** The recording was finalised (manifest written): nothing left to recover. */
  async remove(): Promise<void> {
    await this.#queue;
    await rm(this.#file, { force: true });
  }
}

/** Entries of a visit folder's journal; a torn last line (killed mid-write) is skipped. Empty when there is none. */
export async function readJournal(dir: string): Promise<JournalEntry[]> {
  const text = await readFile(path.join(dir, JOURNAL_FILE), 'utf8').catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return '';
    throw err;
  });
  const entries: JournalEntry[] = [];
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    try {
      entries.push(JSON.parse(line) as JournalEntry);
    } catch {
      /* torn write */
    }
  }
  return entries;
}
