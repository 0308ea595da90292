import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../server/app.ts';
import { localToday } from '../../server/facilities/local-day.ts';
import { signFamilySession } from '../../server/family/family-session.ts';
import { freshPostgresSchema } from '../helpers/postgres.ts';
import { createFacility, loginOfficer, startTestApp } from '../helpers/test-app.ts';

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
  return { get: (p: string) => call('GET', p), post: (p: string, b: unknown = {}) => call('POST', p, b), put: (p: string, b: unknown) => call('PUT', p, b) };
}
type Client = ReturnType<typeof client>;

const nik = (n: number) => `317101450190${String(n).padStart(4, '0')}`;
const day = (days: number) => localToday('Asia/Jakarta', new Date(Date.now() + days * 86_400_000));
const jakarta = (days: number, hhmm: string) => new Date(`${day(days)}T${hhmm}:00+07:00`).toISOString();
const hours = [{ from: '08:00', to: '10:00' }];
const rules = (over: Record<string, unknown> = {}) => ({
  visitingHours: { '0': hours, '1': hours, '2': hours, '3': hours, '4': hours, '5': hours, '6': hours },
  slotMinutes: 30, maxVisitorsPerVisit: 3, quota: null,
  familyBooking: { enabled: true, confirmation: 'auto', changeDeadlineHours: 24 },
  ...over,
});

describe.each(['sqlite', 'postgres'] as const)('family booking on %s', (kind) => {
  let app: App;
  let dropSchema: (() => Promise<void>) | undefined;
  let facilityId: string;
  let sup: Client, off: Client;
  let famA: Client, famB: Client;
  let visitorA: Json, visitorB: Json;

  /** A family account whose approved registration made `visitor` (as famreg's approval does). */
  async function familyOf(visitorId: string, n: number): Promise<Client> {
    const accountId = randomUUID();
    await app.storage.db.insertInto('family_accounts').values({
      id: accountId, facility_id: facilityId, nik_hash: `hash-${n}-${randomUUID()}`, nik_last4: '0001', nik_encrypted: 'x', name: `Keluarga ${n}`,
      phone: `+6281234567${String(n).padStart(3, '0')}`, email: `keluarga${n}@example.id`, language: 'id', created_at: new Date().toISOString(),
    }).execute();
    await app.storage.db.updateTable('visitors').set({ family_account_id: accountId }).where('id', '=', visitorId).execute();
    const { token } = signFamilySession(app.ctx, { accountId, facilityId });
    return client(app, { authorization: `Bearer ${token}` });
  }

  const outbox = (like: string) => app.storage.db.selectFrom('notification_outbox').selectAll().where('idempotency_key', 'like', like).execute();

  beforeAll(async () => {
    const pg = kind === 'postgres' ? await freshPostgresSchema() : undefined;
    dropSchema = pg?.drop;
    app = await startTestApp(pg ? { DATABASE_URL: pg.url } : {});
    facilityId = (await createFacility(app)).id;
    sup = client(app, (await loginOfficer(app, [facilityId], 'supervisor')).auth);
    off = client(app, (await loginOfficer(app, [facilityId], 'officer')).auth);
    await sup.post('/booths', { name: 'Bilik 1' });
    const inmateA = (await sup.post('/inmates', { registrationNumber: 'A.1/2024', name: 'Budi', block: 'A' })).body.inmate;
    const inmateB = (await sup.post('/inmates', { registrationNumber: 'A.2/2024', name: 'Agus', block: 'B' })).body.inmate;
    visitorA = (await off.post(`/inmates/${inmateA.id}/visitors`, { name: 'Siti', nik: nik(1), relationship: 'anak' })).body.visitor;
    visitorB = (await off.post(`/inmates/${inmateB.id}/visitors`, { name: 'Rina', nik: nik(2), relationship: 'anak' })).body.visitor;
    famA = await familyOf(visitorA.id, 1);
    famB = await familyOf(visitorB.id, 2);
    expect((await sup.put('/facility/rules', rules())).status).toBe(200);
  });
  afterAll(async () => {
    await app?.close();
    await dropSchema?.();
  });

  it('keeps familyBooking when a PUT leaves it out, and validates it', async () => {
    const { familyBooking: _f, ...withoutFamily } = rules({ slotMinutes: 30 });
    await sup.put('/facility/rules', rules({ familyBooking: { enabled: true, confirmation: 'officer', changeDeadlineHours: 12 } }));
    expect((await sup.put('/facility/rules', withoutFamily)).body.rules.familyBooking).toEqual({ enabled: true, confirmation: 'officer', changeDeadlineHours: 12 });
    const bad = await sup.put('/facility/rules', rules({ familyBooking: { enabled: true, confirmation: 'sometimes', changeDeadlineHours: 200 } }));
    expect(bad.status).toBe(400);
    expect(Object.keys(bad.body.error.fields)).toEqual(expect.arrayContaining(['familyBooking.confirmation', 'familyBooking.changeDeadlineHours']));
    await sup.put('/facility/rules', rules());
  });

  it('offers only times a booking accepts; a taken time is refused and shown taken; only offered times are booked', async () => {
    const date = day(10);
    const before = await famA.get(`/family/slots?visitorId=${visitorA.id}&date=${date}`);
    expect(before.status).toBe(200);
    expect(before.body.slots.map((s: Json) => s.free)).toEqual([true, true, true, true]);
    // the other family takes 08:00 in the only booth
    expect((await famB.post('/family/visits', { visitorId: visitorB.id, scheduledStart: jakarta(10, '08:00') })).status).toBe(201);
    const after = (await famA.get(`/family/slots?visitorId=${visitorA.id}&date=${date}`)).body.slots;
    expect(after[0]).toMatchObject({ free: false, reason: 'booth_busy' });
    expect((await famA.post('/family/visits', { visitorId: visitorA.id, scheduledStart: after[0].start })).body.error.code).toBe('slot_taken');
    const notOffered = await famA.post('/family/visits', { visitorId: visitorA.id, scheduledStart: jakarta(10, '08:10') });
    expect(notOffered).toMatchObject({ status: 400, body: { error: { fields: { scheduledStart: expect.any(Array) } } } });
    expect((await famA.post('/family/visits', { visitorId: visitorA.id, scheduledStart: jakarta(10, '07:30') })).status).toBe(400);
    // every free time is accepted
    for (const slot of after.filter((s: Json) => s.free).slice(0, 1)) {
      const booked = await famA.post('/family/visits', { visitorId: visitorA.id, scheduledStart: slot.start });
      expect(booked.status).toBe(201);
      expect(booked.body.visit).toMatchObject({ status: 'scheduled', awaitingConfirmation: false, visitorId: visitorA.id, inmate: { name: 'Budi' }, timezone: 'Asia/Jakarta' });
    }
    // someone else's visitor is not bookable or readable
    expect((await famA.get(`/family/slots?visitorId=${visitorB.id}&date=${date}`)).status).toBe(400);
    expect((await famA.post('/family/visits', { visitorId: visitorB.id, scheduledStart: jakarta(11, '08:00') })).status).toBe(400);
  });

  it('two families racing for the last time: one 201, the other 409 slot_taken', async () => {
    const start = jakarta(12, '09:00');
    const [a, b] = await Promise.all([
      famA.post('/family/visits', { visitorId: visitorA.id, scheduledStart: start }),
      famB.post('/family/visits', { visitorId: visitorB.id, scheduledStart: start }),
    ]);
    expect([a.status, b.status].sort()).toEqual([201, 409]);
    expect([a, b].find((r) => r.status === 409)!.body.error.code).toBe('slot_taken');
    const stored = await app.storage.db.selectFrom('visits').select('id').where('scheduled_start', '=', start).where('status', '=', 'scheduled').execute();
    expect(stored).toHaveLength(1);
  });

  it('refuses a booking over the inmate\'s quota, and the slots say why', async () => {
    const inmate = (await sup.post('/inmates', { registrationNumber: 'A.3/2024', name: 'Cahya', block: 'C' })).body.inmate;
    const visitor = (await off.post(`/inmates/${inmate.id}/visitors`, { name: 'Dewi', nik: nik(3), relationship: 'anak' })).body.visitor;
    const famC = await familyOf(visitor.id, 3);
    await sup.put('/facility/rules', rules({ quota: { count: 1, period: 'week' } }));
    try {
      expect((await famC.post('/family/visits', { visitorId: visitor.id, scheduledStart: jakarta(40, '08:00') })).status).toBe(201);
      const slots = (await famC.get(`/family/slots?visitorId=${visitor.id}&date=${day(40)}`)).body;
      expect(slots.quota).toMatchObject({ count: 1, period: 'week', used: 1 });
      expect(slots.slots.filter((s: Json) => s.free)).toEqual([]);
      expect(slots.slots[2]).toMatchObject({ free: false, reason: 'quota_exceeded' });
      const refused = await famC.post('/family/visits', { visitorId: visitor.id, scheduledStart: jakarta(40, '09:00') });
      expect(refused).toMatchObject({ status: 409, body: { error: { code: 'quota_exceeded' } } });
    } finally {
      await sup.put('/facility/rules', rules());
    }
  });

  it('with officer confirmation: the visit holds its time, join is refused until an officer confirms (audited)', async () => {
    await sup.put('/facility/rules', rules({ familyBooking: { enabled: true, confirmation: 'officer', changeDeadlineHours: 24 } }));
    try {
      const booked = await famA.post('/family/visits', { visitorId: visitorA.id, scheduledStart: jakarta(14, '08:30') });
      expect(booked.body.visit.awaitingConfirmation).toBe(true);
      const id = booked.body.visit.id;
      expect((await famA.get(`/family/visits/${id}/join`)).body.error.code).toBe('awaiting_confirmation');
      expect((await off.get(`/visits/${id}/links`)).body.error.code).toBe('awaiting_confirmation');
      expect((await outbox(`visit.booked:${id}:%`))[0]).toMatchObject({ template: 'visitAwaitingConfirmation', to_email: 'keluarga1@example.id' });
      expect((await famB.post(`/visits/${id}/confirm`)).status).toBe(401);
      const confirmed = await off.post(`/visits/${id}/confirm`);
      expect(confirmed).toMatchObject({ status: 200, body: { visit: { confirmation: 'confirmed' } } });
      expect((await off.post(`/visits/${id}/confirm`)).body.error.code).toBe('confirmation_not_pending');
      const audit = await app.storage.db.selectFrom('audit_log').selectAll().where('action', '=', 'visit.confirmed').where('subject_id', '=', id).execute();
      expect(audit).toHaveLength(1);
      expect((await outbox(`visit.confirmed:${id}:%`))).toHaveLength(1);
      const join = await famA.get(`/family/visits/${id}/join`);
      expect(join.status).toBe(200);
      expect(join.body.familyUrl).toMatch(/\/family\/\?t=/);
      expect(await app.storage.db.selectFrom('audit_log').select('seq').where('action', '=', 'visit.links_issued').where('actor_kind', '=', 'family').where('subject_id', '=', id).execute()).toHaveLength(1);
    } finally {
      await sup.put('/facility/rules', rules());
    }
  });

  it('cancels and moves until the change deadline, not after; another family gets 404', async () => {
    const booked = (await famA.post('/family/visits', { visitorId: visitorA.id, scheduledStart: jakarta(20, '08:00') })).body.visit;
    expect(new Date(booked.changeableUntil).getTime()).toBe(new Date(booked.scheduledStart).getTime() - 24 * 3600_000);
    for (const path of ['cancel', 'move']) expect((await famB.post(`/family/visits/${booked.id}/${path}`, { scheduledStart: jakarta(20, '09:00') })).status).toBe(404);
    expect((await famB.get(`/family/visits/${booked.id}/join`)).status).toBe(404);
    expect((await famB.get('/family/visits')).body.upcoming.map((v: Json) => v.id)).not.toContain(booked.id);

    const moved = await famA.post(`/family/visits/${booked.id}/move`, { scheduledStart: jakarta(20, '09:00') });
    expect(moved).toMatchObject({ status: 200, body: { visit: { id: booked.id, scheduledStart: jakarta(20, '09:00') } } });
    expect(await outbox(`visit.moved:${booked.id}:%`)).toHaveLength(1);
    // the deadline reaches the visit: no more changes
    await sup.put('/facility/rules', rules({ familyBooking: { enabled: true, confirmation: 'auto', changeDeadlineHours: 168 * 1 } }));
    const late = (await famA.post('/family/visits', { visitorId: visitorA.id, scheduledStart: jakarta(3, '08:00') })).body.visit;
    try {
      expect((await famA.post(`/family/visits/${late.id}/cancel`)).body.error.code).toBe('change_deadline_passed');
      expect((await famA.post(`/family/visits/${late.id}/move`, { scheduledStart: jakarta(3, '09:00') })).body.error.code).toBe('change_deadline_passed');
    } finally {
      await sup.put('/facility/rules', rules());
    }
    const cancelled = await famA.post(`/family/visits/${booked.id}/cancel`);
    expect(cancelled).toMatchObject({ status: 200, body: { visit: { status: 'cancelled' } } });
    expect((await outbox(`visit.cancelled:${booked.id}:%`))[0]).toMatchObject({ template: 'visitCancelledByFamily' });
    expect((await famA.post(`/family/visits/${booked.id}/cancel`)).status).toBe(409);
    const list = (await famA.get('/family/visits')).body;
    expect(list.past.map((v: Json) => v.id)).toContain(booked.id);
    expect(list.upcoming.map((v: Json) => v.id)).toContain(late.id);
  });

  it('reminds the day before and 15 minutes before, each once, and tells the family of a missed visit', async () => {
    const visit = (await famA.post('/family/visits', { visitorId: visitorA.id, scheduledStart: jakarta(30, '08:00') })).body.visit;
    const start = new Date(visit.scheduledStart).getTime();
    const dayBefore = `visit.reminder.dayBefore:${visit.id}:%`;
    const soon = `visit.reminder.soon:${visit.id}:%`;
    await app.reminders.runOnce(new Date(start - 25 * 3600_000));
    expect(await outbox(dayBefore)).toHaveLength(0);
    await app.reminders.runOnce(new Date(start - 23 * 3600_000));
    await app.reminders.runOnce(new Date(start - 22 * 3600_000));
    const sentDayBefore = await outbox(dayBefore);
    expect(sentDayBefore).toHaveLength(1);
    expect(sentDayBefore[0]).toMatchObject({ template: 'reminderDayBefore', to_phone: '+6281234567001' });
    expect(await outbox(soon)).toHaveLength(0);
    await app.reminders.runOnce(new Date(start - 14 * 60_000));
    await app.reminders.runOnce(new Date(start - 10 * 60_000));
    const sentSoon = await outbox(soon);
    expect(sentSoon).toHaveLength(1);
    expect(JSON.parse(sentSoon[0]!.params).link).toMatch(/\/family\/\?t=/);
    expect(await outbox(dayBefore)).toHaveLength(1);

    await app.missedSweep.runOnce(new Date(new Date(visit.endsAt).getTime() + 60_000));
    expect((await famA.get('/family/visits')).body.past.find((v: Json) => v.id === visit.id)).toMatchObject({ status: 'missed' });
    const missed = await outbox(`visit.missed:${visit.id}:%`);
    expect(missed).toHaveLength(1);
    expect(JSON.parse(missed[0]!.params).link).toMatch(/\/kunjungan\/$/);
  });

  it('refuses without a family session and when the facility takes no family bookings', async () => {
    expect((await client(app).get('/family/visits')).status).toBe(401);
    expect((await off.get('/family/visits')).status).toBe(401);
    await sup.put('/facility/rules', rules({ familyBooking: { enabled: false, confirmation: 'auto', changeDeadlineHours: 24 } }));
    try {
      expect((await famA.get(`/family/slots?visitorId=${visitorA.id}&date=${day(5)}`)).body.error.code).toBe('family_booking_disabled');
      expect((await famA.post('/family/visits', { visitorId: visitorA.id, scheduledStart: jakarta(5, '08:00') })).status).toBe(403);
    } finally {
      await sup.put('/facility/rules', rules());
    }
  });
});
