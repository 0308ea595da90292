import { existsSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../server/app.ts';
import { verifyAuditChain } from '../../server/audit/audit-log.ts';
import { startRecordedCall } from '../../server/recording/recording-service.ts';
import { RecordingRetention } from '../../server/recording/retention.ts';
import { seedVisit, type SeededVisit } from '../helpers/seed-visit.ts';
import { startSyntheticParty } from '../helpers/synthetic-party.ts';
import { createFacility, loginOfficer, startTestApp } from '../helpers/test-app.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('recordings: index, playback, access control, retention', () => {
  let app: App;
  let visit: SeededVisit;
  let officer: { auth: Record<string, string>; officer: { id: string } };
  let file: string;

  beforeAll(async () => {
    app = await startTestApp();
    visit = await seedVisit(app);
    officer = await loginOfficer(app, [visit.facilityId]);
    const router = await app.pool.leastLoaded().createRouter({
      mediaCodecs: [
        { kind: 'audio', mimeType: 'audio/opus', clockRate: 48000, channels: 2 },
        { kind: 'video', mimeType: 'video/VP8', clockRate: 90000 },
      ],
    });
    const party = await startSyntheticParty(router);
    await sleep(500);
    const call = await startRecordedCall(app.ctx, { router, visitId: visit.visitId, facilityId: visit.facilityId, timezone: 'Asia/Jakarta' });
    await call.recording.addParty({ id: 'booth', role: 'inmate', name: visit.inmate.name }, party);
    await sleep(3000);
    const manifest = await call.finish();
    file = manifest.segments[0]!.file;
    await party.stop();
    router.close();
  });
  afterAll(() => app.close());

  const api = (p: string, init: RequestInit = {}) => fetch(`${app.url}/api${p}`, init);
  const json = (body: unknown, auth: Record<string, string>) => ({ method: 'POST', headers: { 'content-type': 'application/json', ...auth }, body: JSON.stringify(body) });

  it('lists the recording for officers of its facility with the manifest', async () => {
    const list = (await (await api('/recordings', { headers: officer.auth })).json()) as { recordings: Array<{ visitId: string; status: string; segmentCount: number; bytes: number }> };
    expect(list.recordings).toEqual([expect.objectContaining({ visitId: visit.visitId, status: 'complete', segmentCount: 1 })]);
    expect(list.recordings[0]!.bytes).toBeGreaterThan(1000);
    const detail = await api(`/recordings/${visit.visitId}`, { headers: officer.auth });
    expect(detail.status).toBe(200);
    expect(await detail.json()).toMatchObject({ manifest: { visitId: visit.visitId, segments: [{ file }] } });
  });

  it('plays a segment through a short-lived link with HTTP range requests, and audits it', async () => {
    const res = await api(`/recordings/${visit.visitId}/playback`, json({ file }, officer.auth));
    expect(res.status).toBe(200);
    const { url } = (await res.json()) as { url: string };
    const whole = await fetch(`${app.url}${url}`);
    expect(whole.status).toBe(200);
    expect(whole.headers.get('content-type')).toBe('video/webm');
    const size = (await whole.arrayBuffer()).byteLength;
    const part = await fetch(`${app.url}${url}`, { headers: { range: 'bytes=0-99' } });
    expect(part.status).toBe(206);
    expect(part.headers.get('content-range')).toBe(`bytes 0-99/${size}`);
    expect((await part.arrayBuffer()).byteLength).toBe(100);
    const audit = await app.storage.db.selectFrom('audit_log').selectAll().where('action', '=', 'recording.play').execute();
    expect(audit).toEqual([expect.objectContaining({ actor_id: officer.officer.id, subject_id: visit.visitId, facility_id: visit.facilityId })]);
  });

  it('refuses family tokens, other facilities, forged links and path traversal', async () => {
    const family = { authorization: `Bearer ${visit.joinTokens[0]}` };
    expect((await api('/recordings', { headers: family })).status).toBe(401);
    expect((await api(`/recordings/${visit.visitId}/playback`, json({ file }, family))).status).toBe(401);

    const other = await loginOfficer(app, [(await createFacility(app)).id]);
    expect((await api(`/recordings/${visit.visitId}`, { headers: other.auth })).status).toBe(404);
    expect((await api(`/recordings/${visit.visitId}/playback`, json({ file }, other.auth))).status).toBe(404);
    const otherList = (await (await api('/recordings', { headers: other.auth })).json()) as { recordings: unknown[] };
    expect(otherList.recordings).toEqual([]);

    for (const bad of ['../manifest.json', '../../../etc/passwd', 'manifest.json', '..%2f..%2fjwt-secret', 'booth-001.webm/../../x.webm']) {
      const res = await api(`/recordings/${visit.visitId}/playback`, json({ file: bad }, officer.auth));
      expect(res.status, bad).toBe(400);
    }
    expect((await api(`/recordings/${visit.visitId}/playback`, json({ file: 'family-x-001.webm' }, officer.auth))).status).toBe(404);
    const forged = app.ctx.tokens.signPlayback({ sub: officer.officer.id, fac: visit.facilityId, visit: visit.visitId, file: '../../jwt-secret' });
    const traversal = await fetch(`${app.url}/api/recordings/stream/${forged.token}`);
    expect([400, 403, 404]).toContain(traversal.status);
    expect(await traversal.text()).not.toContain(app.ctx.config.jwtSecret ?? '@@none@@');
    expect((await fetch(`${app.url}/api/recordings/stream/not-a-token`)).status).toBe(401);
    expect((await api('/recordings/not-a-uuid', { headers: officer.auth })).status).toBe(400);
  });

  it('a playback link stops working when its officer is disabled, removed from the facility or signs out', async () => {
    const admin = await loginOfficer(app, [visit.facilityId], 'admin');
    const linkOf = async (auth: Record<string, string>) => {
      const res = await api(`/recordings/${visit.visitId}/playback`, json({ file }, auth));
      expect(res.status).toBe(200);
      return `${app.url}${((await res.json()) as { url: string }).url}`;
    };
    const disabled = await loginOfficer(app, [visit.facilityId]);
    const removed = await loginOfficer(app, [visit.facilityId]);
    const leaving = await loginOfficer(app, [visit.facilityId]);
    const links = { disabled: await linkOf(disabled.auth), removed: await linkOf(removed.auth), leaving: await linkOf(leaving.auth) };
    for (const url of Object.values(links)) expect((await fetch(url, { headers: { range: 'bytes=0-9' } })).status).toBe(206);

    const patch = await api(`/officers/${disabled.officer.id}`, {
      method: 'PATCH', headers: { 'content-type': 'application/json', ...admin.auth }, body: JSON.stringify({ disabled: true, reason: 'tidak bertugas lagi' }),
    });
    expect(patch.status).toBe(200);
    await app.storage.db.deleteFrom('officer_facilities').where('officer_id', '=', removed.officer.id).execute();
    const refused = async (who: keyof typeof links) => {
      const res = await fetch(links[who], { headers: { range: 'bytes=0-9' } });
      expect(res.status, who).toBe(401);
      expect(await res.json()).toMatchObject({ error: { code: 'token_revoked' } });
    };
    await refused('disabled');
    await refused('removed');
    expect((await api('/auth/logout', json({}, leaving.auth))).status).toBe(204);
    await refused('leaving');
    // the officer who still has access keeps playing
    expect((await fetch(await linkOf(officer.auth), { headers: { range: 'bytes=0-9' } })).status).toBe(206);
  });

  it('keeps a verifiable audit chain that fails once a row is edited', async () => {
    expect((await verifyAuditChain(app.storage)).ok).toBe(true);
    const row = await app.storage.db.selectFrom('audit_log').select('seq').where('action', '=', 'recording.play').executeTakeFirstOrThrow();
    await app.storage.db.updateTable('audit_log').set({ actor_id: 'someone-else' }).where('seq', '=', row.seq).execute();
    expect(await verifyAuditChain(app.storage)).toMatchObject({ ok: false, brokenAtSeq: row.seq });
  });

  it('purges recordings past retention and keeps the index row as purged', async () => {
    const retention = new RecordingRetention(app.ctx);
    expect(await retention.runOnce()).toBe(0);
    const row = await app.storage.db.selectFrom('recordings').selectAll().where('visit_id', '=', visit.visitId).executeTakeFirstOrThrow();
    const dir = path.join(app.ctx.config.recordingsDir, row.dir);
    expect(existsSync(dir)).toBe(true);
    const later = new Date(Date.now() + (app.ctx.config.recordingRetentionDays + 1) * 86_400_000);
    expect(await retention.runOnce(later)).toBe(1);
    expect(existsSync(dir)).toBe(false);
    const after = await app.storage.db.selectFrom('recordings').selectAll().where('visit_id', '=', visit.visitId).executeTakeFirstOrThrow();
    expect(after.status).toBe('purged');
    const res = await api(`/recordings/${visit.visitId}/playback`, json({ file }, officer.auth));
    expect(res.status).toBe(409);
  });
});
