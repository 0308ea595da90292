import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { types as ms } from 'mediasoup';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../server/app.ts';
import { LiveRecording } from '../../server/recording/live-recording.ts';

/** The default bound (config/default.json), which the test environment relaxes elsewhere. */
const RECORDING_START_LIMIT_MS = 2000;
const LIMIT_ENV = { RECORDING_START_LIMIT_MS: String(RECORDING_START_LIMIT_MS) };
import type { Manifest } from '../../server/recording/manifest.ts';
import { durableDatabase } from '../helpers/public-services.ts';
import { seedVisit } from '../helpers/seed-visit.ts';
import { storageKinds } from '../helpers/storages.ts';
import { encodeSyntheticClip, startSyntheticParty, type SyntheticParty } from '../helpers/synthetic-party.ts';
import { loginOfficer, startTestApp } from '../helpers/test-app.ts';
import { fakeAudioRtp, TestCallClient } from '../calls/socket-client.ts';
import type { CallView } from '../../server/supervision/call-view-contract.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const mediaCodecs: ms.RouterRtpCodecCapability[] = [
  { kind: 'audio', mimeType: 'audio/opus', clockRate: 48000, channels: 2 },
  { kind: 'video', mimeType: 'video/VP8', clockRate: 90000 },
];

function probe(file: string): { codecs: string[]; duration: number } {
  const out = execFileSync('ffprobe', ['-v', 'error', '-show_entries', 'stream=codec_name:format=duration', '-of', 'json', file], { encoding: 'utf8' });
  const json = JSON.parse(out) as { streams: Array<{ codec_name: string }>; format: { duration?: string } };
  return { codecs: json.streams.map((s) => s.codec_name).sort(), duration: Number(json.format.duration) };
}

async function waitForMedia(file: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while ((existsSync(file) ? statSync(file).size : 0) < 2048) {
    if (Date.now() > deadline) throw new Error(`no media written to ${file} in ${timeoutMs} ms`);
    await sleep(200);
  }
}

/** A "kv-recorder" that starts but never opens its ports (a hung recorder). */
function hangingRecorder(): string {
  const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'kv-hung-recorder-')), 'kv-recorder');
  writeFileSync(file, '#!/bin/sh\nexec sleep 20\n');
  chmodSync(file, 0o755);
  return file;
}

describe.each(storageKinds)('every track is recorded on its own (%s)', { timeout: 60_000 }, (kind) => {
  let app: App;
  let router: ms.Router;
  let otherRouter: ms.Router;
  let drop: () => Promise<void>;
  let clip: string;
  let parties: SyntheticParty[] = [];

  beforeAll(async () => {
    const db = await durableDatabase(kind);
    drop = db.drop;
    app = await startTestApp({ ...db.env, ...LIMIT_ENV });
    expect(app.config.recordingStartLimitMs).toBe(RECORDING_START_LIMIT_MS);
    router = await app.pool.leastLoaded().createRouter({ mediaCodecs });
    otherRouter = await app.pool.leastLoaded().createRouter({ mediaCodecs });
    // Parties stream a pre-encoded clip (-c copy): live encoders would starve the recorders' start on 2 cores.
    clip = encodeSyntheticClip(mkdtempSync(path.join(os.tmpdir(), 'kv-track-clip-')));
  });
  afterEach(async () => {
    await Promise.all(parties.map((p) => p.stop()));
    parties = [];
  });
  afterAll(async () => {
    await app?.close();
    await drop?.();
  });

  /** A synthetic party whose RTP already reaches its producers (so the first packet is in the past). */
  async function party(on = router): Promise<SyntheticParty> {
    const p = await startSyntheticParty(on, { clip });
    parties.push(p);
    for (const producer of [p.audio, p.video]) {
      await expect.poll(async () => (await producer.getStats()).some((s) => s.byteCount > 0), { timeout: 15_000, interval: 100 }).toBe(true);
    }
    return p;
  }

  async function recordingOf(visitId: string) {
    const row = await app.storage.db.selectFrom('recordings').selectAll().where('visit_id', '=', visitId).executeTakeFirstOrThrow();
    const dir = path.join(app.config.recordingsDir, row.dir);
    const manifest = JSON.parse(readFileSync(path.join(dir, 'manifest.json'), 'utf8')) as Manifest;
    return { row, dir, manifest };
  }

  async function startLive(visitId: string, facilityId: string, ctx: Pick<App['ctx'], 'config' | 'storage' | 'logger'> = app.ctx) {
    const failures: Array<{ err: Error; producer?: ms.Producer; at: number }> = [];
    const live = await LiveRecording.start(ctx, { router, visitId, facilityId, timezone: 'Asia/Jakarta' }, (err, producer) => failures.push({ err, producer, at: Date.now() }));
    return { live, failures };
  }

  it('an audio-only party gives an Opus-only WebM started within 2 s, listed with its track and start offset; the row is complete', async () => {
    const seeded = await seedVisit(app);
    const family = await party();
    const { live, failures } = await startLive(seeded.visitId, seeded.facilityId);
    const asked = Date.now();
    await live.partyMedia({ party: { id: 'family-a', role: 'family', name: 'Siti' }, audio: family.audio });
    expect(Date.now() - asked).toBeLessThan(RECORDING_START_LIMIT_MS);
    expect(live.records(family.audio.id)).toBe(true);
    await sleep(2500);
    await live.finish();
    const { row, dir: recDir, manifest } = await recordingOf(seeded.visitId);
    expect(failures).toEqual([]);
    expect(row.status).toBe('complete');
    expect(manifest.parties).toEqual([{ id: 'family-a', role: 'family', name: 'Siti', tracks: [{ kind: 'audio', recorded: true, startOffsetMs: expect.any(Number) }] }]);
    expect(manifest.segments).toEqual([expect.objectContaining({ file: 'family-a-001.webm', tracks: ['audio'], startOffsetMs: manifest.parties[0]!.tracks[0]!.startOffsetMs })]);
    const info = probe(path.join(recDir, 'family-a-001.webm'));
    expect(info.codecs).toEqual(['opus']);
    expect(info.duration).toBeGreaterThan(1.5);
  });

  it('a video-only party gives a VP8-only WebM', async () => {
    const seeded = await seedVisit(app);
    const booth = await party();
    const { live, failures } = await startLive(seeded.visitId, seeded.facilityId);
    await live.partyMedia({ party: { id: 'booth', role: 'inmate', name: 'Budi' }, video: booth.video });
    await sleep(2500);
    await live.finish();
    const { row, dir, manifest } = await recordingOf(seeded.visitId);
    expect(failures).toEqual([]);
    expect(row.status).toBe('complete');
    expect(manifest.parties[0]!.tracks).toEqual([{ kind: 'video', recorded: true, startOffsetMs: expect.any(Number) }]);
    expect(probe(path.join(dir, 'booth-001.webm')).codecs).toEqual(['vp8']);
  });

  it('a track that appears later is recorded from then on, and the first one loses nothing meanwhile', async () => {
    const seeded = await seedVisit(app);
    const family = await party();
    const { live, failures } = await startLive(seeded.visitId, seeded.facilityId);
    const who = { id: 'family-b', role: 'family' as const, name: 'Ani' };
    await live.partyMedia({ party: who, audio: family.audio });
    await sleep(1500);
    await live.partyMedia({ party: who, audio: family.audio, video: family.video });
    expect(live.records(family.video.id)).toBe(true);
    await sleep(2500);
    await live.finish();
    const { row, dir, manifest } = await recordingOf(seeded.visitId);
    expect(failures).toEqual([]);
    expect(row.status).toBe('complete');
    const [first, second] = manifest.segments;
    expect(manifest.segments.map((s) => [s.file, s.tracks, s.endReason])).toEqual([
      ['family-b-001.webm', ['audio'], 'tracks_changed'],
      ['family-b-002.webm', ['audio', 'video'], 'stopped'],
    ]);
    // the segment with both started before the audio-only one stopped: no audio gap
    expect(second!.startedAt <= first!.endedAt).toBe(true);
    expect(manifest.gaps).toEqual([]);
    const tracks = manifest.parties[0]!.tracks;
    expect(tracks.map((t) => [t.kind, t.recorded])).toEqual([['audio', true], ['video', true]]);
    expect(tracks[1]!.startOffsetMs! - tracks[0]!.startOffsetMs!).toBeGreaterThanOrEqual(1400);
    expect(probe(path.join(dir, 'family-b-001.webm')).codecs).toEqual(['opus']);
    expect(probe(path.join(dir, 'family-b-002.webm')).codecs).toEqual(['opus', 'vp8']);
  });

  it('a party whose video was never recorded makes the recording incomplete (index row and GET /api/recordings), its audio is still recorded', async () => {
    const seeded = await seedVisit(app);
    const officer = await loginOfficer(app, [seeded.facilityId]);
    const family = await party();
    // A video producer this recording cannot consume (another router): its recording cannot start.
    const elsewhere = await party(otherRouter);
    const { live, failures } = await startLive(seeded.visitId, seeded.facilityId);
    await live.partyMedia({ party: { id: 'family-c', role: 'family', name: 'Rudi' }, audio: family.audio, video: elsewhere.video });
    expect(live.records(family.audio.id)).toBe(true);
    expect(live.records(elsewhere.video.id)).toBe(false);
    expect(live.state).toBe('failed');
    expect(failures).toHaveLength(1);
    await sleep(1500);
    await live.finish();
    const { row, dir, manifest } = await recordingOf(seeded.visitId);
    expect(row.status).toBe('incomplete');
    expect(manifest.parties[0]!.tracks).toEqual([
      { kind: 'audio', recorded: true, startOffsetMs: expect.any(Number) },
      { kind: 'video', recorded: false, startOffsetMs: null },
    ]);
    expect(probe(path.join(dir, 'family-c-001.webm')).codecs).toEqual(['opus']);
    const res = await fetch(`${app.url}/api/recordings`, { headers: officer.auth });
    const listed = ((await res.json()) as { recordings: Array<{ visitId: string; status: string }> }).recordings;
    expect(listed.find((r) => r.visitId === seeded.visitId)?.status).toBe('incomplete');
  });

  it('a lone track handed over ~100 ms before the call ends (still waiting for the other) is listed as never recorded; the row is incomplete', async () => {
    const seeded = await seedVisit(app);
    const family = await party();
    const { live } = await startLive(seeded.visitId, seeded.facilityId);
    const applied = live.partyMedia({ party: { id: 'family-d', role: 'family', name: 'Dewi' }, audio: family.audio });
    await sleep(100);
    await live.finish();
    await applied;
    const { row, manifest } = await recordingOf(seeded.visitId);
    expect(row.status).toBe('incomplete');
    expect(manifest.parties).toEqual([{ id: 'family-d', role: 'family', name: 'Dewi', tracks: [{ kind: 'audio', recorded: false, startOffsetMs: null }] }]);
    expect(manifest.segments).toEqual([]);
  });

  it('a track queued behind the same party\'s recorded one when the call ends is listed as never recorded; the recorded one is kept', async () => {
    const seeded = await seedVisit(app);
    const family = await party();
    const { live, failures } = await startLive(seeded.visitId, seeded.facilityId);
    const who = { id: 'family-e', role: 'family' as const, name: 'Eka' };
    await live.partyMedia({ party: who, audio: family.audio });
    await sleep(1000);
    const queued = live.partyMedia({ party: who, audio: family.audio, video: family.video });
    await live.finish();
    await queued;
    const { row, manifest } = await recordingOf(seeded.visitId);
    expect(failures).toEqual([]);
    expect(row.status).toBe('incomplete');
    expect(manifest.parties[0]!.tracks).toEqual([
      { kind: 'audio', recorded: true, startOffsetMs: expect.any(Number) },
      { kind: 'video', recorded: false, startOffsetMs: null },
    ]);
    expect(manifest.segments.map((s) => [s.file, s.tracks])).toEqual([['family-e-001.webm', ['audio']]]);
  });

  it('a track whose recording has not started 2 s after its first packet is reported with its producer; the row is incomplete', async () => {
    const seeded = await seedVisit(app);
    const booth = await party();
    const ctx = { ...app.ctx, config: { ...app.ctx.config, recorderPath: hangingRecorder() } };
    const { live, failures } = await startLive(seeded.visitId, seeded.facilityId, ctx);
    const asked = Date.now();
    void live.partyMedia({ party: { id: 'booth', role: 'inmate', name: 'Budi' }, audio: booth.audio });
    await expect.poll(() => failures.length, { timeout: RECORDING_START_LIMIT_MS + 2000, interval: 50 }).toBe(1);
    // RTP was already flowing: the bound runs from the first packet the producer saw (before asked).
    expect(failures[0]!.at - asked).toBeLessThan(RECORDING_START_LIMIT_MS + 1000);
    expect(failures[0]!.producer).toBe(booth.audio);
    expect(failures[0]!.err.message).toMatch(/not recorded within 2000 ms/);
    await live.finish();
    const { row, manifest } = await recordingOf(seeded.visitId);
    expect(row.status).toBe('incomplete');
    expect(manifest.parties[0]!.tracks).toEqual([{ kind: 'audio', recorded: false, startOffsetMs: null }]);
  });
});

describe('live calls: what GET /api/calls says is recorded, and fail-closed for a lone track', { timeout: 60_000 }, () => {
  function configFile(config: Record<string, unknown>): string {
    const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'kv-rec-config-')), 'config.json');
    writeFileSync(file, JSON.stringify(config));
    return file;
  }

  /** Booth joins and sends audio only (signalling-level RTP parameters). */
  async function audioOnlyBooth(app: App) {
    const seeded = await seedVisit(app);
    const officer = await loginOfficer(app, [seeded.facilityId]);
    const booth = await TestCallClient.open(app, { token: seeded.boothToken, role: 'booth' });
    await booth.ok('joinCall', { visitId: seeded.visitId });
    const send = await booth.ok('createTransport', { direction: 'send' });
    await booth.ok('produce', { transportId: send.transportId, kind: 'audio', rtpParameters: fakeAudioRtp(4321), source: 'microphone' });
    const view = async () => {
      const res = await fetch(`${app.url}/api/calls`, { headers: officer.auth });
      return ((await res.json()) as { calls: CallView[] }).calls.find((c) => c.visitId === seeded.visitId);
    };
    return { seeded, booth, view };
  }

  it('an audio-only party is recorded, and each party says which of its tracks are', async () => {
    const app = await startTestApp(LIMIT_ENV);
    try {
      const { booth, view } = await audioOnlyBooth(app);
      await expect.poll(async () => (await view())?.parties[0]?.recorded, { timeout: 5000, interval: 100 }).toEqual({ audio: true, video: false });
      expect((await view())?.recording).toBe('recording');
      booth.close();
    } finally {
      await app.close();
    }
  });

  it('without fail-closed, a track whose recorder cannot start is not called recording, and the call goes on', async () => {
    const app = await startTestApp({ ...LIMIT_ENV, CONFIG_FILE: configFile({ recordingFailClosed: false }), RECORDER_PATH: '/nonexistent/kv-recorder' });
    try {
      const { booth, view } = await audioOnlyBooth(app);
      await expect.poll(async () => (await view())?.recording, { timeout: 5000, interval: 100 }).toBe('failed');
      expect((await view())?.parties[0]?.recorded).toEqual({ audio: false, video: false });
      expect(booth.notifications.some((n) => n.method === 'callEnded')).toBe(false);
      booth.close();
    } finally {
      await app.close();
    }
  });

  it('with fail-closed, a track not recorded 2 s after its first packet is stopped and the call ends (recording_failed)', async () => {
    const app = await startTestApp({ ...LIMIT_ENV, RECORDER_PATH: hangingRecorder() });
    let sender: SyntheticParty | undefined;
    try {
      const seeded = await seedVisit(app);
      const booth = await TestCallClient.open(app, { token: seeded.boothToken, role: 'booth' });
      await booth.ok('joinCall', { visitId: seeded.visitId });
      // Real RTP into the call's router (a browser's media cannot be made in node), handed to the
      // call's recording as the service does for a party's producer.
      const room = await app.calls.call(seeded.visitId)!.room();
      sender = await startSyntheticParty(room.router, { clip: encodeSyntheticClip(mkdtempSync(path.join(os.tmpdir(), 'kv-track-clip-'))) });
      await expect.poll(async () => (await sender!.audio.getStats()).some((st) => st.byteCount > 0), { timeout: 15_000, interval: 100 }).toBe(true);
      const asked = Date.now();
      void app.calls.supervision(seeded.visitId)!.recording.partyMedia({ party: { id: 'booth', role: 'inmate', name: 'Budi' }, audio: sender.audio });
      expect(await booth.waitFor('callEnded', () => true, RECORDING_START_LIMIT_MS + 5000)).toEqual({ reason: 'recording_failed' });
      expect(Date.now() - asked).toBeGreaterThanOrEqual(RECORDING_START_LIMIT_MS);
      expect(sender.audio.closed).toBe(true);
      const audit = await app.storage.db.selectFrom('audit_log').select(['action', 'details']).where('subject_id', '=', seeded.visitId).where('action', '=', 'recording.failed').execute();
      expect(audit).toHaveLength(1);
      expect(JSON.stringify(audit[0]!.details)).toContain('audio');
      booth.close();
    } finally {
      await sender?.stop();
      await app.close();
    }
  });

  it('with fail-closed, an audio-only party whose recording cannot start ends the call (recording_failed)', async () => {
    const app = await startTestApp({ ...LIMIT_ENV, RECORDER_PATH: '/nonexistent/kv-recorder' });
    try {
      expect(app.config.recordingFailClosed).toBe(true);
      const { seeded, booth } = await audioOnlyBooth(app);
      expect(await booth.waitFor('callEnded', () => true, 5000)).toEqual({ reason: 'recording_failed' });
      const audit = await app.storage.db.selectFrom('audit_log').select(['action']).where('subject_id', '=', seeded.visitId).execute();
      expect(audit.map((a) => a.action)).toContain('recording.failed');
      booth.close();
    } finally {
      await app.close();
    }
  });
});
