import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../server/app.ts';
import { verifyAuditChain } from '../../server/audit/audit-log.ts';
import { parseRemisiCsv, REMISI_CSV_COLUMNS } from '../../server/remisi/csv-import.ts';
import { storageKinds } from '../helpers/storages.ts';
import { createFacility, loginOfficer } from '../helpers/test-app.ts';
import { auditActions, durableDatabase, GENEROUS_LIMITS, makeNik, postJson, seedInmate, startPublicServicesApp } from '../helpers/public-services.ts';

const HEADER = REMISI_CSV_COLUMNS.join(',');

function uploadCsv(app: App, token: string, csv: string, name = 'remisi.csv') {
  const form = new FormData();
  form.append('file', new Blob([csv], { type: 'text/csv' }), name);
  return fetch(`${app.url}/api/officer/remisi/import`, { method: 'POST', headers: { authorization: `Bearer ${token}` }, body: form });
}

describe('remisi CSV parsing', () => {
  it('groups entries per registration number and accepts ; from Indonesian spreadsheets', () => {
    const csv = [
      REMISI_CSV_COLUMNS.join(';'),
      'B.I-1/2022;Budi;umum;2023;30;W10.PAS-123;2026-05-01;2025-01-10;',
      'B.I-1/2022;Budi;khusus;2024;15;W10.PAS-456;2026-05-01;2025-01-10;',
      'B.I-2/2022;Sari;;;;;;;',
    ].join('\n');
    const result = parseRemisiCsv(csv);
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.records).toHaveLength(2);
    expect(result.records[0]!.entries).toHaveLength(2);
    expect(result.records[1]).toMatchObject({ registrationNumber: 'B.I-2/2022', entries: [], expectedReleaseDate: null });
  });

  it('reports every bad row by its line number', () => {
    const csv = [
      HEADER,
      'B.I-1/2022,Budi,umum,2023,30,SK-1,2026-05-01,,',
      'B.I-3/2022,Joko,bulanan,2023,30,SK-2,,,',
      'B.I-4/2022,,umum,20x3,-4,,2026-13-45,,',
      'B.I-1/2022,Budi Lain,khusus,2024,10,SK-3,2026-05-01,,',
    ].join('\n');
    const result = parseRemisiCsv(csv);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(Object.keys(result.errors)).toEqual(
      expect.arrayContaining(['line.3.remission_type', 'line.4.name', 'line.4.expected_release_date', 'line.5.name']),
    );
    expect(parseRemisiCsv('a,b\n1,2\n')).toMatchObject({ ok: false, errors: { 'line.1': [expect.stringMatching(/missing columns/)] } });
  });
});

describe.each(storageKinds)('remisi on %s', (kind) => {
  let db: Awaited<ReturnType<typeof durableDatabase>>;
  let app: App;
  let facilityId: string;
  let supervisor: Awaited<ReturnType<typeof loginOfficer>>;
  let family: Awaited<ReturnType<typeof seedInmate>>;

  beforeAll(async () => {
    db = await durableDatabase(kind);
    app = await startPublicServicesApp(db.env);
    facilityId = (await createFacility(app)).id;
    supervisor = await loginOfficer(app, [facilityId], 'supervisor');
    family = await seedInmate(app, facilityId, 'B.I-77/2023');
  });
  afterAll(async () => {
    await app?.close();
    await db?.drop();
  });

  it('imports a whole file, or nothing when any row is bad', async () => {
    const bad = [HEADER, 'B.I-77/2023,Andi,umum,2023,30,SK-1,2027-08-17,2026-02-01,2025-12-01', 'B.I-78/2023,Rudi,umum,2023,abc,SK-2,,,'].join('\n');
    const refused = await uploadCsv(app, supervisor.token, bad);
    expect(refused.status).toBe(400);
    expect(await refused.json()).toMatchObject({ error: { code: 'invalid_rows', fields: { 'line.3.remission_days': expect.any(Array) } } });
    expect(await app.storage.db.selectFrom('remisi_records').selectAll().execute()).toHaveLength(0);

    const good = [
      HEADER,
      'b.i-77/2023,Andi,umum,2023,30,SK-1,2027-08-17,2026-02-01,2025-12-01',
      'B.I-77/2023,Andi,khusus,2024,15,SK-2,2027-08-17,2026-02-01,2025-12-01',
      'B.I-99/2023,Tanpa Keluarga,,,,,2028-01-01,,',
    ].join('\n');
    const res = await uploadCsv(app, supervisor.token, good);
    expect(res.status).toBe(201);
    expect(await res.json()).toMatchObject({ records: 2, entries: 2, unmatchedRegistrationNumbers: ['B.I-99/2023'] });
    const summary = await fetch(`${app.url}/api/officer/remisi`, { headers: supervisor.auth });
    expect(await summary.json()).toMatchObject({ records: 2 });
    expect(await auditActions(app, 'remisi.import')).toHaveLength(1);
    expect(await auditActions(app, 'remisi.import_rejected')).toHaveLength(1);
  });

  it('lets only supervisors and admins import, and validates the upload', async () => {
    const officer = await loginOfficer(app, [facilityId], 'officer');
    expect((await uploadCsv(app, officer.token, `${HEADER}\n`)).status).toBe(403);
    const noFile = await fetch(`${app.url}/api/officer/remisi/import`, { method: 'POST', headers: supervisor.auth, body: new FormData() });
    expect(await noFile.json()).toMatchObject({ error: { fields: { file: expect.any(Array) } } });
    expect((await fetch(`${app.url}/api/officer/remisi/import`, { method: 'POST' })).status).toBe(401);
  });

  it('answers the registered family, and a wrong pair exactly like an unknown inmate', async () => {
    const ok = await postJson(app, '/api/remisi/lookup', { registrationNumber: 'B.I-77/2023', nik: family.niks[0] });
    expect(ok.status).toBe(200);
    expect(await ok.json()).toMatchObject({
      registrationNumber: 'B.I-77/2023', name: 'Andi', totalDays: 45, expectedReleaseDate: '2027-08-17',
      pbEligibleDate: '2026-02-01', cbEligibleDate: '2025-12-01',
      remissions: [{ type: 'umum', year: 2023, days: 30, decreeNumber: 'SK-1' }, { type: 'khusus', year: 2024, days: 15 }],
    });
    const wrongNik = await postJson(app, '/api/remisi/lookup', { registrationNumber: 'B.I-77/2023', nik: makeNik() });
    const unknown = await postJson(app, '/api/remisi/lookup', { registrationNumber: 'B.I-1/1999', nik: family.niks[0] });
    const noFamily = await postJson(app, '/api/remisi/lookup', { registrationNumber: 'B.I-99/2023', nik: family.niks[0] });
    for (const r of [wrongNik, unknown, noFamily]) expect(r.status).toBe(404);
    const bodies = await Promise.all([wrongNik.json(), unknown.json(), noFamily.json()]);
    expect(bodies[1]).toEqual(bodies[0]);
    expect(bodies[2]).toEqual(bodies[0]);
    const audits = await auditActions(app, 'remisi.lookup');
    expect(audits.length).toBeGreaterThanOrEqual(4);
    expect(audits.map((a) => JSON.parse(a.details).found)).toEqual(expect.arrayContaining([true, false]));
    expect(audits.every((a) => !a.details.includes(family.niks[0]!))).toBe(true);
  });

  it('refuses bad input with field errors and stores nothing', async () => {
    const before = (await auditActions(app, 'remisi.lookup')).length;
    const cases: Array<[unknown, string[]]> = [
      [{ registrationNumber: 'B.I-77/2023', nik: '12345' }, ['nik']],
      [{ registrationNumber: 'B.I-77/2023', nik: '31740000000000AB' }, ['nik']],
      [{ registrationNumber: 'B.I-77/2023', nik: '3174013213850001' }, ['nik']], // month 13: not a plausible NIK
      [{ nik: family.niks[0] }, ['registrationNumber']],
      [{ registrationNumber: 77, nik: 3174000000000001 }, ['registrationNumber', 'nik']],
      [{ registrationNumber: 'B.I-77/2023', nik: family.niks[0], extra: 1 }, ['(body)']],
    ];
    for (const [body, fields] of cases) {
      const res = await postJson(app, '/api/remisi/lookup', body);
      expect(res.status).toBe(400);
      const json = (await res.json()) as { error: { fields: Record<string, unknown> } };
      for (const f of fields) expect(json.error.fields).toHaveProperty([f]);
    }
    const huge = await postJson(app, '/api/remisi/lookup', { registrationNumber: 'x'.repeat(200_000), nik: family.niks[0] });
    expect(huge.status).toBe(400);
    expect(await huge.json()).toMatchObject({ error: { code: 'payload_too_large', fields: { '(body)': expect.any(Array) } } });
    const notJson = await postJson(app, '/api/remisi/lookup', '{"registrationNumber": ');
    expect(notJson.status).toBe(400);
    expect((await auditActions(app, 'remisi.lookup')).length).toBe(before);
  });

  it('keeps the data across a restart', async () => {
    await app.close();
    app = await startPublicServicesApp(db.env);
    const res = await postJson(app, '/api/remisi/lookup', { registrationNumber: 'b.i-77/2023', nik: family.niks[0] });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ totalDays: 45 });
    expect((await verifyAuditChain(app.storage)).ok).toBe(true);
  });
});

describe('remisi rate limits', () => {
  const SLOWDOWN_MS = 1500;
  let app: App;
  let supervisor: Awaited<ReturnType<typeof loginOfficer>>;
  let facilityId: string;
  beforeAll(async () => {
    app = await startPublicServicesApp({}, {
      rateLimits: {
        ...GENEROUS_LIMITS,
        remisiLookupPerClient: { points: 5, durationSeconds: 600 },
        remisiFailuresPerRegistrationAndClient: { points: 3, durationSeconds: 600 },
        remisiLookupPerRegistration: { points: 5, durationSeconds: 600, slowdownMs: SLOWDOWN_MS },
      },
    });
    facilityId = (await createFacility(app)).id;
    supervisor = await loginOfficer(app, [facilityId], 'supervisor');
  });
  afterAll(() => app?.close());

  const lookup = (registrationNumber: string, client: string, nik = '3174011508859999') =>
    postJson(app, '/api/remisi/lookup', { registrationNumber, nik }, { 'x-forwarded-for': client });

  async function familyWithRecord(registrationNumber: string) {
    const family = await seedInmate(app, facilityId, registrationNumber);
    const csv = [HEADER, `${registrationNumber},Andi,umum,2023,30,SK-1,2027-08-17,2026-02-01,2025-12-01`].join('\n');
    expect((await uploadCsv(app, supervisor.token, csv)).status).toBe(201);
    return family;
  }

  it('wrong lookups from nine addresses do not lock the family out: its right pair from a tenth answers 200, unslowed', async () => {
    const family = await familyWithRecord('B.I-5/2020');
    const wrong = await Promise.all(
      Array.from({ length: 9 }, async (_, i) => {
        const started = Date.now();
        const res = await lookup('B.I-5/2020', `10.0.0.${i + 1}`);
        return { status: res.status, ms: Date.now() - started };
      }),
    );
    expect(wrong.map((w) => w.status)).toEqual(Array(9).fill(404));
    // beyond the ceiling of 5 failures across all clients, failures are only answered slowly
    expect(wrong.filter((w) => w.ms >= SLOWDOWN_MS - 50).length).toBeGreaterThanOrEqual(4);
    const started = Date.now();
    const right = await lookup('B.I-5/2020', '10.0.0.10', family.niks[0]);
    expect(right.status).toBe(200);
    expect(Date.now() - started).toBeLessThan(SLOWDOWN_MS);
    expect(await right.json()).toMatchObject({ totalDays: 30 });
  });

  it('still limits one client hammering wrong pairs for a registration number, and only that client', async () => {
    const family = await familyWithRecord('B.I-6/2020');
    const statuses = [];
    for (let i = 0; i < 4; i++) statuses.push((await lookup('B.I-6/2020', '10.8.8.8')).status);
    expect(statuses).toEqual([404, 404, 404, 429]);
    // that address has spent its guesses for this registration number, whatever it sends next
    const again = await lookup('B.I-6/2020', '10.8.8.8', family.niks[0]);
    expect(again.status).toBe(429);
    expect(Number(again.headers.get('retry-after'))).toBeGreaterThan(0);
    expect((await lookup('B.I-6/2020', '10.8.8.9', family.niks[0])).status).toBe(200);
  });

  it('parallel wrong lookups from one client: only its budget of 3 is answered as not found, the rest 429', async () => {
    const family = await familyWithRecord('B.I-7/2020');
    // five is the client's request limit here; three its failure budget for this number
    const statuses = await Promise.all(Array.from({ length: 5 }, () => lookup('B.I-7/2020', '10.7.7.7').then((r) => r.status)));
    expect(statuses.filter((s) => s === 404)).toHaveLength(3);
    expect(statuses.filter((s) => s === 429)).toHaveLength(2);
    expect((await lookup('B.I-7/2020', '10.7.7.8', family.niks[0])).status).toBe(200);
  });

  it('a right pair gives its point back: found lookups never spend the failure budget', async () => {
    const family = await familyWithRecord('B.I-8/2020');
    const statuses = [];
    for (let i = 0; i < 3; i++) statuses.push((await lookup('B.I-8/2020', '10.6.6.6', family.niks[0])).status);
    for (let i = 0; i < 2; i++) statuses.push((await lookup('B.I-8/2020', '10.6.6.6')).status);
    expect(statuses).toEqual([200, 200, 200, 404, 404]);
  });

  it('limits each client across registration numbers, with Retry-After', async () => {
    const statuses = [];
    for (let i = 0; i < 6; i++) statuses.push((await lookup(`B.II-${i}/2021`, '10.9.9.9')).status);
    expect(statuses).toEqual([404, 404, 404, 404, 404, 429]);
    const limited = await lookup('B.II-99/2021', '10.9.9.9');
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    expect((await lookup('B.II-99/2021', '10.9.9.10')).status).toBe(404);
  });
});

describe.each(storageKinds)('remisi lookups on %s leave no client address in the audit trail', (kind) => {
  it('audits found and not-found lookups without the address', async () => {
    const db = await durableDatabase(kind);
    const app = await startPublicServicesApp(db.env);
    try {
      const facilityId = (await createFacility(app)).id;
      const supervisor = await loginOfficer(app, [facilityId], 'supervisor');
      const family = await seedInmate(app, facilityId, 'B.I-5/2024');
      expect((await uploadCsv(app, supervisor.token, [HEADER, 'B.I-5/2024,Andi,umum,2024,30,SK-9,2027-08-17,,'].join('\n'))).status).toBe(201);
      const address = '198.51.100.57';
      const lookup = (nik: string) => postJson(app, '/api/remisi/lookup', { registrationNumber: 'B.I-5/2024', nik }, { 'x-forwarded-for': address });
      expect((await lookup(family.niks[0]!)).status).toBe(200);
      expect((await lookup(makeNik())).status).toBe(404);
      const rows = await auditActions(app, 'remisi.lookup');
      expect(rows.map((r) => JSON.parse(r.details).found)).toEqual([true, false]);
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
