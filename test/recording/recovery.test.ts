import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../server/app.ts';
import { JOURNAL_FILE, RecordingJournal, type JournalEntry } from '../../server/recording/journal.ts';
import type { Manifest } from '../../server/recording/manifest.ts';
import { ownProcessIdentity, processStartTicks, type ProcessIdentity } from '../../server/recording/process-identity.ts';
import { recoverInterruptedRecordings } from '../../server/recording/recovery.ts';
import { seedVisit } from '../helpers/seed-visit.ts';
import { startTestApp } from '../helpers/test-app.ts';

/** A hostname that is not this machine's: the container was restarted and got a new one. */
const OLD_HOSTNAME = 'kunjungan-5d8f7c9b6-old';
const BOOTH = { id: 'booth', role: 'inmate' as const, name: 'Budi' };

function duration(file: string): number {
  return Number(execFileSync('ffprobe', ['-v', 'error', '-show_entries', 'format=duration', '-of', 'csv=p=0', file], { encoding: 'utf8' }).trim());
}

/** A 3 s WebM (Opus + VP8) made by ffmpeg, and its first 60 %: a file whose writer was killed. */
function webmClips(): { finished: Buffer; truncated: Buffer } {
  const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'kv-recovery-clip-')), 'clip.webm');
  execFileSync('ffmpeg', [
    '-v', 'error', '-f', 'lavfi', '-i', 'sine=frequency=440:duration=3', '-f', 'lavfi', '-i', 'testsrc=size=160x120:rate=10:duration=3',
    '-c:a', 'libopus', '-c:v', 'libvpx', '-f', 'webm', file,
  ]);
  const finished = readFileSync(file);
  return { finished, truncated: finished.subarray(0, Math.floor(finished.length * 0.6)) };
}

/** A pid no process has now (the server that had it is gone). */
function deadPid(): number {
  return spawnSync('true').pid;
}

describe('recovery of a recording its server did not finalise (SIGKILL, power loss)', { timeout: 60_000 }, () => {
  let app: App;
  let clips: { finished: Buffer; truncated: Buffer };
  const children: ChildProcess[] = [];

  beforeAll(async () => {
    app = await startTestApp();
    clips = webmClips();
  });
  afterEach(() => {
    for (const c of children.splice(0)) c.kill('SIGKILL');
  });
  afterAll(async () => {
    await app?.close();
  });

  /** A row left `recording`, its folder holding `files` and (when given) a journal. */
  async function interrupted(files: Record<string, Buffer>, journal?: (call: { visitId: string; facilityId: string; startedAt: string }) => JournalEntry[]) {
    const seeded = await seedVisit(app);
    const startedAt = new Date(Date.now() - 60_000).toISOString();
    const rel = path.join(seeded.facilityId, startedAt.slice(0, 10), seeded.visitId);
    const dir = path.join(app.config.recordingsDir, rel);
    mkdirSync(dir, { recursive: true });
    for (const [name, bytes] of Object.entries(files)) writeFileSync(path.join(dir, name), bytes);
    if (journal) {
      const writer = new RecordingJournal(dir);
      for (const entry of journal({ visitId: seeded.visitId, facilityId: seeded.facilityId, startedAt })) await writer.append(entry);
    }
    await app.storage.db
      .insertInto('recordings')
      .values({ visit_id: seeded.visitId, facility_id: seeded.facilityId, dir: rel, status: 'recording', started_at: startedAt, ended_at: null, bytes: 0, segment_count: 0, gap_count: 0, manifest_sha256: null, purged_at: null })
      .execute();
    return { visitId: seeded.visitId, dir, startedAt };
  }

  async function recover(visitId: string, dir: string) {
    const result = (await recoverInterruptedRecordings(app.ctx)).find((r) => r.visitId === visitId);
    const row = await app.storage.db.selectFrom('recordings').selectAll().where('visit_id', '=', visitId).executeTakeFirstOrThrow();
    const manifestFile = path.join(dir, 'manifest.json');
    const manifest = existsSync(manifestFile) ? (JSON.parse(readFileSync(manifestFile, 'utf8')) as Manifest) : undefined;
    return { result, row, manifest };
  }

  /** The journal of a booth sending audio and video into booth-001.webm, written by `writer` on `host`. */
  function boothJournal(writer: ProcessIdentity, host = os.hostname(), ffmpegPid = deadPid()) {
    return (call: { visitId: string; facilityId: string; startedAt: string }): JournalEntry[] => [
      { type: 'call', ...call, host, ...writer },
      { type: 'party', party: BOOTH },
      { type: 'track', party: 'booth', kind: 'audio' },
      { type: 'track', party: 'booth', kind: 'video' },
      { type: 'segment', party: 'booth', index: 1, file: 'booth-001.webm', startedAt: new Date(Date.parse(call.startedAt) + 500).toISOString(), tracks: ['audio', 'video'], ffmpegPid },
    ];
  }

  async function liveChild(): Promise<ChildProcess> {
    const child = spawn('sleep', ['60'], { stdio: 'ignore' });
    children.push(child);
    await new Promise((resolve) => child.once('spawn', resolve));
    return child;
  }

  it.each([
    ['its boot and start time', (): ProcessIdentity => ({ pid: deadPid(), bootId: ownProcessIdentity().bootId, startTicks: 1234 })],
    ['only its pid (an older journal)', (): ProcessIdentity => ({ pid: deadPid() })],
  ])('a journal written on another hostname by a server now dead (journal with %s) is recovered: file repaired, row complete', async (_, writer) => {
    const { visitId, dir } = await interrupted({ 'booth-001.webm': clips.truncated }, boothJournal(writer(), OLD_HOSTNAME));
    const { result, row, manifest } = await recover(visitId, dir);
    expect(result?.status).toBe('complete');
    expect(row.status).toBe('complete');
    expect(manifest!.segments).toEqual([
      expect.objectContaining({ file: 'booth-001.webm', endReason: 'interrupted', recovered: { endedAtIsLastWrite: true, repaired: true } }),
    ]);
    expect(duration(path.join(dir, 'booth-001.webm'))).toBeGreaterThan(1);
    expect(existsSync(path.join(dir, JOURNAL_FILE))).toBe(false);
  });

  it('a journal whose pid is now another process (started after the writer) is recovered, whatever the hostname', async () => {
    const child = await liveChild();
    const childTicks = (await processStartTicks(child.pid!))!;
    const writer = { pid: child.pid!, bootId: ownProcessIdentity().bootId, startTicks: childTicks - 500 };
    const { visitId, dir } = await interrupted({ 'booth-001.webm': clips.truncated }, boothJournal(writer, OLD_HOSTNAME));
    const { result, row } = await recover(visitId, dir);
    expect(result?.status).toBe('complete');
    expect(row.status).toBe('complete');
  });

  it('a recording its writing process still records is left alone; once that process is gone it is recovered', async () => {
    const child = await liveChild();
    const writer = { pid: child.pid!, bootId: ownProcessIdentity().bootId, startTicks: await processStartTicks(child.pid!) };
    const { visitId, dir } = await interrupted({ 'booth-001.webm': clips.truncated }, boothJournal(writer, OLD_HOSTNAME));
    const first = await recover(visitId, dir);
    expect(first.result?.status).toBe('skipped');
    expect(first.row.status).toBe('recording');
    expect(first.manifest).toBeUndefined();
    expect(readFileSync(path.join(dir, 'booth-001.webm')).equals(clips.truncated)).toBe(true);

    child.kill('SIGKILL');
    await new Promise((resolve) => child.once('exit', resolve));
    const second = await recover(visitId, dir);
    expect(second.result?.status).toBe('complete');
    expect(second.row.status).toBe('complete');
  });

  it('a segment that cannot be remuxed makes the row incomplete; the manifest says it was not repaired and keeps the finished one', async () => {
    const junk = Buffer.alloc(4096, 0x5a);
    const { visitId, dir } = await interrupted({ 'booth-001.webm': clips.finished, 'booth-002.webm': junk }, (call) => [
      ...boothJournal({ pid: deadPid() })(call),
      { type: 'segmentEnded', file: 'booth-001.webm', endedAt: new Date(Date.parse(call.startedAt) + 3500).toISOString(), endReason: 'reconnected' },
      { type: 'gap', gap: { party: 'booth', from: new Date(Date.parse(call.startedAt) + 3500).toISOString(), to: new Date(Date.parse(call.startedAt) + 4000).toISOString(), reason: 'reconnected' } },
      { type: 'segment', party: 'booth', index: 2, file: 'booth-002.webm', startedAt: new Date(Date.parse(call.startedAt) + 4000).toISOString(), tracks: ['audio', 'video'], ffmpegPid: deadPid() },
    ]);
    const { result, row, manifest } = await recover(visitId, dir);
    expect(result).toEqual({ visitId, status: 'incomplete', segments: 2, repaired: 0 });
    expect(row.status).toBe('incomplete');
    expect(row.segment_count).toBe(2);
    expect(row.gap_count).toBe(1);
    const [first, second] = manifest!.segments;
    expect(first).toMatchObject({ file: 'booth-001.webm', endReason: 'reconnected', startOffsetMs: 500 });
    expect(first!.recovered).toBeUndefined();
    expect(second).toMatchObject({ file: 'booth-002.webm', endReason: 'interrupted', startOffsetMs: 4000, bytes: junk.length, recovered: { endedAtIsLastWrite: true, repaired: false } });
    expect(manifest!.recovered?.note).toMatch(/lost/);
    expect(manifest!.parties).toEqual([{ ...BOOTH, tracks: [{ kind: 'audio', recorded: true, startOffsetMs: 500 }, { kind: 'video', recorded: true, startOffsetMs: 500 }] }]);
    // The file is kept as it was: what can be read of it is evidence.
    expect(readFileSync(path.join(dir, 'booth-002.webm')).equals(junk)).toBe(true);
  });

  it('power loss (journal kept, no ffmpeg left): the file is repaired, its end is its last write, the row complete', async () => {
    const { visitId, dir, startedAt } = await interrupted({ 'booth-001.webm': clips.truncated }, boothJournal({ pid: deadPid() }));
    const lastWrite = new Date(Date.parse(startedAt) + 30_000);
    utimesSync(path.join(dir, 'booth-001.webm'), lastWrite, lastWrite);
    const { result, row, manifest } = await recover(visitId, dir);
    expect(result).toEqual({ visitId, status: 'complete', segments: 1, repaired: 1 });
    expect(row.status).toBe('complete');
    expect(row.ended_at).toBe(lastWrite.toISOString());
    expect(manifest!.endedAt).toBe(lastWrite.toISOString());
    expect(manifest!.segments).toEqual([
      expect.objectContaining({ file: 'booth-001.webm', endedAt: lastWrite.toISOString(), endReason: 'interrupted', recovered: { endedAtIsLastWrite: true, repaired: true } }),
    ]);
    expect(manifest!.parties[0]!.tracks.map((t) => [t.kind, t.recorded])).toEqual([['audio', true], ['video', true]]);
  });

  it('no journal (killed before its first line): the files found are repaired and listed, the row complete', async () => {
    const { visitId, dir, startedAt } = await interrupted({ 'booth-001.webm': clips.truncated });
    const { result, row, manifest } = await recover(visitId, dir);
    expect(result).toEqual({ visitId, status: 'complete', segments: 1, repaired: 1 });
    expect(row.status).toBe('complete');
    expect(manifest!.segments).toEqual([
      expect.objectContaining({ party: 'booth', index: 1, file: 'booth-001.webm', startedAt, endReason: 'interrupted', recovered: { endedAtIsLastWrite: true, repaired: true } }),
    ]);
    expect(duration(path.join(dir, 'booth-001.webm'))).toBeGreaterThan(1);
  });

  it('no journal and no file: nothing was recorded, the row is incomplete (never left recording)', async () => {
    const { visitId, dir } = await interrupted({});
    const { result, row, manifest } = await recover(visitId, dir);
    expect(result).toEqual({ visitId, status: 'incomplete', segments: 0, repaired: 0 });
    expect(row.status).toBe('incomplete');
    expect(manifest!.segments).toEqual([]);
  });
});
