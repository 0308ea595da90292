import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as mediasoup from 'mediasoup';
import type { types as ms } from 'mediasoup';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../server/logging/logger.ts';
import { CallRecording } from '../../server/recording/call-recording.ts';
import { sha256File, type Manifest } from '../../server/recording/manifest.ts';
import { startSyntheticParty, type SyntheticParty } from '../helpers/synthetic-party.ts';
import { recorderPath } from '../helpers/build-recorder.ts';

const logger = createLogger('silent');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function probe(file: string): { codecs: string[]; duration: number } {
  const out = execFileSync('ffprobe', ['-v', 'error', '-show_entries', 'stream=codec_name:format=duration', '-of', 'json', file], { encoding: 'utf8' });
  const json = JSON.parse(out) as { streams: Array<{ codec_name: string }>; format: { duration: string } };
  return { codecs: json.streams.map((s) => s.codec_name).sort(), duration: Number(json.format.duration) };
}

/** Decodes the first video frame to a raw image; ffmpeg fails if the file does not start decodable. */
function firstFrameDecodes(file: string): boolean {
  const r = spawnSync('ffmpeg', ['-v', 'error', '-xerror', '-i', file, '-map', '0:v:0', '-frames:v', '1', '-f', 'rawvideo', '-pix_fmt', 'rgb24', '-'], { maxBuffer: 10 * 1024 * 1024 });
  return r.status === 0 && r.stdout.length === 320 * 240 * 3;
}

/** The recorder writes nothing until it has seen a key frame; under CPU load that can take seconds. */
async function waitForMedia(file: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while ((existsSync(file) ? statSync(file).size : 0) < 4096) {
    if (Date.now() > deadline) throw new Error(`no media written to ${file} in ${timeoutMs} ms`);
    await sleep(200);
  }
}

function recorderPidWriting(file: string): number {
  const out = execFileSync('pgrep', ['-f', file], { encoding: 'utf8' }).trim();
  return Number(out.split('\n')[0]);
}

describe('call recording (real kv-recorder)', () => {
  let worker: ms.Worker;
  let router: ms.Router;
  let root: string;
  const parties: SyntheticParty[] = [];

  beforeAll(async () => {
    worker = await mediasoup.createWorker({ logLevel: 'warn', rtcMinPort: 42400, rtcMaxPort: 42599 });
    router = await worker.createRouter({
      mediaCodecs: [
        { kind: 'audio', mimeType: 'audio/opus', clockRate: 48000, channels: 2 },
        { kind: 'video', mimeType: 'video/VP8', clockRate: 90000 },
      ],
    });
    root = mkdtempSync(path.join(os.tmpdir(), 'kv-recordings-'));
  });
  afterAll(async () => {
    await Promise.all(parties.map((p) => p.stop()));
    worker.close();
  });

  const options = (visitId: string) => ({ router, recordingsDir: root, facilityId: 'fac-1', timezone: 'Asia/Jakarta', visitId, recorderPath, ffmpegPath: 'ffmpeg', logger });

  it('records one decodable VP8 + Opus WebM per party, as long as the call, with matching manifest hashes', async () => {
    const booth = await startSyntheticParty(router, { toneHz: 440 });
    const family = await startSyntheticParty(router, { toneHz: 880 });
    parties.push(booth, family);
    await sleep(800);
    const recording = await CallRecording.create(options('visit-1'));
    const t0 = Date.now();
    await Promise.all([
      recording.addParty({ id: 'booth', role: 'inmate', name: 'Budi' }, booth),
      recording.addParty({ id: 'family-1', role: 'family', name: 'Siti' }, family),
    ]);
    await sleep(6000);
    const manifest = await recording.stop();
    const callSeconds = (Date.now() - t0) / 1000;

    expect(recording.dir).toMatch(/fac-1\/\d{4}-\d{2}-\d{2}\/visit-1$/);
    expect(manifest.segments.map((s) => s.file).sort()).toEqual(['booth-001.webm', 'family-1-001.webm']);
    expect(manifest.gaps).toEqual([]);
    for (const segment of manifest.segments) {
      const file = path.join(recording.dir, segment.file);
      const info = probe(file);
      expect(info.codecs).toEqual(['opus', 'vp8']);
      expect(Math.abs(info.duration - callSeconds)).toBeLessThan(1.5);
      expect(firstFrameDecodes(file)).toBe(true);
      expect(await sha256File(file)).toBe(segment.sha256);
    }
    const onDisk = JSON.parse(readFileSync(path.join(recording.dir, 'manifest.json'), 'utf8')) as Manifest;
    expect(onDisk).toEqual(manifest);
    expect(onDisk.parties.map((p) => p.role).sort()).toEqual(['family', 'inmate']);
  });

  it('starts a new segment and records the gap when its recorder is killed mid-call', async () => {
    const booth = await startSyntheticParty(router);
    parties.push(booth);
    await sleep(500);
    const recording = await CallRecording.create(options('visit-2'));
    await recording.addParty({ id: 'booth', role: 'inmate', name: 'Budi' }, booth);
    await waitForMedia(path.join(recording.dir, 'booth-001.webm'));
    await sleep(1000);
    process.kill(recorderPidWriting(path.join(recording.dir, 'booth-001.webm')), 'SIGKILL');
    await waitForMedia(path.join(recording.dir, 'booth-002.webm'));
    await sleep(1000);
    const manifest = await recording.stop();
    expect(manifest.segments.map((s) => [s.file, s.endReason])).toEqual([
      ['booth-001.webm', 'recorder_died'],
      ['booth-002.webm', 'stopped'],
    ]);
    expect(manifest.gaps).toHaveLength(1);
    expect(manifest.gaps[0]).toMatchObject({ party: 'booth', reason: 'recorder_died' });
    const second = path.join(recording.dir, 'booth-002.webm');
    expect(probe(second).codecs).toEqual(['opus', 'vp8']);
    expect(firstFrameDecodes(second)).toBe(true);
    expect(readdirSync(recording.dir).sort()).toEqual(['booth-001.webm', 'booth-002.webm', 'manifest.json']);
  });

  it('opens a new segment with a gap when a party reconnects with new producers', async () => {
    const first = await startSyntheticParty(router);
    parties.push(first);
    await sleep(500);
    const recording = await CallRecording.create(options('visit-3'));
    await recording.addParty({ id: 'family-9', role: 'family', name: 'Ani' }, first);
    await waitForMedia(path.join(recording.dir, 'family-9-001.webm'));
    await sleep(1000);
    await first.stop();
    await sleep(1000);
    const second = await startSyntheticParty(router);
    parties.push(second);
    await sleep(300);
    await recording.partyReconnected('family-9', second);
    await waitForMedia(path.join(recording.dir, 'family-9-002.webm'));
    await sleep(1000);
    const manifest = await recording.stop();
    expect(manifest.segments.map((s) => s.endReason)).toEqual(['reconnected', 'stopped']);
    const gap = manifest.gaps[0]!;
    expect(gap.reason).toBe('reconnected');
    expect(new Date(gap.to).getTime() - new Date(gap.from).getTime()).toBeGreaterThanOrEqual(1000);
    for (const file of ['family-9-001.webm', 'family-9-002.webm']) {
      expect(probe(path.join(recording.dir, file)).codecs).toEqual(['opus', 'vp8']);
      expect(firstFrameDecodes(path.join(recording.dir, file))).toBe(true);
    }
  });

  it('fails closed when the recorder cannot start', async () => {
    const party = await startSyntheticParty(router);
    parties.push(party);
    const recording = await CallRecording.create({ ...options('visit-4'), recorderPath: '/nonexistent/kv-recorder' });
    await expect(recording.addParty({ id: 'booth', role: 'inmate', name: 'Budi' }, party)).rejects.toThrow(/cannot start the recorder/);
  });

  it('refuses ids that would escape the recordings folder', async () => {
    await expect(CallRecording.create(options('../../etc'))).rejects.toThrow(/unsafe visit id/);
  });
});
