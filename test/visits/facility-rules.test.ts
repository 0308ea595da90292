import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { App } from '../../server/app.ts';
import { verifyAuditChain } from '../../server/audit/audit-log.ts';
import { localToday } from '../../server/facilities/local-day.ts';
import { addDays, localPeriodRange, weekdayOf } from '../../server/visits/facility-calendar.ts';
import { DEFAULT_RULES } from '../../server/visits/facility-rules.ts';
import { extendVisit, ScheduleConflict } from '../../server/visits/schedule.ts';
import { freshPostgresSchema } from '../helpers/postgres.ts';
import { loginOfficer, startTestApp } from '../helpers/test-app.ts';

// Every account costs an argon2 hash: slow on a busy 2-core machine.
vi.setConfig({ testTimeout: 120_000, hookTimeout: 120_000 });

type Json = any; // eslint-disable-line @typescript-eslint/no-explicit-any
type Zone = 'Asia/Jakarta' | 'Asia/Makassar' | 'Asia/Jayapura';
const OFFSET: Record<Zone, string> = { 'Asia/Jakarta': '+07:00', 'Asia/Makassar': '+08:00', 'Asia/Jayapura': '+09:00' };

/** A plausible NIK: DKI Jakarta, woman born 5 January 1990, serial n. */
const nik = (n: number) => `317101450190${String(n).padStart(4, '0')}`;

const allDay = { '0': [{ from: '00:00', to: '24:00' }], '1': [{ from: '00:00', to: '24:00' }], '2': [{ from: '00:00', to: '24:00' }], '3': [{ from: '00:00', to: '24:00' }], '4': [{ from: '00:00', to: '24:00' }], '5': [{ from: '00:00', to: '24:00' }], '6': [{ from: '00:00', to: '24:00' }] };
const rulesWith = (over: Record<string, unknown>) => ({ visitingHours: allDay, slotMinutes: 30, maxVisitorsPerVisit: 3, quota: null, ...over });

/** The first local date from `minAhead` days on that falls on `weekday` (0 = Sunday). */
function nextWeekday(weekday: number, minAhead = 2, zone: Zone = 'Asia/Jakarta'): string {
  let date = addDays(localToday(zone), minAhead);
  while (weekdayOf(date) !== weekday) date = addDays(date, 1);
  return date;
}

function client(app: App, auth: Record<string, string> = {}) {
  const call = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${app.url}/api${path}`, {
      method,
      headers: { ...auth, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: res.status, body: (await res.json()) as Json };
  };
  return { get: (path: string) => call('GET', path), post: (path: string, body: unknown = {}) => call('POST', path, body), put: (path: string, body: unknown) => call('PUT', path, body) };
}
type Client = ReturnType<typeof client>;

describe.each(['sqlite', 'postgres'] as const)('facility rules, quotas, slots and booking checks on %s', (kind) => {
  let app: App;
  let dropSchema: (() => Promise<void>) | undefined;

  beforeAll(async () => {
    const pg = kind === 'postgres' ? await freshPostgresSchema() : undefined;
    dropSchema = pg?.drop;
    app = await startTestApp(pg ? { DATABASE_URL: pg.url } : {});
  });
  afterAll(async () => {
    await app?.close();
    await dropSchema?.();
  });

  /** A facility in `zone` with a supervisor, booths, and inmates each with registered visitors. */
  async function facility(options: { zone?: Zone; booths?: number; inmates?: number; visitors?: number; rules?: Json } = {}) {
    const zone = options.zone ?? 'Asia/Jakarta';
    const code = `LP-${randomUUID().slice(0, 8)}`;
    const row = { id: randomUUID(), code, name: `Lapas ${code}`, kind: 'lapas', timezone: zone, created_at: new Date().toISOString() };
    await app.storage.db.insertInto('facilities').values(row).execute();
    const sup = client(app, (await loginOfficer(app, [row.id], 'supervisor')).auth);
    const booths: Json[] = [];
    for (let i = 1; i <= (options.booths ?? 2); i++) booths.push((await sup.post('/booths', { name: `Bilik ${i}` })).body.booth);
    const inmates: Array<{ id: string; visitors: Json[] }> = [];
    for (let i = 1; i <= (options.inmates ?? 1); i++) {
      const inmate = (await sup.post('/inmates', { registrationNumber: `BI.${i}/2025`, name: `WBP ${i}`, block: 'A' })).body.inmate;
      const visitors: Json[] = [];
      for (let v = 1; v <= (options.visitors ?? 2); v++) {
        visitors.push((await sup.post(`/inmates/${inmate.id}/visitors`, { name: `Keluarga ${i}.${v}`, nik: nik(i * 10 + v), relationship: 'anak' })).body.visitor);
      }
      inmates.push({ id: inmate.id, visitors });
    }
    if (options.rules) expect((await sup.put('/facility/rules', options.rules)).status).toBe(200);
    const at = (date: string, hhmm: string) => `${date}T${hhmm}:00${OFFSET[zone]}`;
    const book = (over: Record<string, unknown> = {}) => ({
      inmateId: inmates[0]!.id,
      boothId: booths[0].id,
      ...('visitorIds' in over ? {} : { visitorIds: [inmates[0]!.visitors[0]!.id] }),
      durationMinutes: 15,
      ...over,
    });
    return { id: row.id, zone, sup, booths, inmates, at, book };
  }

  const visitCount = async () => Number((await app.storage.db.selectFrom('visits').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);

  describe('GET/PUT /api/facility/rules', () => {
    it('shows the defaults until a supervisor or admin saves rules; officers may read, not change; audited; other facilities untouched', async () => {
      const a = await facility();
      const b = await facility();
      const officer = client(app, (await loginOfficer(app, [a.id], 'officer')).auth);
      const admin = client(app, (await loginOfficer(app, [a.id], 'admin')).auth);

      expect((await client(app).get('/facility/rules')).status).toBe(401);
      const initial = await officer.get('/facility/rules');
      expect(initial.status).toBe(200);
      expect(initial.body).toEqual({ rules: DEFAULT_RULES, isDefault: true });
      expect(initial.body.rules.visitingHours['1']).toEqual([{ from: '08:00', to: '15:00' }]);
      expect(initial.body.rules.visitingHours['0']).toEqual([]);

      const rules = rulesWith({ visitingHours: { '1': [{ from: '08:00', to: '12:00' }, { from: '13:00', to: '15:30' }] }, slotMinutes: 20, maxVisitorsPerVisit: 2, quota: { count: 2, period: 'week' } });
      const refused = await officer.put('/facility/rules', rules);
      expect(refused.status).toBe(403);
      expect((await officer.get('/facility/rules')).body.isDefault).toBe(true);

      const saved = await a.sup.put('/facility/rules', rules);
      expect(saved.status).toBe(200);
      // rules saved without familyBooking keep the facility's (here the defaults)
      const expected = { ...rules, visitingHours: { '0': [], '1': rules.visitingHours['1'], '2': [], '3': [], '4': [], '5': [], '6': [] }, familyBooking: DEFAULT_RULES.familyBooking };
      expect(saved.body.rules).toEqual(expected);
      expect(await officer.get('/facility/rules')).toMatchObject({ status: 200, body: { rules: expected, isDefault: false } });
      expect((await b.sup.get('/facility/rules')).body).toEqual({ rules: DEFAULT_RULES, isDefault: true });

      const changed = await admin.put('/facility/rules', { ...rules, quota: null });
      expect(changed.status).toBe(200);
      expect((await a.sup.get('/facility/rules')).body.rules.quota).toBeNull();
      expect((await b.sup.get('/facility/rules')).body.isDefault).toBe(true);

      const audits = await app.storage.db.selectFrom('audit_log').selectAll().where('action', '=', 'facility.rules_changed').where('subject_id', '=', a.id).orderBy('seq').execute();
      expect(audits).toHaveLength(2);
      expect(audits[0]).toMatchObject({ facility_id: a.id, actor_kind: 'officer', subject_kind: 'facility' });
      expect(JSON.parse(audits[0]!.details)).toEqual({ rules: expected, previous: null });
      expect(JSON.parse(audits[1]!.details)).toMatchObject({ rules: { quota: null }, previous: { quota: { count: 2, period: 'week' } } });
      expect(await app.storage.db.selectFrom('audit_log').select('seq').where('action', '=', 'facility.rules_changed').where('subject_id', '=', b.id).execute()).toEqual([]);
      expect((await verifyAuditChain(app.storage)).ok).toBe(true);
    });

    it('refuses bad rules with errors naming the field', async () => {
      const a = await facility({ booths: 0, inmates: 0 });
      const fieldsOf = async (body: unknown) => {
        const res = await a.sup.put('/facility/rules', body);
        expect(res.status, JSON.stringify(res.body)).toBe(400);
        expect(res.body.error.code).toBe('validation_failed');
        return res.body.error.fields;
      };
      expect(await fieldsOf(rulesWith({ slotMinutes: 5 }))).toHaveProperty('slotMinutes');
      expect(await fieldsOf(rulesWith({ slotMinutes: 121 }))).toHaveProperty('slotMinutes');
      expect(await fieldsOf(rulesWith({ maxVisitorsPerVisit: 4 }))).toHaveProperty('maxVisitorsPerVisit');
      expect(await fieldsOf(rulesWith({ maxVisitorsPerVisit: 0 }))).toHaveProperty('maxVisitorsPerVisit');
      expect(await fieldsOf(rulesWith({ quota: { count: 0, period: 'week' } }))).toHaveProperty(['quota.count']);
      expect(await fieldsOf(rulesWith({ quota: { count: 51, period: 'week' } }))).toHaveProperty(['quota.count']);
      expect(await fieldsOf(rulesWith({ quota: { count: 1, period: 'day' } }))).toHaveProperty(['quota.period']);
      expect(await fieldsOf(rulesWith({ visitingHours: { '1': [{ from: '8:00', to: '12:00' }] } }))).toHaveProperty(['visitingHours.1.0.from']);
      expect(await fieldsOf(rulesWith({ visitingHours: { '1': [{ from: '08:00', to: '24:30' }] } }))).toHaveProperty(['visitingHours.1.0.to']);
      expect(await fieldsOf(rulesWith({ visitingHours: { '1': [{ from: '12:00', to: '08:00' }] } }))).toEqual({ 'visitingHours.1.0.to': ['must be later than from'] });
      expect(await fieldsOf(rulesWith({ visitingHours: { '1': [{ from: '08:00', to: '12:00' }, { from: '11:00', to: '14:00' }] } }))).toHaveProperty(['visitingHours.1.1.from']);
      expect(await fieldsOf(rulesWith({ visitingHours: { '7': [] } }))).toHaveProperty(['visitingHours']);
      expect(await fieldsOf({ ...rulesWith({}), extra: true })).toHaveProperty(['(body)']);
      expect(await fieldsOf({ slotMinutes: 30 })).toHaveProperty('visitingHours');
      expect((await a.sup.get('/facility/rules')).body.isDefault).toBe(true);
    });
  });

  describe('enforcement on POST /api/visits', () => {
    it('refuses a visit outside the visiting hours of the local weekday, start and end inside one window', async () => {
      const hours = { '1': [{ from: '08:00', to: '12:00' }, { from: '13:00', to: '15:00' }] };
      const f = await facility({ booths: 3, rules: rulesWith({ visitingHours: hours }) });
      const monday = nextWeekday(1);
      const post = (hhmm: string, minutes: number, booth = 0, date = monday) => f.sup.post('/visits', f.book({ scheduledStart: f.at(date, hhmm), durationMinutes: minutes, boothId: f.booths[booth].id }));

      const early = await post('07:30', 15);
      expect(early.status).toBe(409);
      expect(early.body.error).toMatchObject({ code: 'outside_visiting_hours', fields: { scheduledStart: [expect.stringContaining('08:00–12:00, 13:00–15:00')] } });
      expect((await post('11:50', 15)).body.error.code).toBe('outside_visiting_hours'); // runs past 12:00
      expect((await post('12:30', 15)).body.error.code).toBe('outside_visiting_hours'); // the break
      expect((await post('11:30', 45)).body.error.code).toBe('outside_visiting_hours'); // spans both windows
      const sunday = await post('09:00', 15, 0, nextWeekday(0));
      expect(sunday.body.error).toMatchObject({ code: 'outside_visiting_hours', fields: { scheduledStart: ['there are no visiting hours on that day'] } });
      expect((await post('11:45', 15)).status).toBe(201); // ends exactly at 12:00
      expect((await post('13:00', 15, 1)).status).toBe(201);
    });

    it('judges visiting hours in the facility zone (WIT), not UTC or the server zone', async () => {
      const f = await facility({ zone: 'Asia/Jayapura', booths: 1, rules: rulesWith({ visitingHours: { '2': [{ from: '08:00', to: '09:00' }] } }) });
      const tuesday = nextWeekday(2, 2, 'Asia/Jayapura');
      // 08:30 WIB is 10:30 WIT: after the window.
      expect((await f.sup.post('/visits', f.book({ scheduledStart: `${tuesday}T08:30:00+07:00` }))).body.error.code).toBe('outside_visiting_hours');
      // 08:00 WIT is 23:00 UTC on Monday.
      const ok = await f.sup.post('/visits', f.book({ scheduledStart: f.at(tuesday, '08:00') }));
      expect(ok.status).toBe(201);
      expect(ok.body.visit.scheduledStart).toBe(new Date(`${addDays(tuesday, -1)}T23:00:00Z`).toISOString());
    });

    it('a facility that never saved rules shows default hours but does not enforce them', async () => {
      const f = await facility({ booths: 1 });
      expect((await f.sup.post('/visits', f.book({ scheduledStart: f.at(nextWeekday(0), '02:00') }))).status).toBe(201);
    });

    it('limits the visitors per visit (400 on visitorIds), in POST, the check and the grid', async () => {
      const f = await facility({ booths: 1, rules: rulesWith({ maxVisitorsPerVisit: 1 }) });
      const [v1, v2] = f.inmates[0]!.visitors;
      const body = f.book({ visitorIds: [v1.id, v2.id], scheduledStart: f.at(nextWeekday(3), '09:00') });
      const res = await f.sup.post('/visits', body);
      expect(res.status).toBe(400);
      expect(res.body.error).toMatchObject({ code: 'validation_failed', fields: { visitorIds: ['at most 1 visitors per visit'] } });
      expect((await f.sup.post('/visits/check', body)).body).toEqual({ ok: false, problems: [{ code: 'too_many_visitors', field: 'visitorIds', message: 'at most 1 visitors per visit' }] });
      const grid = await f.sup.get(`/slots?date=${nextWeekday(3)}&inmateId=${f.inmates[0]!.id}&visitorIds=${v1.id},${v2.id}`);
      expect(grid.status).toBe(400);
      expect(grid.body.error.fields).toHaveProperty('visitorIds');
      expect((await f.sup.post('/visits', { ...body, visitorIds: [v2.id] })).status).toBe(201);
    });

    it('refuses a visitor already in another visit at that time, matched by person (NIK) across inmates, not across facilities', async () => {
      const f = await facility({ booths: 3, inmates: 2, visitors: 1 });
      // The same person registered for both inmates (a mother of two sons, counsel of two clients).
      const mother = (await f.sup.post(`/inmates/${f.inmates[0]!.id}/visitors`, { name: 'Ibu', nik: nik(500), relationship: 'orang_tua' })).body.visitor;
      const sameMother = (await f.sup.post(`/inmates/${f.inmates[1]!.id}/visitors`, { name: 'Ibu', nik: nik(500), relationship: 'orang_tua' })).body.visitor;
      const day = nextWeekday(4);
      const first = await f.sup.post('/visits', f.book({ visitorIds: [mother.id], scheduledStart: f.at(day, '09:00'), durationMinutes: 30 }));
      expect(first.status).toBe(201);

      const second = f.book({ inmateId: f.inmates[1]!.id, boothId: f.booths[1].id, visitorIds: [f.inmates[1]!.visitors[0].id, sameMother.id], scheduledStart: f.at(day, '09:20') });
      const clash = await f.sup.post('/visits', second);
      expect(clash.status).toBe(409);
      expect(clash.body.error).toMatchObject({ code: 'visitor_busy', fields: { 'visitorIds.1': [`is in visit ${first.body.visit.id} at that time`] } });
      expect((await f.sup.post('/visits', { ...second, visitorIds: [f.inmates[1]!.visitors[0].id] })).status).toBe(201);
      const adjacent = await f.sup.post('/visits', { ...second, boothId: f.booths[2].id, visitorIds: [sameMother.id], scheduledStart: f.at(day, '09:35') });
      expect(adjacent.status).toBe(201);

      // The same NIK visiting in another facility is not this facility's business (nor confirmed to it).
      const other = await facility({ booths: 1, visitors: 0 });
      const there = (await other.sup.post(`/inmates/${other.inmates[0]!.id}/visitors`, { name: 'Ibu', nik: nik(500), relationship: 'orang_tua' })).body.visitor;
      expect((await other.sup.post('/visits', other.book({ visitorIds: [there.id], scheduledStart: other.at(day, '09:00') }))).status).toBe(201);
    });

    it('extending a call is refused when a visitor of it has the next visit with another inmate', async () => {
      const f = await facility({ booths: 2, inmates: 2, visitors: 0 });
      const counsel = (await f.sup.post(`/inmates/${f.inmates[0]!.id}/visitors`, { name: 'Advokat', nik: nik(600), relationship: 'saudara_kandung' })).body.visitor;
      const sameCounsel = (await f.sup.post(`/inmates/${f.inmates[1]!.id}/visitors`, { name: 'Advokat', nik: nik(600), relationship: 'saudara_kandung' })).body.visitor;
      const day = nextWeekday(5);
      const a = (await f.sup.post('/visits', f.book({ visitorIds: [counsel.id], scheduledStart: f.at(day, '10:00') }))).body.visit;
      await f.sup.post('/visits', f.book({ inmateId: f.inmates[1]!.id, boothId: f.booths[1].id, visitorIds: [sameCounsel.id], scheduledStart: f.at(day, '10:15') }));
      const audit = () => ({ actorKind: 'officer' as const, actorId: 'test', facilityId: f.id, action: 'call.extend' });
      const refused = extendVisit(app.storage, a.id, 300, audit);
      await expect(refused).rejects.toBeInstanceOf(ScheduleConflict);
      await expect(refused).rejects.toMatchObject({ resource: 'visitor' });
      expect((await f.sup.get(`/visits/${a.id}`)).body.visit.durationSeconds).toBe(900);
    });
  });

  describe('inmate quota', () => {
    it('counts per local ISO week: 23:30 WIB Sunday and 00:30 WIB Monday (still Sunday in UTC) are different weeks', async () => {
      const f = await facility({ booths: 2, rules: rulesWith({ quota: { count: 1, period: 'week' } }) });
      const sunday = nextWeekday(0, 8);
      const monday = addDays(sunday, 1);
      const post = (date: string, hhmm: string, over: Record<string, unknown> = {}) => f.sup.post('/visits', f.book({ scheduledStart: f.at(date, hhmm), ...over }));

      const lateSunday = await post(sunday, '23:30');
      expect(lateSunday.status).toBe(201);
      const sameWeek = await post(addDays(sunday, -6), '10:00'); // that week's Monday
      expect(sameWeek.status).toBe(409);
      expect(sameWeek.body.error).toMatchObject({ code: 'quota_exceeded', fields: { scheduledStart: ['the inmate already has 1 of 1 visits allowed per week'] } });

      const earlyMonday = await post(monday, '00:30');
      expect(earlyMonday.status).toBe(201);
      expect(new Date(earlyMonday.body.visit.scheduledStart).getUTCDay()).toBe(0); // Sunday 17:30 UTC
      expect((await post(addDays(monday, 6), '23:00')).body.error.code).toBe('quota_exceeded');

      // A cancelled visit gives its unit back; legal counsel is not limited by, nor counted in, the quota.
      expect((await f.sup.post(`/visits/${earlyMonday.body.visit.id}/cancel`, { reason: 'keluarga berhalangan' })).status).toBe(200);
      expect((await post(addDays(monday, 2), '10:00')).status).toBe(201);
      const lawyer = (await f.sup.post(`/inmates/${f.inmates[0]!.id}/visitors`, { name: 'Advokat', nik: nik(700), relationship: 'kuasa_hukum', advocateCredential: 'PERADI 1.234' })).body.visitor;
      expect((await post(addDays(monday, 3), '10:00', { visitorIds: [lawyer.id], privileged: true })).status).toBe(201);
      expect((await post(addDays(monday, 4), '10:00')).body.error.code).toBe('quota_exceeded');
    });

    it('counts per local calendar month, held and running visits included, missed ones not', async () => {
      const f = await facility({ booths: 1, rules: rulesWith({ quota: { count: 2, period: 'month' } }) });
      // The last day of a month at least 3 days from now, and the first of the next.
      let lastDay = addDays(localToday('Asia/Jakarta'), 3);
      while (addDays(lastDay, 1).slice(8) !== '01') lastDay = addDays(lastDay, 1);
      const firstOfNext = addDays(lastDay, 1);
      const post = (date: string, hhmm: string) => f.sup.post('/visits', f.book({ scheduledStart: f.at(date, hhmm) }));

      // a held visit on the 1st of the month (maybe in the past, so stored directly) counts
      await app.storage.db.insertInto('visits').values({
        id: randomUUID(), facility_id: f.id, inmate_id: f.inmates[0]!.id, booth_id: f.booths[0].id, scheduled_start: new Date(f.at(`${lastDay.slice(0, 8)}01`, '00:00')).toISOString(),
        duration_seconds: 600, status: 'ended', privileged: 0, privileged_approval: null, privileged_decided_by: null, privileged_decided_at: null,
        privileged_decision_reason: null, started_at: null, ended_at: null, end_reason: 'ended', created_by: 'test', created_at: new Date().toISOString(),
      }).execute();
      const missed = (await post(addDays(lastDay, -1), '10:00')).body.visit;
      await app.storage.db.updateTable('visits').set({ status: 'missed' }).where('id', '=', missed.id).execute();

      expect((await post(lastDay, '23:30')).status).toBe(201);
      expect((await post(lastDay, '10:00')).body.error.code).toBe('quota_exceeded');
      expect((await post(firstOfNext, '00:30')).status).toBe(201); // still lastDay in UTC
      expect((await post(firstOfNext, '10:00')).status).toBe(201);
      expect((await post(addDays(firstOfNext, 20), '10:00')).body.error).toMatchObject({ code: 'quota_exceeded', message: 'the inmate already has 2 of 2 visits allowed per month' });
    });

    it('lets exactly one of 8 parallel bookings take the last quota unit', async () => {
      const f = await facility({ booths: 8, rules: rulesWith({ quota: { count: 2, period: 'week' } }) });
      const wednesday = nextWeekday(3, 4);
      expect((await f.sup.post('/visits', f.book({ scheduledStart: f.at(addDays(wednesday, -2), '09:00') }))).status).toBe(201);
      const before = await visitCount();
      // Different booths and times: only the quota can refuse them.
      const race = await Promise.all(f.booths.map((booth, i) =>
        f.sup.post('/visits', f.book({ boothId: booth.id, scheduledStart: f.at(wednesday, `${String(8 + i).padStart(2, '0')}:00`) }))));
      expect(race.map((r) => r.status).sort()).toEqual([201, 409, 409, 409, 409, 409, 409, 409]);
      expect(race.filter((r) => r.status === 409).every((r) => r.body.error.code === 'quota_exceeded')).toBe(true);
      expect(await visitCount()).toBe(before + 1);
    });
  });

  describe('GET /api/slots and POST /api/visits/check', () => {
    it('marks busy, quota and past slots, and every free slot passes the check a booking runs', async () => {
      const hours = { '1': [{ from: '08:00', to: '10:00' }], '2': [{ from: '08:00', to: '10:00' }] };
      const f = await facility({ booths: 3, inmates: 3, visitors: 1, rules: rulesWith({ visitingHours: hours, slotMinutes: 30 }) });
      const [me, other, third] = f.inmates as [typeof f.inmates[0], typeof f.inmates[0], typeof f.inmates[0]];
      const shared = (await f.sup.post(`/inmates/${me.id}/visitors`, { name: 'Ibu', nik: nik(800), relationship: 'orang_tua' })).body.visitor;
      const sharedThere = (await f.sup.post(`/inmates/${third.id}/visitors`, { name: 'Ibu', nik: nik(800), relationship: 'orang_tua' })).body.visitor;
      const monday = nextWeekday(1, 3);
      const [b1, b2, b3] = f.booths;
      const booked = async (body: Json) => {
        const res = await f.sup.post('/visits', body);
        expect(res.status, JSON.stringify(res.body)).toBe(201);
      };
      await booked({ inmateId: other.id, boothId: b1.id, visitorIds: [other.visitors[0].id], scheduledStart: f.at(monday, '08:30'), durationMinutes: 30 }); // booth 1 busy 08:30
      await booked({ inmateId: me.id, boothId: b2.id, visitorIds: [me.visitors[0].id], scheduledStart: f.at(monday, '09:00'), durationMinutes: 30 }); // my inmate busy 09:00
      await booked({ inmateId: third.id, boothId: b3.id, visitorIds: [sharedThere.id], scheduledStart: f.at(monday, '09:30'), durationMinutes: 30 }); // the mother busy 09:30

      const res = await f.sup.get(`/slots?date=${monday}&inmateId=${me.id}&visitorIds=${shared.id}`);
      expect(res.status).toBe(200);
      const grid = res.body;
      expect(grid).toMatchObject({ date: monday, timezone: 'Asia/Jakarta', slotMinutes: 30, durationMinutes: 30, quota: null });
      expect(grid.booths.map((b: Json) => b.id)).toEqual([b1.id, b2.id, b3.id]);
      const reasons = (booth: Json) => grid.booths.find((b: Json) => b.id === booth.id).slots.map((s: Json) => s.reason ?? 'free');
      expect(grid.booths[0].slots.map((s: Json) => s.start)).toEqual(['08:00', '08:30', '09:00', '09:30'].map((t) => new Date(f.at(monday, t)).toISOString()));
      expect(grid.booths[0].slots[0].end).toBe(new Date(f.at(monday, '08:30')).toISOString());
      expect(reasons(b1)).toEqual(['free', 'booth_busy', 'inmate_busy', 'visitor_busy']);
      expect(reasons(b2)).toEqual(['free', 'free', 'booth_busy', 'visitor_busy']);
      expect(reasons(b3)).toEqual(['free', 'free', 'inmate_busy', 'booth_busy']);

      // The grid and the booking agree, slot by slot.
      for (const booth of grid.booths) {
        for (const slot of booth.slots) {
          const body = { inmateId: me.id, boothId: booth.id, visitorIds: [shared.id], scheduledStart: slot.start, durationMinutes: 30 };
          const check = await f.sup.post('/visits/check', body);
          expect(check.status).toBe(200);
          expect(check.body.ok, `${booth.name} ${slot.start}`).toBe(slot.free);
          if (!slot.free) expect(check.body.problems.map((p: Json) => p.code)).toContain(slot.reason);
        }
      }

      // A quota used up closes every slot of that week, and the grid says how much is used.
      await f.sup.put('/facility/rules', rulesWith({ visitingHours: hours, slotMinutes: 30, quota: { count: 1, period: 'week' } }));
      const full = (await f.sup.get(`/slots?date=${addDays(monday, 1)}&inmateId=${me.id}`)).body;
      expect(full.quota).toEqual({ count: 1, period: 'week', used: 1 });
      expect(full.booths.flatMap((b: Json) => b.slots.map((s: Json) => s.reason))).toEqual(Array(12).fill('quota_exceeded'));
      const nextWeek = (await f.sup.get(`/slots?date=${addDays(monday, 7)}&inmateId=${me.id}`)).body;
      expect(nextWeek.quota.used).toBe(0);
      expect(nextWeek.booths.every((b: Json) => b.slots.every((s: Json) => s.free))).toBe(true);
      // No visiting hours that day: no slots.
      expect((await f.sup.get(`/slots?date=${addDays(monday, 2)}&inmateId=${me.id}`)).body.booths.every((b: Json) => b.slots.length === 0)).toBe(true);
    });

    it('marks past slots, shows default hours for a facility without rules, and a longer duration fits the window', async () => {
      const f = await facility({ booths: 1 });
      const inmateId = f.inmates[0]!.id;
      const yesterday = addDays(localToday('Asia/Jakarta'), -1);
      const past = (await f.sup.get(`/slots?date=${yesterday}&inmateId=${inmateId}`)).body;
      const pastSlots = past.booths[0].slots;
      expect(pastSlots.length).toBe(weekdayOf(yesterday) === 0 ? 0 : 14);
      expect(pastSlots.every((s: Json) => !s.free && s.reason === 'past')).toBe(true);

      const monday = nextWeekday(1);
      const grid = (await f.sup.get(`/slots?date=${monday}&inmateId=${inmateId}&durationMinutes=45`)).body;
      expect(grid).toMatchObject({ slotMinutes: 30, durationMinutes: 45 });
      const starts = grid.booths[0].slots.map((s: Json) => s.start);
      expect(starts[0]).toBe(new Date(f.at(monday, '08:00')).toISOString());
      expect(starts.at(-1)).toBe(new Date(f.at(monday, '14:00')).toISOString()); // 14:00 + 45 min ≤ 15:00, 14:30 would not fit
      expect((await f.sup.get(`/slots?date=${nextWeekday(0)}&inmateId=${inmateId}`)).body.booths[0].slots).toEqual([]);

      const all = await f.sup.put('/facility/rules', rulesWith({}));
      expect(all.status).toBe(200);
      const today = (await f.sup.get(`/slots?date=${localToday('Asia/Jakarta')}&inmateId=${inmateId}`)).body.booths[0].slots;
      expect(today).toHaveLength(48);
      const now = Date.now();
      for (const s of today) expect(s.reason === 'past').toBe(new Date(s.start).getTime() < now);
    });

    it('refuses bad grid queries and other facilities\' inmates and visitors', async () => {
      const f = await facility({ booths: 1, inmates: 2, visitors: 1 });
      const other = await facility({ booths: 1 });
      const inmateId = f.inmates[0]!.id;
      const day = nextWeekday(1);
      const fieldsOf = async (query: string) => {
        const res = await f.sup.get(`/slots?${query}`);
        expect(res.status, query).toBe(400);
        return res.body.error.fields;
      };
      expect((await client(app).get(`/slots?date=${day}&inmateId=${inmateId}`)).status).toBe(401);
      expect(await fieldsOf(`inmateId=${inmateId}`)).toHaveProperty('date');
      expect(await fieldsOf(`date=2025-02-30&inmateId=${inmateId}`)).toHaveProperty('date');
      expect(await fieldsOf(`date=${addDays(localToday('Asia/Jakarta'), 200)}&inmateId=${inmateId}`)).toEqual({ date: ['must be within 180 days'] });
      expect(await fieldsOf(`date=${day}&inmateId=${other.inmates[0]!.id}`)).toEqual({ inmateId: ['unknown inmate'] });
      expect(await fieldsOf(`date=${day}&inmateId=${randomUUID()}`)).toEqual({ inmateId: ['unknown inmate'] });
      expect(await fieldsOf(`date=${day}&inmateId=${inmateId}&visitorIds=${f.inmates[1]!.visitors[0].id}`)).toEqual({ 'visitorIds.0': ['not a registered visitor of this inmate'] });
      expect(await fieldsOf(`date=${day}&inmateId=${inmateId}&visitorIds=x`)).toHaveProperty(['visitorIds.0']);
      expect(await fieldsOf(`date=${day}&inmateId=${inmateId}&durationMinutes=61`)).toHaveProperty('durationMinutes');
      expect(await fieldsOf(`date=${day}&inmateId=${inmateId}&extra=1`)).toHaveProperty(['(body)']);
    });

    it('POST /api/visits/check lists every problem and stores nothing', async () => {
      const f = await facility({ booths: 2, inmates: 2, visitors: 1, rules: rulesWith({ quota: { count: 1, period: 'month' } }) });
      const other = await facility({ booths: 1 });
      const day = nextWeekday(2, 3);
      const taken = (await f.sup.post('/visits', f.book({ scheduledStart: f.at(day, '10:00') }))).body.visit;
      const before = await visitCount();

      const fine = f.book({ inmateId: f.inmates[1]!.id, visitorIds: [f.inmates[1]!.visitors[0].id], scheduledStart: f.at(day, '11:00') });
      expect(await f.sup.post('/visits/check', fine)).toEqual({ status: 200, body: { ok: true, problems: [] } });
      const clash = await f.sup.post('/visits/check', f.book({ scheduledStart: f.at(day, '10:05') }));
      expect(clash.status).toBe(200);
      expect(clash.body).toEqual({
        ok: false,
        problems: [
          { code: 'booth_busy', field: 'boothId', message: `overlaps visit ${taken.id}` },
          { code: 'inmate_busy', field: 'inmateId', message: `overlaps visit ${taken.id}` },
          { code: 'quota_exceeded', field: 'scheduledStart', message: 'the inmate already has 1 of 1 visits allowed per month' },
        ],
      });
      const foreign = await f.sup.post('/visits/check', f.book({ inmateId: other.inmates[0]!.id, scheduledStart: f.at(day, '12:00') }));
      expect(foreign.body).toEqual({ ok: false, problems: [{ code: 'validation_failed', field: 'inmateId', message: 'unknown inmate' }] });
      const notTheirs = await f.sup.post('/visits/check', f.book({ visitorIds: [f.inmates[1]!.visitors[0].id], scheduledStart: f.at(day, '12:00') }));
      expect(notTheirs.body.problems).toEqual([{ code: 'validation_failed', field: 'visitorIds.0', message: 'not a registered visitor of this inmate' }]);
      expect((await f.sup.post('/visits/check', { ...fine, scheduledStart: 'besok' })).status).toBe(400);
      expect((await client(app).post('/visits/check', fine)).status).toBe(401);
      expect(await visitCount()).toBe(before);
      // and the body it approved books
      expect((await f.sup.post('/visits', fine)).status).toBe(201);
    });
  });
});

describe('facility calendar', () => {
  it('bounds local ISO weeks (Mon–Sun) and months in the facility zone', () => {
    expect(localPeriodRange('2025-08-17', 'week', 'Asia/Jakarta')).toEqual({ from: new Date('2025-08-10T17:00:00Z'), to: new Date('2025-08-17T17:00:00Z') });
    expect(localPeriodRange('2025-08-18', 'week', 'Asia/Jayapura')).toEqual({ from: new Date('2025-08-17T15:00:00Z'), to: new Date('2025-08-24T15:00:00Z') });
    expect(localPeriodRange('2025-12-31', 'week', 'Asia/Makassar')).toEqual({ from: new Date('2025-12-28T16:00:00Z'), to: new Date('2026-01-04T16:00:00Z') });
    expect(localPeriodRange('2025-12-31', 'month', 'Asia/Jakarta')).toEqual({ from: new Date('2025-11-30T17:00:00Z'), to: new Date('2025-12-31T17:00:00Z') });
    expect(localPeriodRange('2024-02-29', 'month', 'Asia/Jakarta')).toEqual({ from: new Date('2024-01-31T17:00:00Z'), to: new Date('2024-02-29T17:00:00Z') });
  });
});
