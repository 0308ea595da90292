import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../server/app.ts';
import { verifyAuditChain } from '../../server/audit/audit-log.ts';
import { facilityNow } from '../../server/drive-thru/facility-clock.ts';
import { storageKinds } from '../helpers/storages.ts';
import { createFacility, loginOfficer } from '../helpers/test-app.ts';
import { auditActions, durableDatabase, GENEROUS_LIMITS, makeNik, postJson, seedInmate, startPublicServicesApp } from '../helpers/public-services.ts';

const tomorrow = () => facilityNow('Asia/Jakarta', new Date(Date.now() + 24 * 3600_000)).date;
const dayAfter = () => facilityNow('Asia/Jakarta', new Date(Date.now() + 48 * 3600_000)).date;
const ITEMS = [
  { category: 'makanan', description: 'Rendang 1 kotak', quantity: 1 },
  { category: 'pakaian', description: 'Kaos putih', quantity: 2 },
];

interface Session { id: string; date: string; startTime: string; remaining: number }

describe.each(storageKinds)('drive-thru on %s', (kind) => {
  let db: Awaited<ReturnType<typeof durableDatabase>>;
  let app: App;
  let facilityId: string;
  let supervisor: Awaited<ReturnType<typeof loginOfficer>>;
  let family: Awaited<ReturnType<typeof seedInmate>>;
  let morning: Session;
  let booked: { ticket: string; trackingCode: string; queueNumber: number };

  beforeAll(async () => {
    db = await durableDatabase(kind);
    app = await startPublicServicesApp(db.env);
    facilityId = (await createFacility(app)).id;
    supervisor = await loginOfficer(app, [facilityId], 'supervisor');
    family = await seedInmate(app, facilityId, 'B.III-12/2024', [makeNik(), makeNik()]);
  });
  afterAll(async () => {
    await app?.close();
    await db?.drop();
  });

  const createSession = async (date: string, startTime: string, endTime: string, capacity: number) => {
    const res = await postJson(app, '/api/officer/drive-thru/sessions', { date, startTime, endTime, capacity }, supervisor.auth);
    expect(res.status).toBe(201);
    return (await res.json()) as Session;
  };
  const book = (body: Record<string, unknown>, headers: Record<string, string> = {}) => postJson(app, '/api/drive-thru/tickets', body, headers);

  it('lets supervisors plan sessions, which the public can list', async () => {
    morning = await createSession(tomorrow(), '08:00', '10:00', 5);
    await createSession(tomorrow(), '10:00', '12:00', 5);
    const officer = await loginOfficer(app, [facilityId], 'officer');
    expect((await postJson(app, '/api/officer/drive-thru/sessions', { date: tomorrow(), startTime: '13:00', endTime: '14:00', capacity: 5 }, officer.auth)).status).toBe(403);
    expect((await postJson(app, '/api/officer/drive-thru/sessions', { date: tomorrow(), startTime: '08:00', endTime: '09:00', capacity: 5 }, supervisor.auth)).status).toBe(409);
    const bad = await postJson(app, '/api/officer/drive-thru/sessions', { date: '2025-02-30', startTime: '9:00', endTime: '08:00', capacity: 0 }, supervisor.auth);
    expect(Object.keys(((await bad.json()) as { error: { fields: object } }).error.fields)).toEqual(expect.arrayContaining(['date', 'startTime', 'capacity']));
    const list = (await (await fetch(`${app.url}/api/drive-thru/sessions?facilityId=${facilityId}`)).json()) as { sessions: Session[] };
    expect(list.sessions.map((s) => s.startTime)).toEqual(['08:00', '10:00']);
    expect(await auditActions(app, 'drive_thru.session_create')).toHaveLength(2);
  });

  it('books a ticket with a queue number and a QR code', async () => {
    const res = await book({ sessionId: morning.id, visitorNik: family.niks[0], registrationNumber: 'b.iii-12/2024', items: ITEMS });
    expect(res.status).toBe(201);
    const body = (await res.json()) as typeof booked & { session: Session; qrCode: string };
    expect(body).toMatchObject({ queueNumber: 1, session: { id: morning.id, remaining: 4 } });
    expect(body.ticket).toMatch(/^TB-[0-9A-Z]{8}$/);
    expect(body.qrCode).toMatch(/^data:image\/png;base64,/);
    booked = body;
    const again = await book({ sessionId: morning.id, visitorNik: family.niks[0], registrationNumber: 'B.III-12/2024', items: ITEMS });
    expect(again.status).toBe(409);
    expect(await again.json()).toMatchObject({ error: { code: 'already_booked' } });
    expect(await auditActions(app, 'drive_thru.book')).toHaveLength(1);
  });

  it('refuses prohibited items with the reason, unregistered pairs, and bad input', async () => {
    const before = await app.storage.db.selectFrom('drive_thru_tickets').selectAll().execute();
    const base = { sessionId: morning.id, visitorNik: family.niks[1], registrationNumber: 'B.III-12/2024' };
    const prohibited = await book({ ...base, items: [...ITEMS, { category: 'ponsel', description: 'HP', quantity: 1 }] });
    expect(prohibited.status).toBe(422);
    expect(await prohibited.json()).toMatchObject({ error: { code: 'prohibited_items', fields: { 'items.2.category': [expect.stringMatching(/komunikasi/)] } } });
    const stranger = await book({ ...base, visitorNik: makeNik(), items: ITEMS });
    const unknownInmate = await book({ ...base, registrationNumber: 'X-1/1999', items: ITEMS });
    expect(stranger.status).toBe(422);
    expect(await stranger.json()).toEqual(await unknownInmate.json());
    const refusals = await app.storage.db.selectFrom('audit_log').selectAll().where('action', '=', 'drive_thru.book_refused').execute();
    expect(refusals.map((r) => r.subject_id).sort()).toEqual(['B.III-12/2024', 'X-1/1999']);
    expect(refusals.map((r) => r.details).join()).not.toContain(family.niks[1]!.slice(0, 12));
    const cases: Array<[Record<string, unknown>, string[]]> = [
      [{ ...base, visitorNik: '123', items: ITEMS }, ['visitorNik']],
      [{ ...base, items: [] }, ['items']],
      [{ ...base, items: [{ category: 'makanan', description: 'Nasi', quantity: '2' }] }, ['items.0.quantity']],
      [{ sessionId: morning.id, items: ITEMS }, ['visitorNik', 'registrationNumber']],
      [{ ...base, items: [{ category: 'mainan', description: 'Bola', quantity: 1 }] }, ['items.0.category']],
      [{ ...base, sessionId: 'no-such-session', items: ITEMS }, ['sessionId']],
    ];
    for (const [body, fields] of cases) {
      const res = await book(body);
      expect(res.status, JSON.stringify(body).slice(0, 90)).toBe(400);
      const json = (await res.json()) as { error: { fields: Record<string, unknown> } };
      for (const f of fields) expect(json.error.fields).toHaveProperty([f]);
    }
    const huge = await book({ ...base, items: [{ category: 'makanan', description: 'x'.repeat(120_000), quantity: 1 }] });
    expect(huge.status).toBe(400);
    expect(await app.storage.db.selectFrom('drive_thru_tickets').selectAll().execute()).toHaveLength(before.length);
  });

  it('lets the family follow the ticket only with the tracking code', async () => {
    const url = `${app.url}/api/drive-thru/tickets/${booked.ticket}`;
    const ok = await fetch(url, { headers: { 'x-tracking-code': booked.trackingCode } });
    expect(ok.status).toBe(200);
    expect(await ok.json()).toMatchObject({ status: 'booked', queueNumber: 1, items: [{ category: 'makanan', decision: 'pending' }, {}] });
    expect((await fetch(url)).status).toBe(404);
    expect((await fetch(url, { headers: { 'x-tracking-code': 'AAAA-AAAA-AAAA' } })).status).toBe(404);
  });

  it('accepts the tracking code and ticket number typed with spaces instead of dashes', async () => {
    const spaced = booked.trackingCode.replace(/-/g, ' ').toLowerCase();
    const typed = await fetch(`${app.url}/api/drive-thru/tickets/${encodeURIComponent(booked.ticket.replace('-', ' ').toLowerCase())}`, { headers: { 'x-tracking-code': spaced } });
    expect(typed.status).toBe(200);
    expect(await typed.json()).toMatchObject({ ticket: booked.ticket, queueNumber: 1 });
    // Still the same secret: a wrong code typed the same way is refused.
    const wrong = booked.trackingCode.slice(0, -1) + (booked.trackingCode.endsWith('2') ? '3' : '2');
    expect((await fetch(`${app.url}/api/drive-thru/tickets/${booked.ticket}`, { headers: { 'x-tracking-code': wrong.replace(/-/g, ' ') } })).status).toBe(404);
  });

  it('runs the station: find, serve, inspect each item, deliver; now-serving follows; all audited', async () => {
    const officer = await loginOfficer(app, [facilityId], 'officer');
    const station = (path: string, body: unknown = {}) => postJson(app, `/api/officer/drive-thru/tickets/${booked.ticket}/${path}`, body, officer.auth);
    const found = await fetch(`${app.url}/api/officer/drive-thru/tickets/${booked.ticket.toLowerCase()}`, { headers: officer.auth });
    const ticket = (await found.json()) as { items: Array<{ id: string }>; visitor: { nik: string } };
    expect(ticket.visitor.nik).toBe(family.niks[0]);
    expect((await station('inspect', { items: [] })).status).toBe(400);
    expect((await station('deliver')).status).toBe(409);
    expect((await station('serve')).status).toBe(200);
    expect((await station('serve')).status).toBe(409);

    // now-serving covers today; move the session to today to see it on the board.
    const today = facilityNow('Asia/Jakarta').date;
    await app.storage.db.updateTable('drive_thru_sessions').set({ date: today, end_time: '23:59' }).where('id', '=', morning.id).execute();
    const board = await (await fetch(`${app.url}/api/drive-thru/now-serving?facilityId=${facilityId}`)).json();
    expect(board).toMatchObject({ date: today, sessions: [{ id: morning.id, serving: [1], lastCalled: 1, waiting: 0 }] });

    const missingReason = await station('inspect', { items: [{ itemId: ticket.items[0]!.id, decision: 'accepted' }, { itemId: ticket.items[1]!.id, decision: 'rejected' }] });
    expect(missingReason.status).toBe(400);
    const inspected = await station('inspect', {
      items: [{ itemId: ticket.items[0]!.id, decision: 'accepted' }, { itemId: ticket.items[1]!.id, decision: 'rejected', reason: 'Warna tidak sesuai aturan' }],
    });
    expect(inspected.status).toBe(200);
    expect(await inspected.json()).toMatchObject({ status: 'inspected' });
    expect((await station('deliver')).status).toBe(200);
    const followed = await (await fetch(`${app.url}/api/drive-thru/tickets/${booked.ticket}`, { headers: { 'x-tracking-code': booked.trackingCode } })).json();
    expect(followed).toMatchObject({ status: 'delivered', items: [{ decision: 'accepted' }, { decision: 'rejected', reason: 'Warna tidak sesuai aturan' }] });
    for (const action of ['drive_thru.serve', 'drive_thru.inspect', 'drive_thru.deliver', 'drive_thru.view']) expect(await auditActions(app, action)).toHaveLength(1);

    const other = await loginOfficer(app, [(await createFacility(app)).id]);
    expect((await fetch(`${app.url}/api/officer/drive-thru/tickets/${booked.ticket}`, { headers: other.auth })).status).toBe(404);
    expect((await fetch(`${app.url}/api/officer/drive-thru/tickets/${booked.ticket}`)).status).toBe(401);
  });

  it('accepts exactly 50 of 200 concurrent bookings and points the rest to the next free session', async () => {
    const crowded = await createSession(dayAfter(), '08:00', '12:00', 50);
    const next = await createSession(dayAfter(), '13:00', '15:00', 10);
    const niks = Array.from({ length: 200 }, () => makeNik());
    await seedInmate(app, facilityId, 'B.IV-1/2024', niks);
    const responses = await Promise.all(
      niks.map((nik) => book({ sessionId: crowded.id, visitorNik: nik, registrationNumber: 'B.IV-1/2024', items: ITEMS.slice(0, 1) })),
    );
    const statuses = responses.map((r) => r.status);
    expect(statuses.filter((s) => s === 201)).toHaveLength(50);
    expect(statuses.filter((s) => s === 409)).toHaveLength(150);
    const bodies = (await Promise.all(responses.map((r) => r.json()))) as Array<{ queueNumber?: number; ticket?: string; nextSession?: Session }>;
    expect(bodies.filter((b) => b.queueNumber).map((b) => b.queueNumber).sort((a, b) => a! - b!)).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
    expect(new Set(bodies.filter((b) => b.ticket).map((b) => b.ticket)).size).toBe(50);
    expect(bodies.filter((b) => b.nextSession).every((b) => b.nextSession!.id === next.id)).toBe(true);
    const session = await app.storage.db.selectFrom('drive_thru_sessions').selectAll().where('id', '=', crowded.id).executeTakeFirstOrThrow();
    expect(Number(session.booked)).toBe(50);
    expect(await app.storage.db.selectFrom('drive_thru_tickets').select('id').where('session_id', '=', crowded.id).execute()).toHaveLength(50);
    expect((await verifyAuditChain(app.storage)).ok).toBe(true);
  });

  it('keeps tickets across a restart', async () => {
    await app.close();
    app = await startPublicServicesApp(db.env);
    const res = await fetch(`${app.url}/api/drive-thru/tickets/${booked.ticket}`, { headers: { 'x-tracking-code': booked.trackingCode } });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ status: 'delivered' });
  });
});

describe('drive-thru NIK guessing', () => {
  const SLOWDOWN_MS = 1500;

  async function guessingApp(perClient: number, ceiling: { points: number; slowdownMs: number }, dbEnv: Record<string, string> = {}) {
    const app = await startPublicServicesApp(dbEnv, {
      rateLimits: {
        ...GENEROUS_LIMITS,
        driveThruUnregisteredPerRegistrationAndClient: { points: perClient, durationSeconds: 600 },
        driveThruUnregisteredPerRegistration: { points: ceiling.points, durationSeconds: 600, slowdownMs: ceiling.slowdownMs },
      },
    });
    const facilityId = (await createFacility(app)).id;
    const supervisor = await loginOfficer(app, [facilityId], 'supervisor');
    const session = (await (await postJson(app, '/api/officer/drive-thru/sessions', { date: tomorrow(), startTime: '08:00', endTime: '10:00', capacity: 10 }, supervisor.auth)).json()) as Session;
    const book = (registrationNumber: string, visitorNik: string, from: string) =>
      postJson(app, '/api/drive-thru/tickets', { sessionId: session.id, registrationNumber, visitorNik, items: ITEMS }, { 'x-forwarded-for': from });
    return { app, facilityId, book };
  }

  it('refused pairs from many addresses never block a registered NIK; one client guessing is still limited', async () => {
    const { app, facilityId, book } = await guessingApp(3, { points: 3, slowdownMs: SLOWDOWN_MS });
    try {
      const family = await seedInmate(app, facilityId, 'A.I-7/2025', [makeNik(), makeNik()]);
      const other = await seedInmate(app, facilityId, 'A.I-8/2025', [makeNik()]);
      const guesses = await Promise.all(
        Array.from({ length: 6 }, async (_, i) => {
          const started = Date.now();
          const res = await book('A.I-7/2025', makeNik(), `10.0.1.${i}`);
          return { status: res.status, ms: Date.now() - started };
        }),
      );
      expect(guesses.map((g) => g.status)).toEqual(Array(6).fill(422));
      // beyond the ceiling of 3 refusals across all clients, refusals are only answered slowly
      expect(guesses.filter((g) => g.ms >= SLOWDOWN_MS - 50).length).toBeGreaterThanOrEqual(3);
      const started = Date.now();
      expect((await book('A.I-7/2025', family.niks[0]!, '10.0.0.1')).status).toBe(201);
      expect(Date.now() - started).toBeLessThan(SLOWDOWN_MS);

      // one address guessing: refused once its own budget for this registration number is spent
      const hammering = [];
      for (let i = 0; i < 4; i++) hammering.push((await book('A.I-7/2025', makeNik(), '10.0.2.1')).status);
      expect(hammering).toEqual([422, 422, 422, 429]);
      const fromGuesser = await book('A.I-7/2025', family.niks[1]!, '10.0.2.1');
      expect(fromGuesser.status).toBe(429);
      expect(fromGuesser.headers.get('retry-after')).toBeTruthy();
      // the family's second member, from its own address, still books; another inmate's family is not affected
      expect((await book('A.I-7/2025', family.niks[1]!, '10.0.0.3')).status).toBe(201);
      expect((await book('A.I-8/2025', other.niks[0]!, '10.0.0.2')).status).toBe(201);
    } finally {
      await app.close();
    }
  });

  // On PostgreSQL the pair lookups really wait for the database, so parallel requests interleave.
  it.each(storageKinds)('parallel refused pairs from one client on %s: only its budget of 3 is answered, the rest are refused with 429', async (kind) => {
    const db = await durableDatabase(kind);
    const { app, facilityId, book } = await guessingApp(3, { points: 100_000, slowdownMs: 0 }, db.env);
    try {
      const family = await seedInmate(app, facilityId, 'A.I-9/2025', [makeNik()]);
      // connections opened beforehand, so the guesses arrive together rather than one per connect
      await Promise.all(Array.from({ length: 8 }, () => fetch(`${app.url}/healthz`).then((r) => r.text())));
      const statuses = await Promise.all(Array.from({ length: 8 }, () => book('A.I-9/2025', makeNik(), '10.0.3.1').then((r) => r.status)));
      expect(statuses.filter((s) => s === 422)).toHaveLength(3);
      expect(statuses.filter((s) => s === 429)).toHaveLength(5);
      // a right pair from another address is untouched
      expect((await book('A.I-9/2025', family.niks[0]!, '10.0.3.2')).status).toBe(201);
    } finally {
      await app.close();
      await db.drop();
    }
  });

  it('a right pair gives its point back: bookings that pass never spend the guessing budget', async () => {
    const { app, facilityId, book } = await guessingApp(1, { points: 100_000, slowdownMs: 0 });
    try {
      const family = await seedInmate(app, facilityId, 'A.I-10/2025', [makeNik(), makeNik()]);
      expect((await book('A.I-10/2025', family.niks[0]!, '10.0.4.1')).status).toBe(201);
      expect((await book('A.I-10/2025', family.niks[1]!, '10.0.4.1')).status).toBe(201);
      expect((await book('A.I-10/2025', makeNik(), '10.0.4.1')).status).toBe(422);
      expect((await book('A.I-10/2025', family.niks[0]!, '10.0.4.1')).status).toBe(429);
    } finally {
      await app.close();
    }
  });
});

describe('drive-thru booking rate limit', () => {
  it('limits bookings per client', async () => {
    const app = await startPublicServicesApp({}, { rateLimits: { ...GENEROUS_LIMITS, driveThruBookingPerClient: { points: 2, durationSeconds: 600 } } });
    try {
      const statuses = [];
      for (let i = 0; i < 3; i++) statuses.push((await postJson(app, '/api/drive-thru/tickets', {})).status);
      expect(statuses).toEqual([400, 400, 429]);
    } finally {
      await app.close();
    }
  });
});

describe.each(storageKinds)('drive-thru bookings on %s leave no client address in the audit trail', (kind) => {
  it('audits a booking and a refused booking without the address', async () => {
    const db = await durableDatabase(kind);
    const app = await startPublicServicesApp(db.env);
    try {
      const facilityId = (await createFacility(app)).id;
      const supervisor = await loginOfficer(app, [facilityId], 'supervisor');
      const family = await seedInmate(app, facilityId, 'A.II-3/2025', [makeNik()]);
      const session = (await (await postJson(app, '/api/officer/drive-thru/sessions', { date: tomorrow(), startTime: '08:00', endTime: '10:00', capacity: 10 }, supervisor.auth)).json()) as Session;
      const address = '198.51.100.41';
      const book = (visitorNik: string) =>
        postJson(app, '/api/drive-thru/tickets', { sessionId: session.id, registrationNumber: 'A.II-3/2025', visitorNik, items: ITEMS }, { 'x-forwarded-for': address });
      expect((await book(family.niks[0]!)).status).toBe(201);
      expect((await book(makeNik())).status).toBe(422);
      const rows = [...(await auditActions(app, 'drive_thru.book')), ...(await auditActions(app, 'drive_thru.book_refused'))];
      expect(rows).toHaveLength(2);
      for (const row of rows) {
        expect(row.actor_kind).toBe('public');
        for (const ip of [address, '127.0.0.1', '::1']) expect(JSON.stringify(row)).not.toContain(ip);
      }
    } finally {
      await app.close();
      await db.drop();
    }
  });
});
