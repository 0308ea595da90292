import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../server/app.ts';
import { sha256File, type Manifest } from '../../server/recording/manifest.ts';
import { bodyState, launchBrowser, waitUntil, type BrowserSession } from '../helpers/browser.ts';
import { fakeMedia } from '../helpers/fake-media.ts';
import { seedVisit, type SeededVisit } from '../helpers/seed-visit.ts';
import { startTestApp } from '../helpers/test-app.ts';

const VISIT_SECONDS = 20;
/** Offsets suited to a 20 s visit (the defaults are 120 s and 30 s). */
const OFFSETS = [12, 5];

function probe(file: string): { codecs: string[]; duration: number } {
  const out = execFileSync('ffprobe', ['-v', 'error', '-show_entries', 'stream=codec_name:format=duration', '-of', 'json', file], { encoding: 'utf8' });
  const json = JSON.parse(out) as { streams: Array<{ codec_name: string }>; format: { duration: string } };
  return { codecs: json.streams.map((s) => s.codec_name).sort(), duration: Number(json.format.duration) };
}

function firstFrameDecodes(file: string): boolean {
  const r = spawnSync('ffmpeg', ['-v', 'error', '-xerror', '-i', file, '-map', '0:v:0', '-frames:v', '1', '-f', 'rawvideo', '-pix_fmt', 'rgb24', '-'], { maxBuffer: 32 * 1024 * 1024 });
  return r.status === 0 && r.stdout.length > 0;
}

const warningOf = (s: BrowserSession) =>
  s.page.evaluate(() => {
    const el = (globalThis as any).document.querySelector('[data-testid="time-warning"]');
    return el ? { secondsLeft: Number(el.dataset.secondsLeft), text: String(el.textContent ?? '') } : null;
  });

describe('server-enforced time limit and recording of a browser call', () => {
  let app: App;
  let seeded: SeededVisit;
  let booth: BrowserSession;
  let family: BrowserSession;
  let endedAt = 0;

  beforeAll(async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'kv-supervision-'));
    const configFile = path.join(dir, 'config.json');
    writeFileSync(configFile, JSON.stringify({ supervision: { warningOffsetsSeconds: OFFSETS } }));
    app = await startTestApp({ CONFIG_FILE: configFile });
    booth = await launchBrowser({ media: fakeMedia('blue', 660) });
    family = await launchBrowser({ media: fakeMedia('red', 440) });
  });
  afterAll(async () => {
    await family?.close();
    await booth?.close();
    await app?.close();
  });

  it('warns both pages before the end and ends the call on time although nobody leaves', async () => {
    seeded = await seedVisit(app, { start: new Date(), durationSeconds: VISIT_SECONDS, visitorNames: ['Siti Aminah'] });
    const deadline = seeded.start.getTime() + VISIT_SECONDS * 1000;
    await Promise.all([booth.page.goto(`${app.url}/booth/?t=${seeded.boothToken}`), family.page.goto(`${app.url}/family/?t=${seeded.joinTokens[0]}`)]);
    await waitUntil('both in the call', async () => (await bodyState(family.page)).state === 'in-call' && (await bodyState(booth.page)).state === 'in-call', 15_000, 100);
    // a warning is shown on both pages (the first offset, or at join when it had passed already) ...
    for (const page of [booth, family]) {
      const w = await waitUntil('time warning shown', () => warningOf(page), 12_000, 100);
      expect(w.secondsLeft).toBeLessThanOrEqual(OFFSETS[0]!);
    }
    // ... then the last one, at 5 s before the end, on both pages
    for (const page of [booth, family]) {
      const w = await waitUntil('last time warning', async () => {
        const x = await warningOf(page);
        return x && x.secondsLeft <= OFFSETS[1]! ? x : null;
      }, 15_000, 100);
      expect(w.secondsLeft).toBeGreaterThan(0);
    }
    expect((await warningOf(family))!.text).toMatch(/sisa waktu kunjungan 0:0\d/i);
    // nobody reacts: the server ends the call for both at the deadline
    await waitUntil('both ended', async () => (await bodyState(family.page)).state === 'ended' && (await bodyState(booth.page)).state === 'ended', 15_000, 100);
    endedAt = Date.now();
    expect(endedAt).toBeGreaterThanOrEqual(deadline);
    expect(endedAt - deadline).toBeLessThan(3000);
    expect((await bodyState(family.page)).endReason).toBe('time_up');
    const row = await app.storage.db.selectFrom('visits').select(['status', 'end_reason']).where('id', '=', seeded.visitId).executeTakeFirstOrThrow();
    expect(row).toEqual({ status: 'ended', end_reason: 'time_up' });
    expect(app.calls.call(seeded.visitId)).toBeUndefined();
    // the banner does not outlive the call
    expect(await warningOf(family)).toBeNull();
  });

  it('recorded each party in one decodable VP8 + Opus file as long as its time in the call (after at most a short single-track start), with matching hashes', async () => {
    const rec = await app.storage.db.selectFrom('recordings').selectAll().where('visit_id', '=', seeded.visitId).executeTakeFirstOrThrow();
    expect(rec.status).toBe('complete');
    const dir = path.join(app.config.recordingsDir, rec.dir);
    const manifest = JSON.parse(readFileSync(path.join(dir, 'manifest.json'), 'utf8')) as Manifest;
    expect(await sha256File(path.join(dir, 'manifest.json'))).toBe(rec.manifest_sha256);
    expect(manifest.parties.map((p) => `${p.id}:${p.role}`).sort()).toEqual(['booth:inmate', `family-${seeded.visitors[0]!.id}:family`].sort());
    // One file per party holds the whole call. Both parties join at once, so a party's video may
    // reach the server after its audio recording started: then a short audio-only segment comes
    // first and ends with tracks_changed once the file holding both has started (no gap).
    for (const party of manifest.parties) {
      const own = manifest.segments.filter((s) => s.party === party.id).sort((a, b) => a.index - b.index);
      const main = own.at(-1)!;
      expect(main.file).toMatch(new RegExp(`^${party.id}-00[12]\\.webm$`));
      expect(main.tracks).toEqual(['audio', 'video']);
      for (const early of own.slice(0, -1)) {
        expect(early.endReason).toBe('tracks_changed');
        expect(early.tracks).toHaveLength(1);
        expect(early.endedAt >= main.startedAt, `${early.file} ends before ${main.file} starts`).toBe(true);
        expect(await sha256File(path.join(dir, early.file))).toBe(early.sha256);
      }
      expect(own.length).toBeLessThanOrEqual(2);
      const file = path.join(dir, main.file);
      const info = probe(file);
      expect(info.codecs).toEqual(['opus', 'vp8']);
      const inCall = (new Date(main.endedAt).getTime() - new Date(main.startedAt).getTime()) / 1000;
      expect(inCall).toBeGreaterThan(8);
      expect(Math.abs(info.duration - inCall), `${main.file}: ${info.duration} s recorded, ${inCall} s in the call`).toBeLessThan(1.5);
      expect(firstFrameDecodes(file)).toBe(true);
      expect(await sha256File(file)).toBe(main.sha256);
      expect(main.endedAt <= new Date(endedAt).toISOString()).toBe(true);
    }
  });
});
