import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readFile, rename, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { GapRecord, SegmentRecord, TrackRecord } from './party-recorder.ts';

export const MANIFEST_FILE = 'manifest.json';

export interface ManifestParty {
  id: string;
  role: 'inmate' | 'family';
  name: string;
}

/** Set by the recovery pass when the server stopped without finalising the recording. */
export interface ManifestRecovery {
  /** When the recovery pass ran (the next start of the server). */
  at: string;
  /** What is known to be lost, in words. */
  note: string;
  /** The call's real end is unknown: endedAt is the last write to any of its files. */
  endedAtIsLastWrite: true;
}

/** Per segment the recovery pass found still being written. */
export interface SegmentRecovery {
  /** endedAt is the file's last write time; media after it (at most ~1.5 s held by the recorder) is lost. */
  endedAtIsLastWrite: true;
  /** The file was rewritten (stream copy) so it has a duration and an index again. */
  repaired: boolean;
  /** A recorder of the dead server was still writing it and was stopped. */
  leftoverRecorderKilled?: number;
}

export type ManifestSegment = SegmentRecord & { recovered?: SegmentRecovery };

export interface Manifest {
  version: 1;
  visitId: string;
  facilityId: string;
  startedAt: string;
  endedAt: string;
  /** tracks: every kind the party produced; one with recorded false makes the recording incomplete. */
  parties: Array<ManifestParty & { tracks: TrackRecord[] }>;
  /** sha256 null and missing true: the recorder stopped before it created the file (no media came). */
  segments: Array<ManifestSegment & { bytes: number; sha256: string | null; missing?: true }>;
  gaps: GapRecord[];
  recovered?: ManifestRecovery;
}

/** A party produced a track that was never recorded (the index row says incomplete). */
export function hasUnrecordedTrack(manifest: Pick<Manifest, 'parties'>): boolean {
  return manifest.parties.some((p) => (p.tracks ?? []).some((t) => !t.recorded));
}

export async function sha256File(file: string): Promise<string> {
  const hash = createHash('sha256');
  await pipeline(createReadStream(file), hash);
  return hash.digest('hex');
}

/** The manifest in a visit folder, if one was written (an earlier recording of the visit). */
export async function readManifest(dir: string): Promise<Manifest | undefined> {
  const text = await readFile(path.join(dir, MANIFEST_FILE), 'utf8').catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return undefined;
    throw err;
  });
  return text === undefined ? undefined : (JSON.parse(text) as Manifest);
}

/** Hashes every segment file (a missing one is listed as such) and writes manifest.json atomically (temp file + rename). */
export async function writeManifest(dir: string, base: Omit<Manifest, 'segments' | 'version'>, segments: ManifestSegment[]): Promise<Manifest> {
  const hashed = await Promise.all(
    segments.map(async (s) => {
      const file = path.join(dir, s.file);
      const info = await stat(file).catch((err: NodeJS.ErrnoException) => {
        if (err.code === 'ENOENT') return undefined;
        throw err;
      });
      if (!info) return { ...s, bytes: 0, sha256: null, missing: true as const };
      return { ...s, bytes: info.size, sha256: await sha256File(file) };
    }),
  );
  const manifest: Manifest = { version: 1, ...base, segments: hashed };
  const tmp = path.join(dir, `.${MANIFEST_FILE}.tmp`);
  await writeFile(tmp, JSON.stringify(manifest, null, 2) + '\n', { mode: 0o640 });
  await rename(tmp, path.join(dir, MANIFEST_FILE));
  return manifest;
}
