import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../server/app.ts';
import { verifyAuditChain } from '../../server/audit/audit-log.ts';
import { localToday } from '../../server/facilities/local-day.ts';
import { isBoothDeviceActive } from '../../server/visits/visit-store.ts';
import { TestCallClient } from '../calls/socket-client.ts';
import { freshPostgresSchema } from '../helpers/postgres.ts';
import { createFacility, loginOfficer, startTestApp } from '../helpers/test-app.ts';

type Json = any; // eslint-disable-line @typescript-eslint/no-explicit-any

function client(app: App, auth: Record<string, string> = {}) {
  const call = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${app.url}/api${path}`, {
      method,
      headers: { ...auth, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
    return { status: res.status, body: (await res.json()) as Json, headers: res.headers };
  };
  return {
    get: (path: string) => call('GET', path),
    post: (path: string, body: unknown = {}) => call('POST', path, body),
    put: (path: string, body: unknown = {}) => call('PUT', path, body),
  };
}
type Client = ReturnType<typeof client>;

/** A plausible NIK: DKI Jakarta, woman born 5 January 1990, serial n. */
const nik = (n: number) => `317101450190${String(n).padStart(4, '0')}`;

/** `HH:MM` on the day `days` from today, in Asia/Jakarta (the test facilities' zone). */
function jakarta(days: number, hhmm: string): string {
  return `${localToday('Asia/Jakarta', new Date(Date.now() + days * 86_400_000))}T${hhmm}:00+07:00`;
}

describe.each(['sqlite', 'postgres'] as const)('visit administration on %s', (kind) => {
  let app: App;
  let dropSchema: (() => Promise<void>) | undefined;
  let facA: { id: string };
  let facB: { id: string };
  let supA: Client, offA: Client, admA: Client, supB: Client, offB: Client, anon: Client;
  let officerAId: string;
  let supervisorAId: string;
  let booth1: Json, booth2: Json, boothB: Json;
  let inmate: Json, otherInmate: Json, inmateB: Json;
  let visitors: Json[];
  let otherVisitor: Json;

  beforeAll(async () => {
    const pg = kind === 'postgres' ? await freshPostgresSchema() : undefined;
    dropSchema = pg?.drop;
    app = await startTestApp(pg ? { DATABASE_URL: pg.url } : {});
    facA = await createFacility(app);
    facB = await createFacility(app);
    const [a, b, c, d, e] = await Promise.all([
      loginOfficer(app, [facA.id], 'supervisor'),
      loginOfficer(app, [facA.id], 'officer'),
      loginOfficer(app, [facA.id], 'admin'),
      loginOfficer(app, [facB.id], 'supervisor'),
      loginOfficer(app, [facB.id], 'officer'),
    ]);
    [supA, offA, admA, supB, offB] = [a, b, c, d, e].map((o) => client(app, o.auth)) as [Client, Client, Client, Client, Client];
    officerAId = b.officer.id;
    supervisorAId = a.officer.id;
    anon = client(app);

    booth1 = (await supA.post('/booths', { name: 'Bilik 1' })).body.booth;
    booth2 = (await supA.post('/booths', { name: 'Bilik 2' })).body.booth;
    boothB = (await supB.post('/booths', { name: 'Bilik 1' })).body.booth;
    inmate = (await supA.post('/inmates', { registrationNumber: 'BI.123/2024', name: 'Budi Santoso', block: 'A' })).body.inmate;
    otherInmate = (await supA.post('/inmates', { registrationNumber: 'BI.124/2024', name: 'Agus Salim', block: 'B' })).body.inmate;
    inmateB = (await supB.post('/inmates', { registrationNumber: 'BI.123/2024', name: 'Dedi', block: 'C' })).body.inmate;
    visitors = [];
    for (let i = 1; i <= 4; i++) {
      visitors.push((await offA.post(`/inmates/${inmate.id}/visitors`, { name: `Keluarga ${i}`, nik: nik(i), relationship: 'anak' })).body.visitor);
    }
    otherVisitor = (await offA.post(`/inmates/${otherInmate.id}/visitors`, { name: 'Lain', nik: nik(99), relationship: 'orang_tua' })).body.visitor;
  });
  afterAll(async () => {
    await app?.close();
    await dropSchema?.();
  });

  const visitBody = (over: Record<string, unknown> = {}) => ({
    inmateId: inmate.id,
    boothId: booth1.id,
    visitorIds: [visitors[0].id],
    scheduledStart: jakarta(1, '09:00'),
    ...('durationSeconds' in over ? {} : { durationMinutes: 15 }),
    ...over,
  });

  it('requires an officer token', async () => {
    for (const path of ['/booths', '/inmates', '/visits', '/officers']) expect((await anon.get(path)).status).toBe(401);
    expect((await anon.post('/visits', visitBody())).status).toBe(401);
  });

  describe('booths and devices', () => {
    it('lets supervisors add booths, not officers; names are unique per facility; lists stay in the facility', async () => {
      expect(booth1).toMatchObject({ id: expect.any(String), name: 'Bilik 1' });
      expect((await offA.post('/booths', { name: 'Bilik 3' })).status).toBe(403);
      expect((await supA.post('/booths', { name: 'bilik 1' })).status).toBe(409);
      expect((await supA.post('/booths', { name: '' })).body).toMatchObject({ error: { code: 'validation_failed', fields: { name: expect.any(Array) } } });
      const listA = (await offA.get('/booths')).body.booths.map((b: Json) => b.id);
      expect(listA).toEqual(expect.arrayContaining([booth1.id, booth2.id]));
      expect(listA).not.toContain(boothB.id);
    });

    it('enrols a device with a booth token and URL; revoking it deactivates the device', async () => {
      expect((await offA.post(`/booths/${booth1.id}/devices`, { label: 'Tablet' })).status).toBe(403);
      expect((await supB.post(`/booths/${booth1.id}/devices`, { label: 'Tablet' })).status).toBe(404);
      expect((await supA.post(`/booths/${booth1.id}/devices`, { label: 'x'.repeat(81) })).status).toBe(400);
      const enrolled = await supA.post(`/booths/${booth1.id}/devices`, { label: 'Tablet bilik 1' });
      expect(enrolled.status).toBe(201);
      expect(enrolled.headers.get('cache-control')).toBe('no-store');
      const { deviceId, token, boothUrl } = enrolled.body;
      expect(app.ctx.tokens.verify('booth', token)).toMatchObject({ sub: deviceId, booth: booth1.id, fac: facA.id });
      expect(boothUrl).toBe(`${app.url}/booth/?t=${token}`);
      expect(await isBoothDeviceActive(app.storage, deviceId, booth1.id)).toBe(true);

      const listed = await offA.get(`/booths/${booth1.id}/devices`);
      expect(listed.body.devices).toEqual([expect.objectContaining({ id: deviceId, label: 'Tablet bilik 1', active: true })]);
      expect(JSON.stringify(listed.body)).not.toContain(token);
      expect((await offB.get(`/booths/${booth1.id}/devices`)).status).toBe(404);

      expect((await offA.post(`/booth-devices/${deviceId}/revoke`)).status).toBe(403);
      expect((await supB.post(`/booth-devices/${deviceId}/revoke`)).status).toBe(404);
      const revoked = await supA.post(`/booth-devices/${deviceId}/revoke`);
      expect(revoked.status).toBe(200);
      expect(revoked.body.device).toMatchObject({ id: deviceId, active: false, revokedAt: expect.any(String) });
      expect(await isBoothDeviceActive(app.storage, deviceId, booth1.id)).toBe(false);
      expect((await supA.post(`/booth-devices/${deviceId}/revoke`)).status).toBe(409);
      expect((await supA.post(`/booth-devices/${randomUUID()}/revoke`)).status).toBe(404);
    });
  });

  describe('inmates and visitors', () => {
    it('registers inmates (supervisors) with registration numbers unique per facility, and searches them', async () => {
      expect(inmate).toMatchObject({ registrationNumber: 'BI.123/2024', name: 'Budi Santoso', block: 'A' });
      expect(inmateB.id).toBeDefined(); // same number, other facility
      expect((await offA.post('/inmates', { registrationNumber: 'X1', name: 'X', block: 'A' })).status).toBe(403);
      const dup = await supA.post('/inmates', { registrationNumber: 'BI.123/2024', name: 'Lain', block: 'A' });
      expect(dup.status).toBe(409);
      expect(dup.body.error.code).toBe('registration_number_taken');
      const bad = await supA.post('/inmates', { registrationNumber: 42, name: '', extra: true });
      expect(bad.status).toBe(400);
      expect(Object.keys(bad.body.error.fields)).toEqual(expect.arrayContaining(['registrationNumber', 'name', 'block']));

      const byName = (await offA.get('/inmates?q=budi')).body.inmates;
      expect(byName.map((i: Json) => i.id)).toEqual([inmate.id]);
      const byNumber = (await offA.get('/inmates?q=bi.124')).body.inmates;
      expect(byNumber.map((i: Json) => i.id)).toEqual([otherInmate.id]);
      expect((await offA.get('/inmates?q=%25')).body.inmates).toEqual([]);
      expect((await offA.get('/inmates')).body.inmates).toHaveLength(2);
      expect((await offA.get('/inmates?limit=0')).status).toBe(400);
      expect((await offB.get(`/inmates/${inmate.id}`)).status).toBe(404);
      expect((await offA.get(`/inmates/not-a-uuid`)).status).toBe(400);
    });

    it('validates visitors: NIK plausibility, relationship, types; NIK unique per inmate', async () => {
      const post = (body: Json) => offA.post(`/inmates/${inmate.id}/visitors`, body);
      const fieldsOf = async (body: Json) => {
        const res = await post(body);
        expect(res.status).toBe(400);
        return res.body.error.fields;
      };
      expect(await fieldsOf({ name: 'A', nik: '12345', relationship: 'anak' })).toEqual({ nik: ['must be exactly 16 digits'] });
      expect((await fieldsOf({ name: 'A', nik: '9971014501900001', relationship: 'anak' })).nik[0]).toContain('province');
      expect((await fieldsOf({ name: 'A', nik: '3171013201900001', relationship: 'anak' })).nik[0]).toContain('birth day');
      expect(await fieldsOf({ name: 'A', nik: nik(50), relationship: 'tetangga' })).toHaveProperty('relationship');
      expect(await fieldsOf({ name: 42, nik: 3171014501900001, relationship: 'anak' })).toMatchObject({ name: expect.any(Array), nik: expect.any(Array) });
      const dup = await post({ name: 'Lagi', nik: nik(1), relationship: 'anak' });
      expect(dup.status).toBe(409);
      const list = (await offA.get(`/inmates/${inmate.id}/visitors`)).body.visitors;
      expect(list).toHaveLength(4);
      expect(list[0]).toMatchObject({ inmateId: inmate.id, nikMasked: `************${nik(1).slice(-4)}`, nikLast4: nik(1).slice(-4), relationship: 'anak', advocateCredential: null });
      expect(JSON.stringify(list)).not.toContain(nik(1));
      expect((await offB.get(`/inmates/${inmate.id}/visitors`)).status).toBe(404);
      expect((await offB.post(`/inmates/${inmate.id}/visitors`, { name: 'B', nik: nik(7), relationship: 'anak' })).status).toBe(404);
    });
  });

  describe('visits', () => {
    it('refuses invalid bookings with field errors', async () => {
      const fieldsOf = async (body: unknown, status = 400) => {
        const res = await offA.post('/visits', body);
        expect(res.status, JSON.stringify(res.body)).toBe(status);
        return res.body.error.fields ?? {};
      };
      expect(await fieldsOf(visitBody({ visitorIds: visitors.map((v) => v.id) }))).toHaveProperty('visitorIds');
      expect(await fieldsOf(visitBody({ visitorIds: [] }))).toHaveProperty('visitorIds');
      expect(await fieldsOf(visitBody({ visitorIds: [visitors[0].id, visitors[0].id] }))).toHaveProperty('visitorIds');
      expect(await fieldsOf(visitBody({ visitorIds: [visitors[0].id, otherVisitor.id] }))).toEqual({ 'visitorIds.1': ['not a registered visitor of this inmate'] });
      expect(await fieldsOf(visitBody({ boothId: boothB.id }))).toEqual({ boothId: ['unknown booth'] });
      expect(await fieldsOf(visitBody({ inmateId: inmateB.id }))).toEqual({ inmateId: ['unknown inmate'] });
      expect(await fieldsOf(visitBody({ durationMinutes: '15' }))).toHaveProperty('durationMinutes');
      expect(await fieldsOf(visitBody({ durationMinutes: 61 }))).toHaveProperty('durationMinutes');
      expect(await fieldsOf(visitBody({ durationMinutes: undefined }))).toHaveProperty('durationMinutes');
      expect(await fieldsOf(visitBody({ durationMinutes: 15, durationSeconds: 30 }))).toHaveProperty('durationMinutes');
      expect(await fieldsOf(visitBody({ durationMinutes: undefined, durationSeconds: 5 }))).toHaveProperty('durationSeconds');
      expect(await fieldsOf(visitBody({ scheduledStart: new Date(Date.now() - 10 * 60_000).toISOString() }))).toHaveProperty('scheduledStart');
      expect(await fieldsOf(visitBody({ scheduledStart: 'besok pagi' }))).toHaveProperty('scheduledStart');
      expect(await fieldsOf(visitBody({ privileged: 'yes' }))).toHaveProperty('privileged');
      expect(await fieldsOf(visitBody({ privileged: true }))).toHaveProperty('privileged'); // not legal counsel
      expect(await fieldsOf(visitBody({ note: 'hi' }))).toHaveProperty(['(body)']);
      expect(await fieldsOf([1, 2])).toHaveProperty(['(body)']);

      const big = await offA.post('/visits', JSON.stringify({ ...visitBody(), pad: 'x'.repeat(150_000) }));
      expect(big.status).toBe(413);
      expect(big.body.error.code).toBe('payload_too_large');
      const broken = await offA.post('/visits', '{"inmateId":');
      expect(broken.status).toBe(400);
      expect(broken.body.error.code).toBe('invalid_json');
    });

    it('books a visit with its parties, shows it in the facility only, and lists it by facility-local date', async () => {
      const created = await offA.post('/visits', visitBody({ visitorIds: [visitors[0].id, visitors[1].id], scheduledStart: jakarta(2, '00:30') }));
      expect(created.status).toBe(201);
      const visit = created.body.visit;
      expect(visit).toMatchObject({
        facilityId: facA.id,
        status: 'scheduled',
        durationSeconds: 900,
        privileged: false,
        createdBy: officerAId,
        inmate: { id: inmate.id, name: 'Budi Santoso', registrationNumber: 'BI.123/2024', block: 'A' },
        booth: { id: booth1.id, name: 'Bilik 1' },
      });
      expect(visit.scheduledStart).toBe(new Date(jakarta(2, '00:30')).toISOString());
      expect(new Date(visit.endsAt).getTime() - new Date(visit.scheduledStart).getTime()).toBe(900_000);
      expect(visit.visitors.map((v: Json) => v.id).sort()).toEqual([visitors[0].id, visitors[1].id].sort());

      expect((await offA.get(`/visits/${visit.id}`)).body.visit).toEqual(visit);
      expect((await offB.get(`/visits/${visit.id}`)).status).toBe(404);
      expect((await offA.get(`/visits/${randomUUID()}`)).status).toBe(404);

      // 00:30 in Jakarta is 17:30 UTC the day before: the list is by the facility's calendar day.
      const day = jakarta(2, '00:30').slice(0, 10);
      const listed = await offA.get(`/visits?date=${day}`);
      expect(listed.body).toMatchObject({ date: day, timezone: 'Asia/Jakarta' });
      expect(listed.body.visits.map((v: Json) => v.id)).toContain(visit.id);
      expect((await offA.get(`/visits?date=${jakarta(1, '00:00').slice(0, 10)}`)).body.visits.map((v: Json) => v.id)).not.toContain(visit.id);
      expect((await offA.get(`/visits?date=${day}&status=cancelled,ended`)).body.visits).toEqual([]);
      expect((await offA.get(`/visits?date=${day}&status=scheduled`)).body.visits).toHaveLength(1);
      expect((await offB.get(`/visits?date=${day}`)).body.visits).toEqual([]);
      expect((await offA.get(`/visits?date=2025-13-01`)).status).toBe(400);
      expect((await offA.get(`/visits?status=lost`)).status).toBe(400);
    });

    it('refuses a booth or an inmate booked twice in overlapping windows, even when requests race', async () => {
      const first = await offA.post('/visits', visitBody({ scheduledStart: jakarta(3, '10:00'), durationMinutes: 30 }));
      expect(first.status).toBe(201);
      const sameBooth = await offA.post('/visits', {
        ...visitBody({ scheduledStart: jakarta(3, '10:29'), durationMinutes: 10 }),
        inmateId: otherInmate.id,
        visitorIds: [otherVisitor.id],
      });
      expect(sameBooth.status).toBe(409);
      expect(sameBooth.body.error.code).toBe('booth_busy');
      const sameInmate = await offA.post('/visits', visitBody({ boothId: booth2.id, scheduledStart: jakarta(3, '09:45'), durationMinutes: 20 }));
      expect(sameInmate.status).toBe(409);
      expect(sameInmate.body.error.code).toBe('inmate_busy');
      const adjacent = await offA.post('/visits', visitBody({ scheduledStart: jakarta(3, '10:30'), durationMinutes: 10 }));
      expect(adjacent.status).toBe(201);

      const race = await Promise.all(
        [0, 1, 2].map(() => offA.post('/visits', visitBody({ boothId: booth2.id, scheduledStart: jakarta(3, '14:00'), durationSeconds: 600 }))),
      );
      expect(race.map((r) => r.status).sort()).toEqual([201, 409, 409]);
    });

    it('issues one join link per visitor, valid from 10 minutes before the start to the end', async () => {
      const { visit } = (await offA.post('/visits', visitBody({ visitorIds: [visitors[2].id, visitors[3].id], scheduledStart: jakarta(4, '08:00'), durationSeconds: 120 }))).body;
      const res = await offA.get(`/visits/${visit.id}/links`);
      expect(res.status).toBe(200);
      expect(res.headers.get('cache-control')).toBe('no-store');
      const start = new Date(visit.scheduledStart).getTime() / 1000;
      expect(res.body).toMatchObject({ visitId: visit.id, validFrom: new Date((start - 600) * 1000).toISOString(), validUntil: visit.endsAt });
      expect(res.body.links).toHaveLength(2);
      for (const link of res.body.links) {
        const expected = visitors.find((v) => v.id === link.visitorId);
        expect(link.name).toBe(expected.name);
        expect(link.familyUrl.startsWith(`${app.url}/family/?t=`)).toBe(true);
        const token = new URL(link.familyUrl).searchParams.get('t');
        // Not yet valid (tomorrow), so check the signature and claims with the clock moved to the start.
        expect(() => app.ctx.tokens.verify('join', token)).toThrow(/not valid yet/);
        const [, payload] = token!.split('.');
        const claims = JSON.parse(Buffer.from(payload!, 'base64url').toString());
        expect(claims).toMatchObject({ kind: 'join', sub: link.visitorId, visit: visit.id, nbf: start - 600, exp: start + 120, aud: 'join' });
      }
      expect((await offB.get(`/visits/${visit.id}/links`)).status).toBe(404);
    });

    it('issues links that verify now for a visit starting now', async () => {
      const { visit } = (await offA.post('/visits', visitBody({ boothId: booth2.id, inmateId: otherInmate.id, visitorIds: [otherVisitor.id], scheduledStart: new Date().toISOString(), durationSeconds: 60 }))).body;
      const { links } = (await offA.get(`/visits/${visit.id}/links`)).body;
      const token = new URL(links[0].familyUrl).searchParams.get('t');
      expect(app.ctx.tokens.verify('join', token)).toMatchObject({ sub: otherVisitor.id, visit: visit.id });
    });

    it('cancels scheduled visits only, with a reason, freeing the slot', async () => {
      const { visit } = (await offA.post('/visits', visitBody({ scheduledStart: jakarta(5, '13:00') }))).body;
      expect((await offA.post(`/visits/${visit.id}/cancel`, {})).status).toBe(400);
      expect((await offB.post(`/visits/${visit.id}/cancel`, { reason: 'salah jadwal' })).status).toBe(404);
      const cancelled = await offA.post(`/visits/${visit.id}/cancel`, { reason: 'keluarga berhalangan' });
      expect(cancelled.status).toBe(200);
      expect(cancelled.body.visit).toMatchObject({ id: visit.id, status: 'cancelled', endReason: 'cancelled', endedAt: expect.any(String) });
      const again = await offA.post(`/visits/${visit.id}/cancel`, { reason: 'keluarga berhalangan' });
      expect(again.status).toBe(409);
      expect(again.body.error.code).toBe('visit_not_scheduled');
      expect((await offA.get(`/visits/${visit.id}/links`)).status).toBe(409);
      expect((await offA.post('/visits', visitBody({ scheduledStart: jakarta(5, '13:00') }))).status).toBe(201);
    });

    it('allows privileged visits only for legal counsel', async () => {
      const lawyer = (await offA.post(`/inmates/${otherInmate.id}/visitors`, { name: 'Advokat', nik: nik(77), relationship: 'kuasa_hukum', advocateCredential: 'PERADI 11.777' })).body.visitor;
      const res = await offA.post('/visits', visitBody({ inmateId: otherInmate.id, boothId: booth2.id, visitorIds: [lawyer.id], scheduledStart: jakarta(6, '10:00'), privileged: true }));
      expect(res.status).toBe(201);
      expect(res.body.visit.privileged).toBe(true);
    });
  });

  describe('privileged (legal counsel) visits', () => {
    let clientInmate: Json;
    let lawyer: Json;
    let counselBooth: Json;
    let boothToken: string;
    const open: TestCallClient[] = [];

    beforeAll(async () => {
      clientInmate = (await supA.post('/inmates', { registrationNumber: 'BI.500/2024', name: 'Klien Advokat', block: 'D' })).body.inmate;
      counselBooth = (await supA.post('/booths', { name: 'Bilik Advokat' })).body.booth;
      boothToken = (await supA.post(`/booths/${counselBooth.id}/devices`, { label: 'PC bilik advokat' })).body.token;
    });
    afterAll(() => open.forEach((c) => c.close()));

    const privilegedVisit = (scheduledStart: string, over: Record<string, unknown> = {}) =>
      visitBody({ inmateId: clientInmate.id, boothId: counselBooth.id, visitorIds: [lawyer.id], scheduledStart, privileged: true, ...over });

    it('registers kuasa_hukum only with an advocate credential number, stores and shows it', async () => {
      const register = (body: Json) => offA.post(`/inmates/${clientInmate.id}/visitors`, body);
      const missing = await register({ name: 'Advokat Tanpa Kartu', nik: nik(300), relationship: 'kuasa_hukum' });
      expect(missing.status).toBe(400);
      expect(missing.body.error.fields).toEqual({ advocateCredential: ['required for kuasa_hukum'] });
      for (const bad of ['ab', '<script>', 'x'.repeat(41), '---', 42]) {
        expect((await register({ name: 'Advokat', nik: nik(300), relationship: 'kuasa_hukum', advocateCredential: bad })).body.error.fields).toHaveProperty('advocateCredential');
      }
      expect((await register({ name: 'Anak', nik: nik(301), relationship: 'anak', advocateCredential: 'PERADI 1' })).body.error.fields).toEqual({ advocateCredential: ['only for kuasa_hukum'] });

      const created = await register({ name: 'Advokat Rahman', nik: nik(300), relationship: 'kuasa_hukum', advocateCredential: '  PERADI 12.345/ADV-2020 ' });
      expect(created.status).toBe(201);
      lawyer = created.body.visitor;
      expect(lawyer).toMatchObject({ relationship: 'kuasa_hukum', advocateCredential: 'PERADI 12.345/ADV-2020' });
      expect((await offA.get(`/inmates/${clientInmate.id}/visitors`)).body.visitors).toEqual([expect.objectContaining({ id: lawyer.id, advocateCredential: 'PERADI 12.345/ADV-2020' })]);
    });

    it('books a privileged visit as pending: no links, no call, until a supervisor other than the booker approves it', async () => {
      const booked = await offA.post('/visits', privilegedVisit(new Date().toISOString(), { durationSeconds: 900 }));
      expect(booked.status).toBe(201);
      const visit = booked.body.visit;
      expect(visit).toMatchObject({ privileged: true, privilegedApproval: { state: 'pending', decidedBy: null }, visitors: [expect.objectContaining({ id: lawyer.id, advocateCredential: 'PERADI 12.345/ADV-2020' })] });

      const links = await offA.get(`/visits/${visit.id}/links`);
      expect(links.status).toBe(409);
      expect(links.body.error.code).toBe('awaiting_approval');
      // Even a join token signed for the visit does not get in, nor does the booth.
      const familyToken = app.ctx.tokens.signJoin(lawyer.id, { id: visit.id, scheduledStart: new Date(visit.scheduledStart), durationSeconds: visit.durationSeconds });
      expect(await TestCallClient.refusal(app, { token: familyToken, role: 'family' })).toBe('awaiting_approval');
      const booth = await TestCallClient.open(app, { token: boothToken, role: 'booth' });
      open.push(booth);
      expect(await booth.request('joinCall', { visitId: visit.id })).toMatchObject({ ok: false, error: { code: 'awaiting_approval' } });

      // The booking officer: not a supervisor. A supervisor who booked it: not theirs to approve.
      const byOfficer = await offA.post(`/visits/${visit.id}/approve-privileged`);
      expect(byOfficer.status).toBe(403);
      const ownBooking = (await supA.post('/visits', privilegedVisit(jakarta(9, '10:00')))).body.visit;
      const selfApproval = await supA.post(`/visits/${ownBooking.id}/approve-privileged`);
      expect(selfApproval.status).toBe(403);
      expect(selfApproval.body.error.code).toBe('own_booking');
      expect((await admA.post(`/visits/${ownBooking.id}/approve-privileged`)).body.visit.privilegedApproval.state).toBe('approved');
      expect((await supB.post(`/visits/${visit.id}/approve-privileged`)).status).toBe(404);
      expect((await supA.post(`/visits/${visit.id}/approve-privileged`, { extra: 1 })).status).toBe(400);
      expect((await supA.get(`/visits/${visit.id}`)).body.visit.privilegedApproval.state).toBe('pending');

      const approved = await supA.post(`/visits/${visit.id}/approve-privileged`, { reason: 'kartu advokat diperiksa' });
      expect(approved.status).toBe(200);
      expect(approved.body.visit.privilegedApproval).toMatchObject({ state: 'approved', decidedBy: supervisorAId, decidedAt: expect.any(String), reason: 'kartu advokat diperiksa' });
      const again = await admA.post(`/visits/${visit.id}/approve-privileged`);
      expect(again.status).toBe(409);
      expect(again.body.error.code).toBe('approval_not_pending');
      const audits = await app.storage.db.selectFrom('audit_log').selectAll().where('action', '=', 'visit.privileged_approved').where('subject_id', '=', visit.id).execute();
      expect(audits).toHaveLength(1);
      expect(audits[0]).toMatchObject({ actor_id: supervisorAId, facility_id: facA.id, reason: 'kartu advokat diperiksa' });

      expect((await offA.get(`/visits/${visit.id}/links`)).status).toBe(200);
      expect(await TestCallClient.refusal(app, { token: familyToken, role: 'family' })).toBe('accepted');
      expect(await booth.request('joinCall', { visitId: visit.id })).toMatchObject({ ok: true });
      const listed = (await offA.get(`/visits?boothId=${counselBooth.id}`)).body.visits as Json[];
      expect(listed.find((v) => v.id === visit.id)?.privilegedApproval.state).toBe('approved');
    });

    it('counsel without an advocate credential on file (registered before 0009) is neither booked privileged nor approved until one is entered (audited)', async () => {
      const oldCounsel = (await offA.post(`/inmates/${clientInmate.id}/visitors`, { name: 'Advokat Lama', nik: nik(302), relationship: 'kuasa_hukum', advocateCredential: 'PERADI 0' })).body.visitor;
      // a privileged visit booked before migration 0009, still pending, and the row as it was then: no credential
      const pendingBefore = (await offA.post('/visits', privilegedVisit(jakarta(13, '10:00'), { visitorIds: [lawyer.id, oldCounsel.id] }))).body.visit;
      await app.storage.db.updateTable('visitors').set({ advocate_credential: null }).where('id', '=', oldCounsel.id).execute();
      const booking = privilegedVisit(jakarta(12, '10:00'), { visitorIds: [lawyer.id, oldCounsel.id] });
      const unapprovable = await supA.post(`/visits/${pendingBefore.id}/approve-privileged`);
      expect(unapprovable.status).toBe(409);
      expect(unapprovable.body.error.code).toBe('advocate_credential_missing');
      expect(Object.keys(unapprovable.body.error.fields)).toHaveLength(1);
      expect((await supA.get(`/visits/${pendingBefore.id}`)).body.visit.privilegedApproval).toMatchObject({ state: 'pending' });
      const refused = await offA.post('/visits', booking);
      expect(refused.status).toBe(409);
      expect(refused.body.error.code).toBe('advocate_credential_missing');
      expect(Object.keys(refused.body.error.fields)).toEqual(['visitorIds.1']);
      const check = await offA.post('/visits/check', booking);
      expect(check.body).toMatchObject({ ok: false, problems: [expect.objectContaining({ code: 'advocate_credential_missing', field: 'visitorIds.1' })] });
      // not privileged, counsel may still be booked like anyone else
      expect((await offA.post('/visits/check', { ...booking, privileged: false })).body.ok).toBe(true);

      const setCredential = (who: Client, visitorId: string, advocateCredential: unknown) => who.put(`/visitors/${visitorId}/advocate-credential`, { advocateCredential });
      expect((await setCredential(offA, oldCounsel.id, '<script>')).body.error.fields).toHaveProperty('advocateCredential');
      expect((await setCredential(offA, visitors[0].id, 'PERADI 9')).body.error.code).toBe('not_counsel');
      expect((await setCredential(offB, oldCounsel.id, 'PERADI 9')).status).toBe(404);
      expect((await anon.put(`/visitors/${oldCounsel.id}/advocate-credential`, { advocateCredential: 'PERADI 9' })).status).toBe(401);
      expect((await offA.post('/visits', booking)).status).toBe(409);

      const set = await setCredential(offA, oldCounsel.id, ' PERADI 55.100/ADV-2014 ');
      expect(set.status).toBe(200);
      expect(set.body.visitor).toMatchObject({ id: oldCounsel.id, relationship: 'kuasa_hukum', advocateCredential: 'PERADI 55.100/ADV-2014' });
      const audits = await app.storage.db.selectFrom('audit_log').selectAll().where('action', '=', 'visitor.advocate_credential_set').where('subject_id', '=', oldCounsel.id).execute();
      expect(audits).toHaveLength(1);
      expect(audits[0]).toMatchObject({ actor_id: officerAId, facility_id: facA.id });
      expect(JSON.parse(audits[0]!.details)).toEqual({ inmateId: clientInmate.id, advocateCredential: 'PERADI 55.100/ADV-2014' });

      const booked = await offA.post('/visits', booking);
      expect(booked.status).toBe(201);
      expect(booked.body.visit).toMatchObject({ privileged: true, privilegedApproval: { state: 'pending' } });
      expect((await supA.post(`/visits/${pendingBefore.id}/approve-privileged`)).body.visit).toMatchObject({ privilegedApproval: { state: 'approved' } });
    });

    it('rejects with a reason, which cancels the visit; ordinary visits have nothing to approve', async () => {
      const visit = (await offA.post('/visits', privilegedVisit(jakarta(10, '10:00')))).body.visit;
      expect((await supA.post(`/visits/${visit.id}/reject-privileged`, {})).status).toBe(400);
      expect((await offA.post(`/visits/${visit.id}/reject-privileged`, { reason: 'bukan advokat' })).status).toBe(403);
      const rejected = await supA.post(`/visits/${visit.id}/reject-privileged`, { reason: 'kartu advokat tidak sah' });
      expect(rejected.status).toBe(200);
      expect(rejected.body.visit).toMatchObject({ status: 'cancelled', endReason: 'privileged_rejected', privilegedApproval: { state: 'rejected', decidedBy: supervisorAId, reason: 'kartu advokat tidak sah' } });
      expect((await admA.post(`/visits/${visit.id}/approve-privileged`)).body.error.code).toBe('approval_not_pending');
      const rejectAudits = await app.storage.db.selectFrom('audit_log').selectAll().where('action', '=', 'visit.privileged_rejected').where('subject_id', '=', visit.id).execute();
      expect(rejectAudits).toHaveLength(1);

      const ordinary = (await offA.post('/visits', visitBody({ scheduledStart: jakarta(11, '10:00') }))).body.visit;
      expect(ordinary.privilegedApproval).toBeNull();
      const nothing = await supA.post(`/visits/${ordinary.id}/approve-privileged`);
      expect(nothing.status).toBe(409);
      expect(nothing.body.error.code).toBe('not_privileged');
    });
  });

  describe('officer accounts', () => {
    it('lets admins (only) create officers in their own facilities', async () => {
      const body = { username: `petugas.${randomUUID().slice(0, 6)}`, displayName: 'Petugas Baru', password: 'kata-sandi-panjang-1', role: 'officer' };
      expect((await offA.post('/officers', body)).status).toBe(403);
      expect((await supA.post('/officers', body)).status).toBe(403);
      expect((await admA.post('/officers', { ...body, password: 'pendek' })).body.error.fields).toHaveProperty('password');
      expect((await admA.post('/officers', { ...body, role: 'root' })).body.error.fields).toHaveProperty('role');
      expect((await admA.post('/officers', { ...body, facilityIds: [facB.id] })).body.error.fields).toHaveProperty('facilityIds');
      const created = await admA.post('/officers', body);
      expect(created.status).toBe(201);
      expect(created.body.officer).toMatchObject({ username: body.username, role: 'officer', facilityIds: [facA.id] });
      expect(JSON.stringify(created.body)).not.toContain(body.password);
      expect((await admA.post('/officers', { ...body, username: body.username.toUpperCase() })).status).toBe(409);
      const login = await fetch(`${app.url}/api/auth/login`, {
        method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: body.username, password: body.password }),
      });
      expect(login.status).toBe(200);
      const list = await admA.get('/officers');
      expect(list.body.officers.map((o: Json) => o.username)).toContain(body.username);
      expect(JSON.stringify(list.body)).not.toContain('argon2');
    });
  });

  it('audits every administrative action in a verifiable chain', async () => {
    const rows = await app.storage.db.selectFrom('audit_log').select(['action', 'facility_id', 'actor_kind', 'reason', 'details']).execute();
    const actions = new Set(rows.map((r) => r.action));
    for (const action of ['booth.created', 'booth_device.enrolled', 'booth_device.revoked', 'inmate.created', 'visitor.registered', 'visit.created', 'visit.cancelled', 'visit.links_issued', 'officer.created']) {
      expect(actions, action).toContain(action);
    }
    expect(rows.find((r) => r.action === 'visit.cancelled')).toMatchObject({ facility_id: facA.id, actor_kind: 'officer', reason: 'keluarga berhalangan' });
    expect(rows.some((r) => r.details.includes(nik(1)))).toBe(false);
    expect((await verifyAuditChain(app.storage)).ok).toBe(true);
  });
});
