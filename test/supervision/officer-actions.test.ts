import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../server/app.ts';
import { seedVisit, type SeededVisit } from '../helpers/seed-visit.ts';
import { loginOfficer, startTestApp } from '../helpers/test-app.ts';
import { TestCallClient } from '../calls/socket-client.ts';
import { joinAndProduce, liveCall } from './peers.ts';

type Json = Record<string, any>;

async function api(app: App, method: string, path: string, auth: Record<string, string>, body?: unknown): Promise<{ status: number; body: Json }> {
  const res = await fetch(`${app.url}/api${path}`, {
    method,
    headers: { ...auth, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as Json };
}

async function auditOf(app: App, visitId: string) {
  return app.storage.db.selectFrom('audit_log').selectAll().where('subject_id', '=', visitId).orderBy('seq').execute();
}

describe('officer supervision API (real app, socket.io peers)', () => {
  let app: App;
  let seeded: SeededVisit;
  let officer: Awaited<ReturnType<typeof loginOfficer>>;
  let parties: Awaited<ReturnType<typeof liveCall>>;

  beforeAll(async () => {
    app = await startTestApp();
    seeded = await seedVisit(app, { visitorNames: ['Siti Aminah'] });
    officer = await loginOfficer(app, [seeded.facilityId]);
    parties = await liveCall(app, seeded);
  });
  afterAll(async () => {
    parties?.booth.client.close();
    parties?.family.client.close();
    await app?.close();
  });

  it('lists the live calls of the officer facility with parties and recording state', async () => {
    // 'recording' once every track of both parties is being written (each has 2 s from its first packet)
    await expect.poll(async () => (await api(app, 'GET', '/calls', officer.auth)).body.calls?.find((c: Json) => c.visitId === seeded.visitId)?.recording, { timeout: 5000 }).toBe('recording');
    const { status, body } = await api(app, 'GET', '/calls', officer.auth);
    expect(status).toBe(200);
    const call = body.calls.find((c: Json) => c.visitId === seeded.visitId);
    expect(call).toMatchObject({
      boothName: 'Bilik 1',
      inmate: { name: seeded.inmate.name },
      visitors: [{ id: seeded.visitors[0]!.id, name: 'Siti Aminah' }],
      privileged: false,
      recording: 'recording',
    });
    expect(typeof call.inmate.registrationNumber).toBe('string');
    expect(call.startedAt).not.toBeNull();
    expect(new Date(call.deadline).getTime()).toBe(seeded.start.getTime() + seeded.durationSeconds * 1000);
    expect(call.parties.map((p: Json) => p.role).sort()).toEqual(['booth', 'family']);
    expect(call.parties.find((p: Json) => p.role === 'booth')).toMatchObject({ peerId: parties.booth.peerId, state: 'connected', audioMuted: false, videoMuted: false, recorded: { audio: true, video: true } });
  });

  it('scopes every route to the token facility: other facility 404, family token 401, no token 401', async () => {
    const other = await seedVisit(app);
    const stranger = await loginOfficer(app, [other.facilityId]);
    expect((await api(app, 'GET', '/calls', stranger.auth)).body.calls).toEqual([]);
    const id = seeded.visitId;
    expect((await api(app, 'POST', `/calls/${id}/warn`, stranger.auth, { message: 'x' })).status).toBe(404);
    expect((await api(app, 'POST', `/calls/${id}/mute`, stranger.auth, { peerId: parties.booth.peerId, kind: 'audio', muted: true })).status).toBe(404);
    expect((await api(app, 'POST', `/calls/${id}/end`, stranger.auth, { reason: 'tidak boleh' })).status).toBe(404);
    expect((await api(app, 'POST', `/calls/${id}/extend`, stranger.auth, { minutes: 5, reason: 'tidak boleh' })).status).toBe(404);
    const family = { authorization: `Bearer ${seeded.joinTokens[0]}` };
    expect((await api(app, 'GET', '/calls', family)).status).toBe(401);
    expect((await api(app, 'POST', `/calls/${id}/warn`, family, { message: 'x' })).status).toBe(401);
    expect((await api(app, 'GET', '/calls', {})).status).toBe(401);
    expect((await api(app, 'POST', `/calls/not-a-uuid/warn`, officer.auth, { message: 'x' })).status).toBe(400);
    expect(await auditOf(app, id).then((rows) => rows.filter((r) => r.actor_kind === 'officer'))).toEqual([]);
  });

  it('warns both parties, validates the message, and audits who warned', async () => {
    const path = `/calls/${seeded.visitId}/warn`;
    for (const bad of [{}, { message: '' }, { message: 'x'.repeat(301) }, { message: 'ok', extra: 1 }, { message: 5 }]) {
      const r = await api(app, 'POST', path, officer.auth, bad);
      expect(r.status).toBe(400);
      expect(r.body.error.code).toBe('validation_failed');
    }
    expect((await api(app, 'POST', path, officer.auth, { message: 'Jangan menunjukkan tulisan ke kamera.' })).status).toBe(200);
    for (const p of [parties.booth, parties.family]) {
      expect(await p.client.waitFor('officerWarning')).toEqual({ message: 'Jangan menunjukkan tulisan ke kamera.' });
    }
    const entry = (await auditOf(app, seeded.visitId)).find((r) => r.action === 'call.warn');
    expect(entry).toMatchObject({ actor_kind: 'officer', actor_id: officer.officer.id, facility_id: seeded.facilityId, subject_kind: 'visit' });
    expect(JSON.parse(entry!.details)).toEqual({ message: 'Jangan menunjukkan tulisan ke kamera.' });
  });

  it('mutes a party server-side; the party cannot unmute itself until the officer lifts it', async () => {
    const path = `/calls/${seeded.visitId}/mute`;
    const { booth, family } = parties;
    expect((await api(app, 'POST', path, officer.auth, { peerId: booth.peerId, kind: 'sound', muted: true })).status).toBe(400);
    expect((await api(app, 'POST', path, officer.auth, { peerId: booth.peerId, kind: 'audio' })).status).toBe(400);
    expect((await api(app, 'POST', path, officer.auth, { peerId: 'family-nobody', kind: 'audio', muted: true })).status).toBe(404);
    const producer = () => app.calls.call(seeded.visitId)!.currentRoom.peer(booth.peerId)!.producer(booth.audioProducerId)!;

    expect((await api(app, 'POST', path, officer.auth, { peerId: booth.peerId, kind: 'audio', muted: true, reason: 'berbicara bahasa sandi' })).status).toBe(200);
    expect(producer().paused).toBe(true);
    expect(await booth.client.waitFor('mutedByOfficer')).toEqual({ kind: 'audio', muted: true });
    // the family's consumer of the booth's audio is paused: it stops receiving that media
    const consumer = family.client.notifications.find((n) => n.method === 'newConsumer' && n.data.producerId === booth.audioProducerId)!.data;
    expect(await family.client.waitFor('consumerPaused', (d) => d.consumerId === consumer.consumerId)).toMatchObject({ paused: true });
    const refused = await booth.client.request('setProducerPaused', { producerId: booth.audioProducerId, paused: false });
    expect(refused).toMatchObject({ ok: false, error: { code: 'muted_by_officer' } });
    expect(producer().paused).toBe(true);
    // video is not affected, and the party may still pause its own video
    expect((await booth.client.request('setProducerPaused', { producerId: booth.videoProducerId, paused: true })).ok).toBe(true);
    expect((await booth.client.request('setProducerPaused', { producerId: booth.videoProducerId, paused: false })).ok).toBe(true);
    const listed = (await api(app, 'GET', '/calls', officer.auth)).body.calls[0].parties.find((p: Json) => p.peerId === booth.peerId);
    expect(listed).toMatchObject({ audioMuted: true, videoMuted: false, officerMuted: { audio: true, video: false } });

    expect((await api(app, 'POST', path, officer.auth, { peerId: booth.peerId, kind: 'audio', muted: false })).status).toBe(200);
    expect(producer().paused).toBe(false);
    expect(await booth.client.waitFor('mutedByOfficer', (d) => d.muted === false)).toEqual({ kind: 'audio', muted: false });
    const rows = await auditOf(app, seeded.visitId);
    expect(rows.find((r) => r.action === 'call.mute')).toMatchObject({ actor_id: officer.officer.id, reason: 'berbicara bahasa sandi' });
    expect(JSON.parse(rows.find((r) => r.action === 'call.mute')!.details)).toEqual({ peerId: booth.peerId, kind: 'audio' });
    expect(rows.find((r) => r.action === 'call.unmute')).toMatchObject({ actor_kind: 'officer' });
  });

  it('extends within bounds, moves the live and stored deadline, and tells the parties', async () => {
    const path = `/calls/${seeded.visitId}/extend`;
    for (const bad of [{ minutes: 31, reason: 'terlalu lama' }, { minutes: 0, reason: 'nol menit' }, { minutes: 1.5, reason: 'pecahan' }, { minutes: 5 }, { minutes: 5, reason: 'x' }]) {
      expect((await api(app, 'POST', path, officer.auth, bad)).status).toBe(400);
    }
    const before = app.calls.call(seeded.visitId)!.deadline.getTime();
    const r = await api(app, 'POST', path, officer.auth, { minutes: 5, reason: 'keluarga datang dari jauh' });
    expect(r.status).toBe(200);
    expect(new Date(r.body.deadline).getTime()).toBe(before + 5 * 60_000);
    expect(app.calls.call(seeded.visitId)!.deadline.getTime()).toBe(before + 5 * 60_000);
    const row = await app.storage.db.selectFrom('visits').select(['duration_seconds']).where('id', '=', seeded.visitId).executeTakeFirstOrThrow();
    expect(row.duration_seconds).toBe(seeded.durationSeconds + 300);
    for (const p of [parties.booth, parties.family]) expect(await p.client.waitFor('deadline')).toEqual({ deadline: r.body.deadline });
    const entry = (await auditOf(app, seeded.visitId)).find((e) => e.action === 'call.extend');
    expect(entry).toMatchObject({ actor_id: officer.officer.id, reason: 'keluarga datang dari jauh' });
    expect(JSON.parse(entry!.details)).toEqual({ minutes: 5, deadline: r.body.deadline });

    // The next family's visit in the same booth starts 2 minutes after the new end: no 5 more.
    await seedVisit(app, {
      booth: { id: seeded.boothId, facilityId: seeded.facilityId, deviceId: seeded.deviceId },
      start: new Date(new Date(r.body.deadline).getTime() + 2 * 60_000),
      durationSeconds: 900,
    });
    const clash = await api(app, 'POST', path, officer.auth, { minutes: 5, reason: 'masih ingin bicara' });
    expect(clash.status).toBe(409);
    expect(clash.body).toMatchObject({ error: { code: 'schedule_conflict' } });
    expect(app.calls.call(seeded.visitId)!.deadline.getTime()).toBe(before + 5 * 60_000);
  });

  it('ends the call for everyone with ended_by_officer and audits the reason', async () => {
    const path = `/calls/${seeded.visitId}/end`;
    expect((await api(app, 'POST', path, officer.auth, { reason: 'x' })).status).toBe(400);
    expect((await api(app, 'POST', path, officer.auth, {})).status).toBe(400);
    expect((await api(app, 'POST', path, officer.auth, { reason: 'pelanggaran tata tertib' })).status).toBe(200);
    for (const p of [parties.booth, parties.family]) expect(await p.client.waitFor('callEnded')).toEqual({ reason: 'ended_by_officer' });
    const row = await app.storage.db.selectFrom('visits').select(['status', 'end_reason']).where('id', '=', seeded.visitId).executeTakeFirstOrThrow();
    expect(row).toEqual({ status: 'ended', end_reason: 'ended_by_officer' });
    const ends = (await auditOf(app, seeded.visitId)).filter((e) => e.action === 'call.end');
    expect(ends).toHaveLength(1);
    expect(ends[0]).toMatchObject({ actor_kind: 'officer', actor_id: officer.officer.id, reason: 'pelanggaran tata tertib' });
    expect(JSON.parse(ends[0]!.details)).toEqual({ reason: 'ended_by_officer' });
    expect(app.calls.call(seeded.visitId)).toBeUndefined();
    const rec = await app.storage.db.selectFrom('recordings').selectAll().where('visit_id', '=', seeded.visitId).executeTakeFirst();
    expect(rec?.status).toBe('complete');
    expect((await api(app, 'POST', path, officer.auth, { reason: 'sudah selesai' })).status).toBe(404);
    expect((await api(app, 'GET', '/calls', officer.auth)).body.calls).toEqual([]);
  });

  it('a join link past its scheduled end still works while an extension keeps the visit open', async () => {
    const visit = await seedVisit(app, { start: new Date(Date.now() - 2 * 3600_000), durationSeconds: 1800 });
    expect(await TestCallClient.refusal(app, { token: visit.joinTokens[0], role: 'family' })).toBe('token_expired');
    await app.storage.db.updateTable('visits').set({ duration_seconds: 3 * 3600 }).where('id', '=', visit.visitId).execute();
    expect(await TestCallClient.refusal(app, { token: visit.joinTokens[0], role: 'family' })).toBe('accepted');
  });

  it('supervisors act too; a privileged visit is listed but not recorded', async () => {
    const visit = await seedVisit(app);
    await app.storage.db.updateTable('visits').set({ privileged: 1, privileged_approval: 'approved' }).where('id', '=', visit.visitId).execute();
    const supervisor = await loginOfficer(app, [visit.facilityId, seeded.facilityId], 'supervisor');
    const { booth, family } = await liveCall(app, visit);
    try {
      const listed = (await api(app, 'GET', '/calls', supervisor.auth)).body.calls;
      expect(listed).toEqual([expect.objectContaining({ visitId: visit.visitId, privileged: true, recording: 'not_recorded' })]);
      expect(await app.storage.db.selectFrom('recordings').selectAll().where('visit_id', '=', visit.visitId).executeTakeFirst()).toBeUndefined();
      expect((await api(app, 'POST', `/calls/${visit.visitId}/warn`, supervisor.auth, { message: 'Lima menit lagi.' })).status).toBe(200);
      expect(await family.client.waitFor('officerWarning')).toEqual({ message: 'Lima menit lagi.' });
    } finally {
      booth.client.close();
      family.client.close();
    }
  });

  it('warns at the configured offsets and ends the call at the deadline; a party joining late gets the warning too', async () => {
    // default offsets 120 s and 30 s: with about 5 s left both have passed, so one warning at once
    const visit = await seedVisit(app, { start: new Date(Date.now() - 60_000), durationSeconds: 65 });
    const { booth, family } = await liveCall(app, visit);
    try {
      for (const p of [booth, family]) {
        const w = await p.client.waitFor('timeWarning');
        expect(w.secondsLeft).toBeGreaterThan(0);
        expect(w.secondsLeft).toBeLessThanOrEqual(5);
      }
      const ended = await family.client.waitFor('callEnded', () => true, 12_000);
      expect(ended).toEqual({ reason: 'time_up' });
      expect(Date.now()).toBeGreaterThanOrEqual(visit.start.getTime() + 65_000);
      expect(Date.now()).toBeLessThan(visit.start.getTime() + 65_000 + 4_000);
      expect(await booth.client.waitFor('callEnded')).toEqual({ reason: 'time_up' });
      expect(booth.client.notifications.filter((n) => n.method === 'timeWarning')).toHaveLength(1);
      const row = await app.storage.db.selectFrom('visits').select(['status', 'end_reason']).where('id', '=', visit.visitId).executeTakeFirstOrThrow();
      expect(row).toEqual({ status: 'ended', end_reason: 'time_up' });
    } finally {
      booth.client.close();
      family.client.close();
    }
  });
});

describe('recording fail-closed policy', () => {
  let app: App;
  beforeAll(async () => {
    app = await startTestApp({ RECORDER_PATH: '/nonexistent/kv-recorder' });
  });
  afterAll(async () => {
    await app?.close();
  });

  it('ends a call whose recording cannot start with recording_failed, and audits it', async () => {
    const visit = await seedVisit(app);
    const booth = await joinAndProduce(app, { token: visit.boothToken, role: 'booth' }, visit.visitId);
    try {
      expect(await booth.client.waitFor('callEnded')).toEqual({ reason: 'recording_failed' });
      const rows = await auditOf(app, visit.visitId);
      const failed = rows.find((r) => r.action === 'recording.failed');
      expect(failed).toMatchObject({ actor_kind: 'system' });
      expect(JSON.parse(failed!.details)).toMatchObject({ failClosed: true });
      expect(rows.find((r) => r.action === 'call.end')).toBeDefined();
      const row = await app.storage.db.selectFrom('visits').select(['status', 'end_reason']).where('id', '=', visit.visitId).executeTakeFirstOrThrow();
      expect(row).toEqual({ status: 'ended', end_reason: 'recording_failed' });
      // the call does not go on: the family cannot enter it any more
      const family = await TestCallClient.open(app, { token: visit.joinTokens[0], role: 'family' }).catch((err: { code: string }) => err.code);
      if (typeof family !== 'string') {
        expect(await family.request('joinCall', {})).toMatchObject({ ok: false, error: { code: 'visit_over' } });
        family.close();
      } else expect(family).toBe('visit_over');
    } finally {
      booth.client.close();
    }
  });
});
