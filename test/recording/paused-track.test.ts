import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { types as ms } from 'mediasoup';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../server/app.ts';
import { LiveRecording } from '../../server/recording/live-recording.ts';
import type { Manifest } from '../../server/recording/manifest.ts';
import { seedVisit } from '../helpers/seed-visit.ts';
import { encodeSyntheticClip, startSyntheticParty, type SyntheticParty } from '../helpers/synthetic-party.ts';
import { startTestApp } from '../helpers/test-app.ts';

/** The default bound (config/default.json): a pause longer than this must not count as "never recorded". */
const RECORDING_START_LIMIT_MS = 2000;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const mediaCodecs: ms.RouterRtpCodecCapability[] = [
  { kind: 'audio', mimeType: 'audio/opus', clockRate: 48000, channels: 2 },
  { kind: 'video', mimeType: 'video/VP8', clockRate: 90000 },
];

function codecsOf(file: string): string[] {
  const out = execFileSync('ffprobe', ['-v', 'error', '-show_entries', 'stream=codec_name', '-of', 'json', file], { encoding: 'utf8' });
  return (JSON.parse(out) as { streams: Array<{ codec_name: string }> }).streams.map((s) => s.codec_name).sort();
}

/** A party that mutes itself (its producer paused, as setProducerPaused does) is paused in the recording, not failed or split. */
describe('a self-muted track is a pause in the recording', { timeout: 90_000 }, () => {
  let app: App;
  let router: ms.Router;
  let clip: string;
  let parties: SyntheticParty[] = [];

  beforeAll(async () => {
    app = await startTestApp({ RECORDING_START_LIMIT_MS: String(RECORDING_START_LIMIT_MS) });
    expect(app.config.recordingStartLimitMs).toBe(RECORDING_START_LIMIT_MS);
    router = await app.pool.leastLoaded().createRouter({ mediaCodecs });
    clip = encodeSyntheticClip(mkdtempSync(path.join(os.tmpdir(), 'kv-paused-clip-')));
  });
  afterEach(async () => {
    await Promise.all(parties.map((p) => p.stop()));
    parties = [];
  });
  afterAll(async () => {
    await app?.close();
  });

  async function party(): Promise<SyntheticParty> {
    const p = await startSyntheticParty(router, { clip });
    parties.push(p);
    for (const producer of [p.audio, p.video]) {
      await expect.poll(async () => (await producer.getStats()).some((s) => s.byteCount > 0), { timeout: 15_000, interval: 100 }).toBe(true);
    }
    return p;
  }

  async function recording(visitId: string, family: SyntheticParty, during: (live: LiveRecording) => Promise<void>) {
    const failures: Error[] = [];
    const live = await LiveRecording.start(app.ctx, { router, visitId, facilityId: (await seededFacility(visitId))!, timezone: 'Asia/Jakarta' }, (err) => failures.push(err));
    await during(live);
    await live.finish();
    const row = await app.storage.db.selectFrom('recordings').selectAll().where('visit_id', '=', visitId).executeTakeFirstOrThrow();
    const dir = path.join(app.config.recordingsDir, row.dir);
    const manifest = JSON.parse(readFileSync(path.join(dir, 'manifest.json'), 'utf8')) as Manifest;
    return { failures, live, row, dir, manifest };
  }

  async function seededFacility(visitId: string): Promise<string | undefined> {
    const visit = await app.storage.db.selectFrom('visits').select(['facility_id']).where('id', '=', visitId).executeTakeFirst();
    return visit?.facility_id;
  }

  const who = { id: 'family-m', role: 'family' as const, name: 'Siti' };

  it('camera and microphone off mid-call for longer than the start limit, then on: one segment, no gap, no failure, complete', async () => {
    const seeded = await seedVisit(app);
    const family = await party();
    const { failures, row, dir, manifest } = await recording(seeded.visitId, family, async (live) => {
      await live.partyMedia({ party: who, audio: family.audio, video: family.video });
      await sleep(1500);
      await family.video.pause();
      await family.audio.pause();
      await sleep(RECORDING_START_LIMIT_MS + 1500);
      expect(live.records(family.audio.id)).toBe(true);
      expect(live.records(family.video.id)).toBe(true);
      expect(live.state).toBe('recording');
      await family.audio.resume();
      await family.video.resume();
      await sleep(2500);
    });
    expect(failures).toEqual([]);
    expect(row.status).toBe('complete');
    expect(manifest.segments.map((s) => [s.file, s.tracks, s.endReason])).toEqual([['family-m-001.webm', ['audio', 'video'], 'stopped']]);
    expect(manifest.gaps).toEqual([]);
    expect(manifest.parties[0]!.tracks.map((t) => [t.kind, t.recorded])).toEqual([['audio', true], ['video', true]]);
    expect(codecsOf(path.join(dir, 'family-m-001.webm'))).toEqual(['opus', 'vp8']);
  });

  it('a camera already off when the recording starts (joined with the camera off) is recorded once it comes on, from its resume, and never counted as a failure', async () => {
    const seeded = await seedVisit(app);
    const family = await party();
    await family.video.pause();
    const { failures, row, dir, manifest } = await recording(seeded.visitId, family, async (live) => {
      await live.partyMedia({ party: who, audio: family.audio, video: family.video });
      // longer than the start limit and than the recorder's wait for a first key frame
      await sleep(7000);
      expect(live.state).toBe('recording');
      // the paused camera is not in the file yet (a file cannot start on a camera sending nothing: its header needs the picture size): not failed either
      expect(live.records(family.audio.id)).toBe(true);
      expect(live.records(family.video.id)).toBe(false);
      await family.video.resume();
      await expect.poll(() => live.records(family.video.id), { timeout: RECORDING_START_LIMIT_MS, interval: 50 }).toBe(true);
      await sleep(3000);
      // paused again inside its file: only a pause
      await family.video.pause();
      await sleep(RECORDING_START_LIMIT_MS + 1000);
      await family.video.resume();
      await sleep(2000);
      expect(live.state).toBe('recording');
    });
    expect(failures).toEqual([]);
    expect(row.status).toBe('complete');
    // like a camera that comes later: the file with both starts before the audio-only one stops
    expect(manifest.segments.map((s) => [s.tracks, s.endReason])).toEqual([[['audio'], 'tracks_changed'], [['audio', 'video'], 'stopped']]);
    expect(manifest.gaps).toEqual([]);
    expect(manifest.parties[0]!.tracks.map((t) => [t.kind, t.recorded])).toEqual([['audio', true], ['video', true]]);
    expect(codecsOf(path.join(dir, manifest.segments[0]!.file))).toEqual(['opus']);
    expect(codecsOf(path.join(dir, manifest.segments[1]!.file))).toEqual(['opus', 'vp8']);
  });
});
