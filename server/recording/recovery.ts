import { readdir, readFile, readlink, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import type { AppContext } from '../context.ts';
import { finaliseWebm } from './finalise.ts';
import { readJournal, RecordingJournal, type JournalEntry } from './journal.ts';
import { hasUnrecordedTrack, MANIFEST_FILE, sha256File, writeManifest, type Manifest, type ManifestParty, type ManifestSegment } from './manifest.ts';
import type { GapRecord, TrackKind, TrackRecord } from './party-recorder.ts';
import { isProcessAlive, processStartTime } from './process-identity.ts';

const LEFTOVER_EXIT_WAIT_MS = 3000;
const RECOVERY_NOTE =
  'The server stopped without finalising this recording (killed, crashed or lost power). Segments still being written were ' +
  'repaired at the next start; their end is the last write to the file, and media the recorder had not yet written is lost.';

export interface RecoveredRecording {
  visitId: string;
  status: 'complete' | 'incomplete' | 'skipped';
  segments: number;
  repaired: number;
}

type Row = { visit_id: string; facility_id: string; dir: string; started_at: string };
type Ctx = Pick<AppContext, 'config' | 'storage' | 'logger'>;

/**
 * At start-up, before any call can record: every index row still `recording` belongs to a
 * recording its server never finalised. Stops a leftover recorder of that server, repairs the
 * files it was writing (remux), writes the manifest with what was lost and marks the row
 * `complete` (every file repaired) or `incomplete`. A row is never left `recording`.
 */
export async function recoverInterruptedRecordings(ctx: Ctx): Promise<RecoveredRecording[]> {
  const rows = await ctx.storage.db.selectFrom('recordings').select(['visit_id', 'facility_id', 'dir', 'started_at']).where('status', '=', 'recording').execute();
  const results: RecoveredRecording[] = [];
  for (const row of rows) {
    const log = ctx.logger.child({ visitId: row.visit_id, dir: row.dir });
    try {
      const result = await recoverOne(ctx, row);
      results.push(result);
      if (result.status === 'skipped') log.warn('recording is still being written by another running server process; left alone');
      else log.warn({ status: result.status, segments: result.segments, repaired: result.repaired }, 'recovered a recording its server did not finalise');
    } catch (err) {
      log.error({ err: (err as Error).message }, 'recovery of an interrupted recording failed; marking it incomplete');
      await ctx.storage.db
        .updateTable('recordings')
        .set({ status: 'incomplete', ended_at: new Date().toISOString() })
        .where('visit_id', '=', row.visit_id)
        .where('status', '=', 'recording')
        .execute()
        .catch((e: Error) => log.error({ err: e.message }, 'could not mark the recording incomplete'));
      results.push({ visitId: row.visit_id, status: 'incomplete', segments: 0, repaired: 0 });
    }
  }
  return results;
}

async function recoverOne(ctx: Ctx, row: Row): Promise<RecoveredRecording> {
  const root = path.resolve(ctx.config.recordingsDir);
  const dir = path.resolve(root, row.dir);
  if (!dir.startsWith(root + path.sep)) throw new Error('recording index points outside the recordings folder');
  const entries = await readJournal(dir);
  const call = entries.findLast((e) => e.type === 'call');
  if (call && (await stillBeingWritten(call))) return { visitId: row.visit_id, status: 'skipped', segments: 0, repaired: 0 };

  const names = await readdir(dir).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return [] as string[];
    throw err;
  });
  for (const name of names.filter((n) => n.endsWith('.finalising.webm'))) await rm(path.join(dir, name), { force: true });
  // Killed after the manifest was written but before the index row was completed.
  if (entries.length === 0 && names.includes(MANIFEST_FILE)) {
    const manifest = JSON.parse(await readFile(path.join(dir, MANIFEST_FILE), 'utf8')) as Manifest;
    const status = hasUnrecordedTrack(manifest) ? 'incomplete' : 'complete';
    await completeRow(ctx, row.visit_id, dir, manifest, status);
    return { visitId: row.visit_id, status, segments: manifest.segments.length, repaired: 0 };
  }

  const segments = entries.length > 0 ? segmentsFromJournal(entries) : segmentsFromFiles(names, row);
  const startedAt = call?.startedAt ?? row.started_at;
  const offset = (at: string) => Math.max(0, Date.parse(at) - Date.parse(startedAt));
  let repaired = 0;
  let allRepaired = segments.length > 0;
  const recoveredSegments: ManifestSegment[] = [];
  for (const s of segments) {
    if (s.endedAt) {
      recoveredSegments.push({
        party: s.party, index: s.index, file: s.file, startedAt: s.startedAt, endedAt: s.endedAt, endReason: s.endReason!,
        tracks: s.tracks, startOffsetMs: offset(s.startedAt),
      });
      continue;
    }
    const file = path.join(dir, s.file);
    const killed = s.recorderPid !== undefined && (await stopLeftoverRecorder(s.recorderPid, file)) ? s.recorderPid : undefined;
    const lastWrite = await stat(file).then((st) => st.mtime.toISOString(), () => undefined);
    const ok = lastWrite !== undefined && (await finaliseWebm(ctx.config.ffmpegPath, file));
    if (ok) repaired++;
    else allRepaired = false;
    recoveredSegments.push({
      party: s.party, index: s.index, file: s.file, startedAt: s.startedAt,
      endedAt: lastWrite && lastWrite > s.startedAt ? lastWrite : s.startedAt,
      endReason: 'interrupted',
      tracks: s.tracks,
      startOffsetMs: offset(s.startedAt),
      recovered: { endedAtIsLastWrite: true, repaired: ok, ...(killed !== undefined ? { leftoverRecorderKilled: killed } : {}) },
    });
  }
  const parties = new Map<string, ManifestParty>();
  for (const e of entries) if (e.type === 'party') parties.set(e.party.id, e.party);
  const produced = new Map<string, Set<TrackKind>>();
  for (const e of entries) if (e.type === 'track') produced.set(e.party, (produced.get(e.party) ?? new Set()).add(e.kind));
  const gaps: GapRecord[] = entries.flatMap((e) => (e.type === 'gap' ? [e.gap] : []));
  const endedAt = recoveredSegments.reduce((last, s) => (s.endedAt > last ? s.endedAt : last), startedAt);
  const manifest = await writeManifest(
    dir,
    {
      visitId: row.visit_id,
      facilityId: row.facility_id,
      startedAt,
      endedAt,
      parties: [...parties.values()].map((p) => ({ ...p, tracks: partyTracks(p.id, produced.get(p.id), recoveredSegments) })),
      gaps,
      recovered: { at: new Date().toISOString(), note: RECOVERY_NOTE, endedAtIsLastWrite: true },
    },
    recoveredSegments,
  );
  const status = allRepaired && manifest.segments.every((s) => !s.missing) && !hasUnrecordedTrack(manifest) ? 'complete' : 'incomplete';
  await completeRow(ctx, row.visit_id, dir, manifest, status);
  await new RecordingJournal(dir).remove();
  return { visitId: row.visit_id, status, segments: manifest.segments.length, repaired };
}

/** What the journal says the party produced, and which of it the segments hold. */
function partyTracks(party: string, kinds: Set<TrackKind> | undefined, segments: ManifestSegment[]): TrackRecord[] {
  const own = segments.filter((s) => s.party === party);
  const all = new Set<TrackKind>([...(kinds ?? []), ...own.flatMap((s) => s.tracks)]);
  return (['audio', 'video'] as const).filter((k) => all.has(k)).map((kind) => {
    const first = own.filter((s) => s.tracks.includes(kind)).map((s) => s.startOffsetMs);
    return { kind, recorded: first.length > 0, startOffsetMs: first.length > 0 ? Math.min(...first) : null };
  });
}

interface JournalSegment {
  party: string;
  index: number;
  file: string;
  startedAt: string;
  /** Unknown for a segment found only as a file (no journal line): empty. */
  tracks: TrackKind[];
  recorderPid?: number;
  endedAt?: string;
  endReason?: ManifestSegment['endReason'];
}

function segmentsFromJournal(entries: JournalEntry[]): JournalSegment[] {
  const byFile = new Map<string, JournalSegment>();
  for (const e of entries) {
    if (e.type === 'segment') byFile.set(e.file, { party: e.party, index: e.index, file: e.file, startedAt: e.startedAt, tracks: e.tracks ?? [], recorderPid: e.recorderPid ?? e.ffmpegPid });
    if (e.type === 'segmentEnded') {
      const s = byFile.get(e.file);
      if (s) Object.assign(s, { endedAt: e.endedAt, endReason: e.endReason });
    }
  }
  return [...byFile.values()];
}

/** No journal (written by an older version, or killed before its first line): the files are all there is. */
function segmentsFromFiles(names: string[], row: Row): JournalSegment[] {
  return names
    .filter((n) => n.endsWith('.webm') && !n.endsWith('.finalising.webm'))
    .sort()
    .map((file) => {
      const m = /^(.+)-(\d+)\.webm$/.exec(file);
      return { party: m?.[1] ?? file, index: Number(m?.[2] ?? 1), file, startedAt: row.started_at, tracks: [] };
    });
}

async function completeRow(ctx: Ctx, visitId: string, dir: string, manifest: Manifest, status: 'complete' | 'incomplete'): Promise<void> {
  await ctx.storage.db
    .updateTable('recordings')
    .set({
      status,
      ended_at: manifest.endedAt,
      bytes: manifest.segments.reduce((n, s) => n + s.bytes, 0),
      segment_count: manifest.segments.length,
      gap_count: manifest.gaps.length,
      manifest_sha256: await sha256File(path.join(dir, MANIFEST_FILE)),
    })
    .where('visit_id', '=', visitId)
    .where('status', '=', 'recording')
    .execute();
}

/**
 * The server process that wrote the journal is still alive, so it is still writing the
 * recording. Recognised by pid, boot and start time, never by hostname (a container may get a
 * new one at each restart): a pid reused after a crash or in a new container is not it.
 * Journals without boot and start time: a live pid that started before the call.
 */
async function stillBeingWritten(call: Extract<JournalEntry, { type: 'call' }>): Promise<boolean> {
  if (call.bootId !== undefined && call.startTicks !== undefined) return isProcessAlive({ pid: call.pid, bootId: call.bootId, startTicks: call.startTicks });
  if (call.pid === process.pid) return false;
  const started = await processStartTime(call.pid);
  return started !== undefined && started <= Date.parse(call.startedAt);
}

/**
 * Kills `pid` only if it is a recorder writing `file` (the pid may have been reused); true when it
 * was. Journals written before kv-recorder name an ffmpeg.
 */
async function stopLeftoverRecorder(pid: number, file: string): Promise<boolean> {
  let argv: string[];
  let cwd: string;
  try {
    argv = (await readFile(`/proc/${pid}/cmdline`, 'utf8')).split('\0').filter(Boolean);
    cwd = await readlink(`/proc/${pid}/cwd`);
  } catch {
    return false;
  }
  if (!argv[0] || !/^(kv-recorder|ffmpeg)/.test(path.basename(argv[0]))) return false;
  if (!argv.slice(1).some((a) => path.resolve(cwd, a) === file)) return false;
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    return false;
  }
  const deadline = Date.now() + LEFTOVER_EXIT_WAIT_MS;
  while (Date.now() < deadline && (await processStartTime(pid)) !== undefined) await new Promise((r) => setTimeout(r, 50));
  return true;
}
