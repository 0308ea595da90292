import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../server/app.ts';
import { verifyAuditChain } from '../../server/audit/audit-log.ts';
import { localToday } from '../../server/facilities/local-day.ts';
import { freshPostgresSchema } from '../helpers/postgres.ts';
import { createFacility, loginOfficer } from '../helpers/test-app.ts';
import { startTestApp } from '../helpers/test-app.ts';

type Json = any; // eslint-disable-line @typescript-eslint/no-explicit-any

function client(app: App, auth: Record<string, string> = {}) {
  const call = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${app.url}/api${path}`, {
      method,
      headers: { ...auth, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: res.status, body: (await res.json()) as Json };
  };
  const upload = async (path: string, csv: string | null, name = 'register.csv') => {
    const form = new FormData();
    if (csv !== null) form.append('file', new Blob([csv], { type: 'text/csv' }), name);
    const res = await fetch(`${app.url}/api${path}`, { method: 'POST', headers: auth, body: form });
    return { status: res.status, body: (await res.json()) as Json };
  };
  return {
    get: (path: string) => call('GET', path),
    post: (path: string, body: unknown = {}) => call('POST', path, body),
    patch: (path: string, body: unknown = {}) => call('PATCH', path, body),
    upload,
  };
}
type Client = ReturnType<typeof client>;

/** A plausible NIK: DKI Jakarta, woman born 5 January 1990, serial n. */
const nik = (n: number) => `317101450190${String(n).padStart(4, '0')}`;

/** `HH:MM` on a weekday (not Sunday) at least `days` from today, in Asia/Jakarta. */
function jakarta(days: number, hhmm: string): string {
  for (let d = days; ; d++) {
    const date = localToday('Asia/Jakarta', new Date(Date.now() + d * 86_400_000));
    if (new Date(`${date}T12:00:00Z`).getUTCDay() !== 0) return `${date}T${hhmm}:00+07:00`;
  }
}

describe.each(['sqlite', 'postgres'] as const)('inmates, visitors, bans and booths on %s', (kind) => {
  let app: App;
  let dropSchema: (() => Promise<void>) | undefined;
  let facA: { id: string };
  let supA: Client, offA: Client, admA: Client, supB: Client;
  let booth: Json, booth2: Json;

  beforeAll(async () => {
    const pg = kind === 'postgres' ? await freshPostgresSchema() : undefined;
    dropSchema = pg?.drop;
    app = await startTestApp(pg ? { DATABASE_URL: pg.url } : {});
    facA = await createFacility(app);
    const facB = await createFacility(app);
    const [a, b, c, d] = await Promise.all([
      loginOfficer(app, [facA.id], 'supervisor'),
      loginOfficer(app, [facA.id], 'officer'),
      loginOfficer(app, [facA.id], 'admin'),
      loginOfficer(app, [facB.id], 'supervisor'),
    ]);
    [supA, offA, admA, supB] = [a, b, c, d].map((o) => client(app, o.auth)) as [Client, Client, Client, Client];
    booth = (await supA.post('/booths', { name: 'Bilik 1' })).body.booth;
    booth2 = (await supA.post('/booths', { name: 'Bilik 2' })).body.booth;
  });
  afterAll(async () => {
    await app?.close();
    await dropSchema?.();
  });

  let seq = 0;
  async function newInmate(name = 'Budi') {
    const res = await supA.post('/inmates', { registrationNumber: `P.${++seq}/${kind}`, name, block: 'A' });
    expect(res.status).toBe(201);
    return res.body.inmate;
  }
  async function newVisitor(inmateId: string, extra: Json = {}) {
    const res = await offA.post(`/inmates/${inmateId}/visitors`, { name: `Keluarga ${++seq}`, nik: nik(seq), relationship: 'anak', ...extra });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    return res.body.visitor;
  }
  const book = (inmateId: string, visitorIds: string[], scheduledStart: string, boothId = booth.id) =>
    offA.post('/visits', { inmateId, boothId, visitorIds, scheduledStart, durationMinutes: 15 });
  /** A visit stored directly (past or live ones cannot be booked through the API). */
  async function storedVisit(inmateId: string, visitorId: string, start: Date, status: 'scheduled' | 'live' | 'ended') {
    const id = randomUUID();
    await app.storage.db.insertInto('visits').values({
      id, facility_id: facA.id, inmate_id: inmateId, booth_id: booth2.id, scheduled_start: start.toISOString(), duration_seconds: 1800, status,
      privileged: 0, started_at: status === 'scheduled' ? null : start.toISOString(), ended_at: null, end_reason: null, created_by: 'test', created_at: new Date().toISOString(),
    }).execute();
    await app.storage.db.insertInto('visit_visitors').values({ visit_id: id, visitor_id: visitorId }).execute();
    return id;
  }
  const visitRow = (id: string) => app.storage.db.selectFrom('visits').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
  const audits = (action: string, subjectId?: string) => {
    let q = app.storage.db.selectFrom('audit_log').selectAll().where('action', '=', action);
    if (subjectId) q = q.where('subject_id', '=', subjectId);
    return q.orderBy('seq').execute();
  };

  describe('PATCH /api/inmates/:id', () => {
    it('edits name and block (supervisor, admin), audited; officers and other facilities are refused', async () => {
      const inmate = await newInmate();
      expect(inmate).toMatchObject({ status: 'active', statusReason: null, statusChangedAt: null });
      const edited = await supA.patch(`/inmates/${inmate.id}`, { name: 'Budi Santoso', block: 'C-2' });
      expect(edited.status).toBe(200);
      expect(edited.body).toMatchObject({ inmate: { id: inmate.id, name: 'Budi Santoso', block: 'C-2', status: 'active' }, cancelledVisitIds: [], liveVisitIds: [] });
      expect((await admA.patch(`/inmates/${inmate.id}`, { block: 'D' })).body.inmate.block).toBe('D');
      expect((await offA.get(`/inmates/${inmate.id}`)).body.inmate).toMatchObject({ name: 'Budi Santoso', block: 'D' });
      const [entry] = await audits('inmate.updated', inmate.id);
      expect(JSON.parse(entry!.details)).toEqual({ changed: ['name', 'block'] });

      expect((await offA.patch(`/inmates/${inmate.id}`, { block: 'E' })).status).toBe(403);
      expect((await supB.patch(`/inmates/${inmate.id}`, { block: 'E' })).status).toBe(404);
      expect((await supA.patch(`/inmates/${randomUUID()}`, { block: 'E' })).status).toBe(404);
      expect((await offA.get(`/inmates/${inmate.id}`)).body.inmate.block).toBe('D');
    });

    it('refuses bad input with field errors', async () => {
      const inmate = await newInmate();
      const fieldsOf = async (body: unknown) => {
        const res = await supA.patch(`/inmates/${inmate.id}`, body);
        expect(res.status, JSON.stringify(res.body)).toBe(400);
        return res.body.error.fields;
      };
      expect(await fieldsOf({})).toHaveProperty(['(body)']);
      expect(await fieldsOf({ status: 'escaped', reason: 'kabur dari blok' })).toHaveProperty('status');
      expect(await fieldsOf({ status: 'transferred' })).toEqual({ reason: ['required when the status changes'] });
      expect(await fieldsOf({ status: 'transferred', reason: 'x' })).toHaveProperty('reason');
      expect(await fieldsOf({ name: '', block: 'x'.repeat(41) })).toMatchObject({ name: expect.any(Array), block: expect.any(Array) });
      expect(await fieldsOf({ registrationNumber: 'B-1' })).toHaveProperty(['(body)']);
      expect((await supA.patch('/inmates/not-a-uuid', { block: 'A' })).status).toBe(400);
      // no reason needed when the status stays as it is
      expect((await supA.patch(`/inmates/${inmate.id}`, { status: 'active', block: 'B' })).status).toBe(200);
    });

    it('transfer cancels only the future scheduled visits of that inmate, in one audited change; a live call is left running', async () => {
      const inmate = await newInmate('Pindah');
      const other = await newInmate('Tetap');
      const family = await newVisitor(inmate.id, { phone: '0812-3456-7890' });
      const otherFamily = await newVisitor(other.id);
      const future1 = (await book(inmate.id, [family.id], jakarta(4, '09:00'))).body.visit.id;
      const future2 = (await book(inmate.id, [family.id], jakarta(5, '10:00'))).body.visit.id;
      const othersVisit = (await book(other.id, [otherFamily.id], jakarta(4, '11:00'))).body.visit.id;
      const live = await storedVisit(inmate.id, family.id, new Date(Date.now() - 5 * 60_000), 'live');
      const past = await storedVisit(inmate.id, family.id, new Date(Date.now() - 3 * 86_400_000), 'ended');
      const overdue = await storedVisit(inmate.id, family.id, new Date(Date.now() - 2 * 3600_000), 'scheduled');

      const res = await supA.patch(`/inmates/${inmate.id}`, { status: 'transferred', reason: 'dipindahkan ke Lapas Cipinang' });
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      expect(res.body.inmate).toMatchObject({ status: 'transferred', statusReason: 'dipindahkan ke Lapas Cipinang', statusChangedAt: expect.any(String) });
      expect([...res.body.cancelledVisitIds].sort()).toEqual([future1, future2].sort());
      expect(res.body.liveVisitIds).toEqual([live]);
      expect(res.body.cancelledVisits).toContainEqual({
        id: future1, scheduledStart: new Date(jakarta(4, '09:00')).toISOString(), boothName: 'Bilik 1',
        visitors: [{ id: family.id, name: family.name, phone: '+6281234567890' }],
      });

      for (const id of [future1, future2]) expect(await visitRow(id)).toMatchObject({ status: 'cancelled', end_reason: 'inmate_transferred', ended_at: expect.any(String) });
      expect(await visitRow(othersVisit)).toMatchObject({ status: 'scheduled', end_reason: null });
      expect(await visitRow(live)).toMatchObject({ status: 'live' });
      expect(await visitRow(past)).toMatchObject({ status: 'ended' });
      expect(await visitRow(overdue)).toMatchObject({ status: 'scheduled' }); // over already: the missed sweep's
      const [changed] = await audits('inmate.status_changed', inmate.id);
      expect(changed).toMatchObject({ reason: 'dipindahkan ke Lapas Cipinang' });
      expect(JSON.parse(changed!.details)).toMatchObject({ from: 'active', to: 'transferred', liveVisitIds: [live] });
      expect(await audits('visit.cancelled', future1)).toEqual([expect.objectContaining({ reason: 'dipindahkan ke Lapas Cipinang', details: JSON.stringify({ endReason: 'inmate_transferred' }) })]);

      // a transferred inmate cannot be booked; the list filters by status
      const refused = await book(inmate.id, [family.id], jakarta(6, '09:00'));
      expect(refused.status).toBe(409);
      expect(refused.body.error).toMatchObject({ code: 'inmate_inactive', fields: { inmateId: expect.any(Array) } });
      const transferred = (await offA.get('/inmates?status=transferred')).body.inmates.map((i: Json) => i.id);
      expect(transferred).toContain(inmate.id);
      expect(transferred).not.toContain(other.id);
      expect((await offA.get('/inmates?status=active')).body.inmates.map((i: Json) => i.id)).not.toContain(inmate.id);
      expect((await offA.get('/inmates?status=gone')).status).toBe(400);

      // released next: nothing left to cancel; back to active: bookable again
      const released = await supA.patch(`/inmates/${inmate.id}`, { status: 'released', reason: 'bebas murni' });
      expect(released.body).toMatchObject({ inmate: { status: 'released' }, cancelledVisitIds: [] });
      expect((await supA.patch(`/inmates/${inmate.id}`, { status: 'active', reason: 'kembali ke lapas ini' })).body.inmate.status).toBe('active');
      expect((await book(inmate.id, [family.id], jakarta(6, '09:00'))).status).toBe(201);
      expect((await verifyAuditChain(app.storage)).ok).toBe(true);
    });

    it('release cancels with end_reason inmate_released', async () => {
      const inmate = await newInmate('Bebas');
      const family = await newVisitor(inmate.id);
      const visit = (await book(inmate.id, [family.id], jakarta(7, '09:00'), booth2.id)).body.visit.id;
      const res = await admA.patch(`/inmates/${inmate.id}`, { status: 'released', reason: 'bebas bersyarat' });
      expect(res.body.cancelledVisitIds).toEqual([visit]);
      expect(await visitRow(visit)).toMatchObject({ status: 'cancelled', end_reason: 'inmate_released' });
    });
  });

  describe('POST /api/inmates/import', () => {
    it('creates new registration numbers and updates known ones (any letter case), audited with counts', async () => {
      const known = (await supA.post('/inmates', { registrationNumber: 'IMP.1/2024', name: 'Lama', block: 'A' })).body.inmate;
      const same = (await supA.post('/inmates', { registrationNumber: 'IMP.2/2024', name: 'Sama', block: 'B' })).body.inmate;
      const csv = ['registrationNumber,name,block', 'imp.1/2024,Nama Baru,C', 'IMP.2/2024,Sama,B', 'IMP.3/2024,Orang Baru,D'].join('\n');
      const res = await supA.upload('/inmates/import', csv);
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      expect(res.body).toEqual({ created: 1, updated: 1, unchanged: 1 });
      expect((await offA.get(`/inmates/${known.id}`)).body.inmate).toMatchObject({ registrationNumber: 'IMP.1/2024', name: 'Nama Baru', block: 'C' });
      expect((await offA.get(`/inmates/${same.id}`)).body.inmate).toMatchObject({ name: 'Sama', block: 'B' });
      const created = (await offA.get('/inmates?q=IMP.3')).body.inmates;
      expect(created).toEqual([expect.objectContaining({ registrationNumber: 'IMP.3/2024', name: 'Orang Baru', block: 'D', status: 'active' })]);
      const [entry] = await audits('inmate.imported');
      expect(JSON.parse(entry!.details)).toEqual({ file: 'register.csv', rows: 3, created: 1, updated: 1, unchanged: 1 });
      // only in this facility
      const inB = (await supB.upload('/inmates/import', 'registrationNumber,name,block\nIMP.1/2024,Di B,A\n')).body;
      expect(inB).toEqual({ created: 1, updated: 0, unchanged: 0 });
      expect((await offA.get(`/inmates/${known.id}`)).body.inmate.name).toBe('Nama Baru');
    });

    it('one bad row rejects the whole file, naming each line and column', async () => {
      const csv = ['registrationNumber;name;block', 'BAD.1/2024;Baik;A', 'BAD.2/2024;;B', 'bad.1/2024;Ganda;C'].join('\n');
      const res = await supA.upload('/inmates/import', csv);
      expect(res.status).toBe(400);
      expect(res.body.error).toMatchObject({
        code: 'csv_invalid',
        lines: [
          { line: 3, column: 'name', message: expect.any(String) },
          { line: 4, column: 'registrationNumber', message: 'same registration number as line 2' },
        ],
      });
      expect((await offA.get('/inmates?q=BAD.')).body.inmates).toEqual([]);
      expect(await audits('inmate.import_rejected')).toHaveLength(1);

      const missing = await supA.upload('/inmates/import', 'registrationNumber,name\nBAD.9,X\n');
      expect(missing.body.error).toMatchObject({ code: 'csv_invalid', lines: [{ line: 1, column: null, message: 'missing columns: block' }] });
      const empty = await supA.upload('/inmates/import', 'registrationNumber,name,block\n');
      expect(empty.body.error).toMatchObject({ code: 'csv_invalid', fields: { file: ['no data rows'] }, lines: [] });
    });

    it('is for supervisors and admins, with a file', async () => {
      expect((await offA.upload('/inmates/import', 'registrationNumber,name,block\nOFF.1,X,A\n')).status).toBe(403);
      expect((await admA.upload('/inmates/import', 'registrationNumber,name,block\nADM.1,X,A\n')).status).toBe(200);
      const noFile = await supA.upload('/inmates/import', null);
      expect(noFile).toMatchObject({ status: 400, body: { error: { fields: { file: ['a CSV file is required'] } } } });
      expect((await supA.upload('/inmates/import', 'registrationNumber,name,block\nNUL.1,X\u0000,A\n')).body.error.fields).toEqual({ file: ['not a text CSV file'] });
    });
  });

  describe('visitors: phone, NIK problems, bans', () => {
    it('stores the phone as +628…, and says why a number is refused', async () => {
      const inmate = await newInmate();
      for (const [input, phone] of [['0812 3456 7890', '+6281234567890'], ['+62 813-1111-2222', '+6281311112222'], ['6285712345678', '+6285712345678']] as const) {
        expect((await newVisitor(inmate.id, { phone: input })).phone).toBe(phone);
      }
      expect((await newVisitor(inmate.id)).phone).toBeNull();
      const bad = await offA.post(`/inmates/${inmate.id}/visitors`, { name: 'X', nik: nik(900), relationship: 'anak', phone: '021-555-1234' });
      expect(bad.status).toBe(400);
      expect(bad.body.error.fields.phone[0]).toContain('must continue with 8');
      const listed = (await offA.get(`/inmates/${inmate.id}/visitors`)).body.visitors;
      expect(listed.map((v: Json) => v.phone)).toEqual(expect.arrayContaining(['+6281234567890', null]));
      expect(listed[0]).toHaveProperty('ban', null);
    });

    it('returns error.details.nikProblem with the English text in fields.nik', async () => {
      const inmate = await newInmate();
      for (const [value, code] of [['12345', 'length'], ['3171O11505900001', 'digits'], ['9971014501900001', 'province'], ['3100011505900001', 'regency'],
        ['3171001505900001', 'district'], ['3171011513900001', 'birth_month'], ['3171013201900001', 'birth_day'], ['3171011505900000', 'serial']] as const) {
        const res = await offA.post(`/inmates/${inmate.id}/visitors`, { name: 'X', nik: value, relationship: 'anak' });
        expect(res.status).toBe(400);
        expect(res.body.error.details, value).toEqual({ nikProblem: code });
        expect(res.body.error.fields.nik).toHaveLength(1);
      }
      const other = await offA.post(`/inmates/${inmate.id}/visitors`, { name: '', nik: nik(901), relationship: 'anak' });
      expect(other.body.error.details).toBeUndefined();
    });

    it('bans (supervisor, admin) until a local date: refused at booking, shown in the view; unban restores', async () => {
      const inmate = await newInmate();
      const ok = await newVisitor(inmate.id);
      const banned = await newVisitor(inmate.id);
      const today = localToday('Asia/Jakarta');
      const until = jakarta(8, '00:00').slice(0, 10);

      expect((await offA.post(`/visitors/${banned.id}/ban`, { reason: 'membawa barang terlarang', until })).status).toBe(403);
      expect((await supB.post(`/visitors/${banned.id}/ban`, { reason: 'membawa barang terlarang', until })).status).toBe(404);
      expect((await supA.post(`/visitors/${randomUUID()}/ban`, { reason: 'membawa barang terlarang', until })).status).toBe(404);
      const fieldsOf = async (body: unknown) => (await supA.post(`/visitors/${banned.id}/ban`, body)).body.error.fields;
      expect(await fieldsOf({ reason: 'x', until })).toHaveProperty('reason');
      expect(await fieldsOf({ reason: 'membawa barang terlarang', until: '2026-13-01' })).toHaveProperty('until');
      expect(await fieldsOf({ reason: 'membawa barang terlarang' })).toHaveProperty('until');
      expect(await fieldsOf({ reason: 'membawa barang terlarang', until: '2020-01-01' })).toEqual({ until: [`must be today (${today}) or later`] });
      expect(await fieldsOf({ reason: 'membawa barang terlarang', until: '2099-01-01' })).toEqual({ until: ['must be within 10 years'] });

      const res = await supA.post(`/visitors/${banned.id}/ban`, { reason: 'membawa barang terlarang', until });
      expect(res.status).toBe(200);
      expect(res.body.visitor.ban).toEqual({ reason: 'membawa barang terlarang', until, by: expect.any(String), at: expect.any(String) });
      const row = await app.storage.db.selectFrom('visitors').selectAll().where('id', '=', banned.id).executeTakeFirstOrThrow();
      expect(row.ban_ends_at).toBe(new Date(new Date(`${until}T00:00:00+07:00`).getTime() + 86_400_000).toISOString());
      expect((await offA.get(`/inmates/${inmate.id}/visitors`)).body.visitors.find((v: Json) => v.id === banned.id).ban).toMatchObject({ until });
      expect(await audits('visitor.banned', banned.id)).toEqual([expect.objectContaining({ reason: 'membawa barang terlarang' })]);

      // booking during the ban: 409 naming the banned visitor's place in the list
      const refused = await book(inmate.id, [ok.id, banned.id], jakarta(2, '09:00'));
      expect(refused.status).toBe(409);
      expect(refused.body.error).toMatchObject({ code: 'visitor_banned', fields: { 'visitorIds.1': [expect.stringContaining(until)] } });
      expect(Object.keys(refused.body.error.fields)).toEqual(['visitorIds.1']);
      expect((await book(inmate.id, [ok.id], jakarta(2, '09:00'))).status).toBe(201);
      // a visit after the ban's last day is bookable
      let start = new Date(`${until}T09:00:00+07:00`);
      do start = new Date(start.getTime() + 86_400_000); while (new Date(start.getTime() + 7 * 3600_000).getUTCDay() === 0);
      expect((await book(inmate.id, [banned.id], start.toISOString(), booth2.id)).status).toBe(201);

      expect((await offA.post(`/visitors/${banned.id}/unban`, { reason: 'sudah dievaluasi' })).status).toBe(403);
      expect((await supA.post(`/visitors/${banned.id}/unban`, {})).body.error.fields).toHaveProperty('reason');
      const lifted = await supA.post(`/visitors/${banned.id}/unban`, { reason: 'sudah dievaluasi' });
      expect(lifted.status).toBe(200);
      expect(lifted.body.visitor.ban).toBeNull();
      expect(await audits('visitor.unbanned', banned.id)).toHaveLength(1);
      expect((await book(inmate.id, [banned.id], jakarta(3, '13:00'))).status).toBe(201);
      expect((await supA.post(`/visitors/${banned.id}/unban`, { reason: 'sudah dievaluasi' })).body.error.code).toBe('visitor_not_banned');
    });

    it('a ban ends after its last day in the facility zone', async () => {
      const inmate = await newInmate();
      const visitor = await newVisitor(inmate.id);
      const today = localToday('Asia/Jakarta');
      expect((await admA.post(`/visitors/${visitor.id}/ban`, { reason: 'hari ini saja', until: today })).status).toBe(200);
      expect((await book(inmate.id, [visitor.id], jakarta(1, '14:00'), booth2.id)).status).toBe(201);
      const row = await app.storage.db.selectFrom('visitors').select('ban_ends_at').where('id', '=', visitor.id).executeTakeFirstOrThrow();
      const tomorrow = localToday('Asia/Jakarta', new Date(Date.now() + 86_400_000));
      expect(row.ban_ends_at).toBe(new Date(`${tomorrow}T00:00:00+07:00`).toISOString());
    });
  });

  describe('PATCH /api/booths/:id', () => {
    it('renames (supervisor, admin), audited; a taken name is 409; others refused', async () => {
      const b = (await supA.post('/booths', { name: 'Bilik Lama' })).body.booth;
      const renamed = await supA.patch(`/booths/${b.id}`, { name: 'Bilik Baru' });
      expect(renamed).toMatchObject({ status: 200, body: { booth: { id: b.id, name: 'Bilik Baru' } } });
      expect((await offA.get('/booths')).body.booths.map((x: Json) => x.name)).toContain('Bilik Baru');
      expect(await audits('booth.renamed', b.id)).toEqual([expect.objectContaining({ details: JSON.stringify({ from: 'Bilik Lama', to: 'Bilik Baru' }) })]);
      expect((await admA.patch(`/booths/${b.id}`, { name: 'bilik baru' })).status).toBe(200); // its own name, other case

      const taken = await supA.patch(`/booths/${b.id}`, { name: 'BILIK 1' });
      expect(taken).toMatchObject({ status: 409, body: { error: { code: 'booth_name_taken' } } });
      expect((await offA.patch(`/booths/${b.id}`, { name: 'Bilik X' })).status).toBe(403);
      expect((await supB.patch(`/booths/${b.id}`, { name: 'Bilik X' })).status).toBe(404);
      expect((await supA.patch(`/booths/${b.id}`, { name: '' })).body.error.fields).toHaveProperty('name');
      expect((await supA.patch(`/booths/${b.id}`, { name: 'Bilik X', extra: 1 })).status).toBe(400);
    });
  });
});
