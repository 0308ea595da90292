import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Manifest } from '../../server/recording/manifest.ts';
import { openStorage } from '../../server/storage/database.ts';
import { freshPostgresSchema } from '../helpers/postgres.ts';
import { startServerProcess, type ServerProcess } from '../helpers/server-process.ts';
import { storageKinds } from '../helpers/storages.ts';
import { encodeSyntheticClip } from '../helpers/synthetic-party.ts';

// A real server process (test/helpers/recorded-call-server.ts: startApp + the signal handling of
// server/main.ts) records a call of two synthetic parties; then it is stopped the ways an
// operator's machine stops it. Every file must keep a duration, the manifest and index row must
// be complete, and nothing the server started may outlive it.

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const HARNESS = 'test/helpers/recorded-call-server.ts';
let clip: string;

beforeAll(() => {
  clip = encodeSyntheticClip(mkdtempSync(path.join(os.tmpdir(), 'kv-stop-clip-')), { seconds: 6 });
});

interface RecordedServer {
  server: ServerProcess;
  visitId: string;
  /** The visit's recording folder. */
  dir: string;
  /** When the recording of both parties had started (ms). */
  recordingSince: number;
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

async function waitForLog(server: ServerProcess, msg: string, timeoutMs = 60_000): Promise<Record<string, unknown>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const hit = server.logs.find((l) => l.msg === msg);
    if (hit) return hit;
    if (Date.now() > deadline) throw new Error(`no "${msg}" log in ${timeoutMs} ms; logs: ${server.logs.map((l) => l.msg).join(' | ')}`);
    if (server.child.exitCode !== null) throw new Error(`server exited (${server.child.exitCode}) before "${msg}"`);
    await sleep(50);
  }
}

async function startRecordedServer(env: Record<string, string>): Promise<RecordedServer> {
  const server = await startServerProcess({ SYNTHETIC_CLIP: clip, ...env }, 'node', { entry: HARNESS, ownGroup: true, startTimeoutMs: 90_000 });
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    if (server.child.exitCode !== null || server.child.signalCode !== null) resolve({ code: server.child.exitCode, signal: server.child.signalCode });
    server.child.once('exit', (code, signal) => resolve({ code, signal }));
  });
  const started = await waitForLog(server, 'test call recording');
  expect(started.recording).toBe('recording');
  const dir = path.join(server.dataDir, 'recordings', String(started.dir));
  return { server, visitId: String(started.visitId), dir, recordingSince: Date.now(), exit };
}

/** Kills whatever is left of a test server's process group (the harness's synthetic parties). */
function killGroup(server: ServerProcess): void {
  try {
    process.kill(-server.child.pid!, 'SIGKILL');
  } catch {
    /* already gone */
  }
}

function durationSeconds(file: string): number | 'N/A' {
  const out = execFileSync('ffprobe', ['-v', 'error', '-show_entries', 'format=duration', '-of', 'default=nw=1:nk=1', file], { encoding: 'utf8' }).trim();
  return out === 'N/A' ? 'N/A' : Number(out);
}

/** Process group of a live process (field 5 of /proc/<pid>/stat). */
function processGroup(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[2]);
}

function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}

/** pids of processes whose command line names `needle` (pgrep exits 1 when none). */
function pidsWriting(needle: string): number[] {
  try {
    return execFileSync('pgrep', ['-f', needle], { encoding: 'utf8' }).trim().split('\n').filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

async function workerPids(server: ServerProcess): Promise<number[]> {
  const res = await fetch(`${server.url}/healthz`);
  return ((await res.json()) as { workers: Array<{ pid: number }> }).workers.map((w) => w.pid);
}

async function waitUntilGone(pids: number[], timeoutMs = 5000): Promise<number[]> {
  const deadline = Date.now() + timeoutMs;
  while (pids.some(alive) && Date.now() < deadline) await sleep(100);
  return pids.filter(alive);
}

async function readRow(dataDir: string, databaseUrl: string | null, visitId: string) {
  const storage = await openStorage({ databaseUrl, dataDir });
  try {
    return await storage.db.selectFrom('recordings').selectAll().where('visit_id', '=', visitId).executeTakeFirstOrThrow();
  } finally {
    await storage.close();
  }
}

const startedLog = (rec: RecordedServer) => rec.server.logs.find((l) => l.msg === 'test call recording')!;
const readManifest = (dir: string) => JSON.parse(readFileSync(path.join(dir, 'manifest.json'), 'utf8')) as Manifest;

// group SIGTERM: systemd's default KillMode=control-group, or `kill -TERM -<pgid>`.
type StopWay = { name: string; stop(server: ServerProcess): void };

const stopWays: StopWay[] = [
  { name: 'group SIGTERM', stop: (s) => process.kill(-s.child.pid!, 'SIGTERM') },
  {
    // Ctrl-C: the terminal signals the group; `npm start` then forwards its own SIGINT to the server.
    name: 'group SIGINT',
    stop: (s) => {
      process.kill(-s.child.pid!, 'SIGINT');
      setTimeout(() => s.child.exitCode === null && s.child.kill('SIGINT'), 100);
    },
  },
  { name: 'SIGTERM alone', stop: (s) => s.child.kill('SIGTERM') },
];

describe.each(stopWays.map((w) => [w.name, w] as const))('a call recorded by a real server, parties gone, then %s', (_name, way) => {
  let rec: RecordedServer;
  afterAll(() => rec && killGroup(rec.server));

  it('exits 0 after finalising every segment (duration and index), the manifest and the index row', async () => {
    rec = await startRecordedServer({ PARTIES_LEAVE_AFTER_MS: '6000' });
    const workers = await workerPids(rec.server);
    await waitForLog(rec.server, 'test parties left');
    const callSeconds = (Date.now() - rec.recordingSince) / 1000;
    const recorders = pidsWriting(rec.dir);
    expect(recorders.length).toBe(2);
    const groups = [...workers, ...recorders].map(processGroup);
    await sleep(2000); // the operator stops the server 2 s after the parties' browsers closed

    way.stop(rec.server);
    const { code } = await rec.exit;

    expect(code).toBe(0);
    const msgs = rec.server.logs.map((l) => l.msg);
    expect(msgs).not.toContain('call router closed unexpectedly, opening a new one');
    expect(msgs).not.toContain('recording did not finish cleanly');
    expect(msgs).toContain('stopped');
    const manifest = readManifest(rec.dir);
    expect(manifest.parties.map((p) => p.role).sort()).toEqual(['family', 'inmate']);
    expect(manifest.segments).toHaveLength(2);
    for (const s of manifest.segments) {
      expect(s.missing).toBeUndefined();
      const seconds = durationSeconds(path.join(rec.dir, s.file));
      expect(seconds, `${s.file} duration`).not.toBe('N/A');
      expect(seconds as number, `${s.file} duration`).toBeGreaterThanOrEqual(callSeconds - 2);
    }
    const row = await readRow(rec.server.dataDir, null, rec.visitId);
    expect(row.status).toBe('complete');
    expect(row.segment_count).toBe(2);
    // Children the server owns were out of its process group: a group signal did not reach them.
    expect(groups).not.toContain(rec.server.child.pid);
    // Nothing the server started outlives it.
    expect(await waitUntilGone([...workers, ...recorders])).toEqual([]);
  }, 90_000);
});

describe.each(storageKinds)('a real server killed mid-call (%s), then started again', (kind) => {
  let pg: Awaited<ReturnType<typeof freshPostgresSchema>> | undefined;
  let databaseUrl: string | null = null;
  const servers: ServerProcess[] = [];
  /** Frozen leftover recorders, killed here if the test fails before the recovery does it. */
  const frozen: number[] = [];
  beforeAll(async () => {
    if (kind === 'postgres') {
      pg = await freshPostgresSchema();
      databaseUrl = pg.url;
    }
  });
  afterAll(async () => {
    for (const s of servers) killGroup(s);
    for (const pid of frozen.filter(alive)) process.kill(pid, 'SIGKILL');
    await pg?.drop();
  });

  it('repairs the files at the next start, notes the recovery in the manifest and completes the index row', async () => {
    const env: Record<string, string> = databaseUrl ? { DATABASE_URL: databaseUrl } : {};
    const rec = await startRecordedServer(env);
    servers.push(rec.server);
    const workers = await workerPids(rec.server);
    const boothFirst = path.join(rec.dir, 'booth-001.webm');
    await sleep(3000);

    // One recorder dies alone: the live server goes on in a new segment.
    const [boothRecorder] = pidsWriting(boothFirst);
    expect(boothRecorder).toBeGreaterThan(0);
    process.kill(boothRecorder!, 'SIGKILL');
    await waitForLog(rec.server, 'recorder died, starting a new segment');
    const boothSecond = path.join(rec.dir, 'booth-002.webm');
    const deadline = Date.now() + 15_000;
    while ((existsSync(boothSecond) ? statSync(boothSecond).size : 0) < 8192 && Date.now() < deadline) await sleep(200);
    expect(statSync(boothSecond).size).toBeGreaterThanOrEqual(8192);
    await sleep(2000);

    // Then the server (and its whole group) is killed: nothing can be finalised.
    killGroup(rec.server);
    const { signal } = await rec.exit;
    expect(signal).toBe('SIGKILL');
    expect(await waitUntilGone(workers)).toEqual([]); // a worker ends with its server's channel
    const leftovers = pidsWriting(rec.dir);
    expect(leftovers.length).toBe(2); // booth-002 and family-001 recorders, in their own groups
    // Such a recorder waits for media until it is stopped;
    // frozen, they are still there however long the restart takes on a busy machine.
    for (const pid of leftovers) process.kill(pid, 'SIGSTOP');
    frozen.push(...leftovers);
    expect(durationSeconds(boothSecond)).toBe('N/A');
    expect((await readRow(rec.server.dataDir, databaseUrl, rec.visitId)).status).toBe('recording');

    const again = await startServerProcess({ DATA_DIR: rec.server.dataDir, ...env }, 'node', { startTimeoutMs: 90_000 });
    servers.push(again);
    expect(await waitUntilGone(leftovers)).toEqual([]);
    const row = await readRow(rec.server.dataDir, databaseUrl, rec.visitId);
    expect(row.status).toBe('complete');
    const manifest = readManifest(rec.dir);
    expect(manifest.recovered?.endedAtIsLastWrite).toBe(true);
    expect(manifest.recovered?.note).toMatch(/without finalising/);
    expect(manifest.parties.map((p) => p.role).sort()).toEqual(['family', 'inmate']);
    const byFile = new Map(manifest.segments.map((s) => [s.file, s]));
    expect([...byFile.keys()].sort()).toEqual(['booth-001.webm', 'booth-002.webm', `${manifest.parties.find((p) => p.role === 'family')!.id}-001.webm`]);
    expect(byFile.get('booth-001.webm')).toMatchObject({ endReason: 'recorder_died' });
    expect(byFile.get('booth-001.webm')!.recovered).toBeUndefined();
    for (const s of manifest.segments.filter((x) => x.file !== 'booth-001.webm')) {
      expect(s).toMatchObject({ endReason: 'interrupted', recovered: { endedAtIsLastWrite: true, repaired: true } });
      expect(leftovers).toContain(s.recovered!.leftoverRecorderKilled);
    }
    expect(manifest.gaps).toEqual([expect.objectContaining({ party: 'booth', reason: 'recorder_died' })]);
    for (const s of manifest.segments) {
      const seconds = durationSeconds(path.join(rec.dir, s.file));
      expect(seconds, `${s.file} duration`).not.toBe('N/A');
      expect(seconds as number).toBeGreaterThan(1);
    }
    expect(row.segment_count).toBe(3);
    expect(again.logs.some((l) => l.msg === 'recovered a recording its server did not finalise' && l.visitId === rec.visitId)).toBe(true);
    expect(existsSync(path.join(rec.dir, 'recording.journal'))).toBe(false);
    const { code } = await again.stop('SIGTERM');
    expect(code).toBe(0);

    // The booth calls again (the visit is still on): the new recording continues after the
    // recovered files, which stay as they were, in the same manifest.
    const resumed = await startRecordedServer({ ...env, DATA_DIR: rec.server.dataDir, RESUME_VISIT: JSON.stringify(startedLog(rec).visit), PARTIES_LEAVE_AFTER_MS: '4000' });
    servers.push(resumed.server);
    expect(resumed.dir).toBe(rec.dir);
    await waitForLog(resumed.server, 'test parties left');
    resumed.server.child.kill('SIGTERM');
    expect((await resumed.exit).code).toBe(0);
    expect(resumed.server.logs.filter((l) => Number(l.level) >= 50).map((l) => `${l.msg} ${l.err ?? ''}`)).toEqual([]);
    const final = readManifest(rec.dir);
    const familyId = manifest.parties.find((p) => p.role === 'family')!.id;
    expect(final.segments.map((s) => s.file).sort()).toEqual(['booth-001.webm', 'booth-002.webm', 'booth-003.webm', `${familyId}-001.webm`, `${familyId}-002.webm`]);
    for (const s of manifest.segments) expect(final.segments.find((f) => f.file === s.file)).toMatchObject({ sha256: s.sha256, bytes: s.bytes, endReason: s.endReason });
    expect(final.gaps.filter((g) => g.reason === 'server_restarted').map((g) => g.party).sort()).toEqual(['booth', familyId]);
    expect(final.recovered).toEqual(manifest.recovered);
    expect(final.startedAt).toBe(manifest.startedAt);
    const finalRow = await readRow(rec.server.dataDir, databaseUrl, rec.visitId);
    expect(finalRow).toMatchObject({ status: 'complete', segment_count: 5 });
  }, 180_000);
});
