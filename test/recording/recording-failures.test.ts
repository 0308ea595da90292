import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as mediasoup from 'mediasoup';
import type { types as ms } from 'mediasoup';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../server/app.ts';
import { createLogger } from '../../server/logging/logger.ts';
import { CallRecording } from '../../server/recording/call-recording.ts';
import { LiveRecording } from '../../server/recording/live-recording.ts';
import { writeManifest } from '../../server/recording/manifest.ts';
import { startRecordedCall } from '../../server/recording/recording-service.ts';
import { Segment } from '../../server/recording/segment.ts';
import { seedVisit } from '../helpers/seed-visit.ts';
import { startSyntheticParty, type SyntheticParty } from '../helpers/synthetic-party.ts';
import { startTestApp } from '../helpers/test-app.ts';
import { recorderPath } from '../helpers/build-recorder.ts';

const logger = createLogger('silent');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const mediaCodecs: ms.RouterRtpCodecCapability[] = [
  { kind: 'audio', mimeType: 'audio/opus', clockRate: 48000, channels: 2 },
  { kind: 'video', mimeType: 'video/VP8', clockRate: 90000 },
];

function processesWriting(file: string): string {
  try {
    return execFileSync('pgrep', ['-f', file], { encoding: 'utf8' }).trim();
  } catch {
    return ''; // pgrep exits 1 when nothing matches
  }
}

async function waitForMedia(file: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while ((existsSync(file) ? statSync(file).size : 0) < 4096) {
    if (Date.now() > deadline) throw new Error(`no media written to ${file} in ${timeoutMs} ms`);
    await sleep(200);
  }
}

describe('recording failures', () => {
  let app: App;
  let worker: ms.Worker;
  let router: ms.Router;
  let root: string;
  const parties: SyntheticParty[] = [];

  beforeAll(async () => {
    app = await startTestApp();
    worker = await mediasoup.createWorker({ logLevel: 'warn', rtcMinPort: 42900, rtcMaxPort: 42999 });
    router = await worker.createRouter({ mediaCodecs });
    root = mkdtempSync(path.join(os.tmpdir(), 'kv-rec-fail-'));
  });
  afterAll(async () => {
    await Promise.all(parties.map((p) => p.stop()));
    worker?.close();
    await app?.close();
  });

  it('lists a segment whose file was never written instead of failing the manifest', async () => {
    const dir = mkdtempSync(path.join(root, 'manifest-'));
    const at = new Date().toISOString();
    const manifest = await writeManifest(
      dir,
      { visitId: 'v', facilityId: 'f', startedAt: at, endedAt: at, parties: [], gaps: [] },
      [{ party: 'booth', index: 1, file: 'booth-001.webm', startedAt: at, endedAt: at, endReason: 'stopped', tracks: ['audio'], startOffsetMs: 0 }],
    );
    expect(manifest.segments).toEqual([expect.objectContaining({ file: 'booth-001.webm', bytes: 0, sha256: null, missing: true })]);
  });

  it('marks the index row failed (not recording forever) when the recording cannot be completed', async () => {
    const seeded = await seedVisit(app);
    const recorded = await startRecordedCall(app.ctx, { router, visitId: seeded.visitId, facilityId: seeded.facilityId, timezone: 'Asia/Jakarta' });
    rmSync(recorded.recording.dir, { recursive: true });
    await expect(recorded.finish()).rejects.toThrow();
    const row = await app.storage.db.selectFrom('recordings').select(['status']).where('visit_id', '=', seeded.visitId).executeTakeFirst();
    expect(row?.status).toBe('failed');
  });

  it('stops the recorder when a segment fails after the recorder started (consumer gone)', async () => {
    const party = await startSyntheticParty(router);
    parties.push(party);
    const file = path.join(mkdtempSync(path.join(root, 'segment-')), 'booth-001.webm');
    // A router whose consumers cannot resume, as when the producer closed during the start.
    const failing = {
      rtpCapabilities: router.rtpCapabilities,
      createPlainTransport: async (o: ms.PlainTransportOptions) => {
        const t = await router.createPlainTransport(o);
        const consume = t.consume.bind(t);
        t.consume = async (c) => Object.assign(await consume(c), { resume: () => Promise.reject(new Error('Consumer closed')) });
        return t;
      },
    } as unknown as ms.Router;
    await expect(Segment.create({ router: failing, producers: party, file, recorderPath, ffmpegPath: 'ffmpeg' })).rejects.toThrow(/Consumer closed/);
    expect(processesWriting(file)).toBe('');
  });

  it('reports a later segment that cannot start (the live recording turns failed)', async () => {
    const seeded = await seedVisit(app);
    const first = await startSyntheticParty(router);
    parties.push(first);
    const failures: Error[] = [];
    const live = await LiveRecording.start(app.ctx, { router, visitId: seeded.visitId, facilityId: seeded.facilityId, timezone: 'Asia/Jakarta' }, (e) => failures.push(e));
    const party = { id: 'booth', role: 'inmate' as const, name: 'Budi' };
    await live.partyMedia({ party, ...first });
    expect(live.state).toBe('recording');
    // Producers on another router (the call's router was replaced without telling the recording).
    const elsewhere = await worker.createRouter({ mediaCodecs });
    const second = await startSyntheticParty(elsewhere);
    parties.push(second);
    await live.partyMedia({ party, ...second });
    await expect.poll(() => failures.length).toBe(1);
    expect(live.state).toBe('failed');
    await live.finish().catch(() => {});
  });

  it('after useRouter, the next segment is recorded on the new router and the gap is in the manifest', async () => {
    const first = await startSyntheticParty(router);
    parties.push(first);
    const failures: Error[] = [];
    const recording = await CallRecording.create({ router, recordingsDir: root, facilityId: 'fac-1', timezone: 'Asia/Jakarta', visitId: 'visit-moved', recorderPath, ffmpegPath: 'ffmpeg', logger, onFailure: (e) => failures.push(e) });
    await recording.addParty({ id: 'booth', role: 'inmate', name: 'Budi' }, first);
    await waitForMedia(path.join(recording.dir, 'booth-001.webm'));
    const fresh = await worker.createRouter({ mediaCodecs });
    recording.useRouter(fresh);
    await first.stop();
    const second = await startSyntheticParty(fresh);
    parties.push(second);
    await recording.partyReconnected('booth', second);
    await waitForMedia(path.join(recording.dir, 'booth-002.webm'));
    const manifest = await recording.stop();
    expect(failures).toEqual([]);
    expect(manifest.segments.map((s) => [s.file, s.endReason])).toEqual([
      ['booth-001.webm', 'reconnected'],
      ['booth-002.webm', 'stopped'],
    ]);
    expect(manifest.gaps).toEqual([expect.objectContaining({ party: 'booth', reason: 'reconnected' })]);
  });
});
