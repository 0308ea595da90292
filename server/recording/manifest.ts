import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { rename, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { GapRecord, SegmentRecord } from './party-recorder.ts';

export const MANIFEST_FILE = 'manifest.json';

export interface ManifestParty {
  id: string;
  role: 'inmate' | 'family';
  name: string;
}

export interface Manifest {
  version: 1;
  visitId: string;
  facilityId: string;
  startedAt: string;
  endedAt: string;
  parties: ManifestParty[];
  segments: Array<SegmentRecord & { bytes: number; sha256: string }>;
  gaps: GapRecord[];
}

export async function sha256File(file: string): Promise<string> {
  const hash = createHash('sha256');
  await pipeline(createReadStream(file), hash);
  return hash.digest('hex');
}

/** Hashes every segment file and writes manifest.json atomically (temp file + rename). */
export async function writeManifest(dir: string, base: Omit<Manifest, 'segments' | 'version'>, segments: SegmentRecord[]): Promise<Manifest> {
  const hashed = await Promise.all(
    segments.map(async (s) => {
      const file = path.join(dir, s.file);
      const [info, sha256] = await Promise.all([stat(file), sha256File(file)]);
      return { ...s, bytes: info.size, sha256 };
    }),
  );
  const manifest: Manifest = { version: 1, ...base, segments: hashed };
  const tmp = path.join(dir, `.${MANIFEST_FILE}.tmp`);
  await writeFile(tmp, JSON.stringify(manifest, null, 2) + '\n', { mode: 0o640 });
  await rename(tmp, path.join(dir, MANIFEST_FILE));
  return manifest;
}
