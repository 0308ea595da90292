import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { chmodSync, existsSync, mkdtempSync, readFileSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import SQLite from 'better-sqlite3';
import { Kysely, PostgresDialect, SqliteDialect } from 'kysely';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../server/app.ts';
import { projectRoot } from '../../server/config/load.ts';
import { facilityNow } from '../../server/drive-thru/facility-clock.ts';
import { replaceRemisiRecords } from '../../server/remisi/remisi-store.ts';
import { SQLITE_FILE } from '../../server/storage/database.ts';
import { migrationTableSchema, migratorFor } from '../../server/storage/migrate.ts';
import { auditActions, durableDatabase, postJson, startPublicServicesApp } from '../helpers/public-services.ts';
import { freshPostgresSchema } from '../helpers/postgres.ts';
import { storageKinds } from '../helpers/storages.ts';
import { createFacility, loginOfficer, startTestApp } from '../helpers/test-app.ts';

type Json = any; // eslint-disable-line @typescript-eslint/no-explicit-any

/** Plausible and distinctive: Jawa Barat, a woman born 17 August 1992, serial 0137. */
const NIK = '3271065708920137';
const OLD_NIK = '3273015105880456';

/** The SQLite file and the journal files beside it, as an attacker copying data/ would get them. */
function sqliteFiles(dataDir: string): string[] {
  const db = path.join(dataDir, SQLITE_FILE);
  return [db, `${db}-wal`, `${db}-shm`].filter((f) => existsSync(f));
}

function expectNoClearNik(dataDir: string, nik: string): void {
  const files = sqliteFiles(dataDir);
  expect(files.length).toBeGreaterThan(0);
  for (const file of files) {
    const bytes = readFileSync(file);
    expect(bytes.includes(nik), `${path.basename(file)} contains the NIK`).toBe(false);
    // Not even its first 12 digits (region and birth date) in clear.
    expect(bytes.includes(nik.slice(0, 12)), `${path.basename(file)} contains the NIK's first 12 digits`).toBe(false);
  }
}

const mode = (file: string) => statSync(file).mode & 0o777;
const json = (res: Response): Promise<Json> => res.json();

describe.each(storageKinds)('NIKs at rest on %s', (kind) => {
  let db: Awaited<ReturnType<typeof durableDatabase>>;
  let app: App;
  let facilityId: string;
  let officer: Awaited<ReturnType<typeof loginOfficer>>;
  let supervisor: Awaited<ReturnType<typeof loginOfficer>>;
  let inmate: Json;
  let visitor: Json;
  const registrationNumber = 'B.II-45/2024';

  beforeAll(async () => {
    db = await durableDatabase(kind);
    app = await startPublicServicesApp(db.env);
    facilityId = (await createFacility(app)).id;
    [officer, supervisor] = await Promise.all([loginOfficer(app, [facilityId], 'officer'), loginOfficer(app, [facilityId], 'supervisor')]);
    inmate = (await json(await postJson(app, '/api/inmates', { registrationNumber, name: 'Rudi Hartono', block: 'B' }, supervisor.auth))).inmate;
    const res = await postJson(app, `/api/inmates/${inmate.id}/visitors`, { name: 'Dewi Lestari', nik: NIK, relationship: 'suami_istri' }, officer.auth);
    expect(res.status).toBe(201);
    const text = await res.text();
    expect(text).not.toContain(NIK);
    visitor = JSON.parse(text).visitor;
  });
  afterAll(async () => {
    await app?.close();
    await db?.drop();
  });

  it('stores only a keyed hash, the last 4 digits and an encrypted copy, never the NIK', async () => {
    expect(visitor).toMatchObject({ nikMasked: '************0137', nikLast4: '0137' });
    expect(visitor).not.toHaveProperty('nik');
    const rows = await app.storage.db.selectFrom('visitors').selectAll().execute();
    expect(JSON.stringify(rows)).not.toContain(NIK);
    expect(JSON.stringify(rows)).not.toContain(NIK.slice(0, 12));
    const row = rows.find((r) => r.id === visitor.id)!;
    expect(row.nik_hash).toBe(app.ctx.nikVault.lookupHash(NIK));
    expect(row.nik_hash).toMatch(/^[0-9a-f]{64}$/);
    expect(row.nik_last4).toBe('0137');
    expect(app.ctx.nikVault.reveal(row.id, row.nik_encrypted)).toBe(NIK);
    // The encrypted copy opens only on its own row: moved onto another visitor it is refused.
    expect(() => app.ctx.nikVault.reveal(randomUUID(), row.nik_encrypted)).toThrow();
    expect(JSON.stringify(await app.storage.db.selectFrom('audit_log').selectAll().execute())).not.toContain(NIK);
    if (kind === 'sqlite') expectNoClearNik(db.env.DATA_DIR!, NIK);
  });

  it('refuses to start with a NIK key other than the one the database was written with', async () => {
    await expect(startTestApp({ ...db.env, NIK_KEY: 'a-different-nik-key-0123456789-abcdefghijkl' })).rejects.toThrow(/nikKey \(environment NIK_KEY\): not the key/);
  });

  it('still refuses the same NIK twice for one inmate (the unique key is on the hash)', async () => {
    const dup = await postJson(app, `/api/inmates/${inmate.id}/visitors`, { name: 'Lagi', nik: NIK, relationship: 'anak' }, officer.auth);
    expect(dup.status).toBe(409);
    expect((await json(dup)).error.code).toBe('visitor_exists');
  });

  it('lists visitors with the NIK masked, and audits every listing', async () => {
    const before = (await auditActions(app, 'visitor.list')).length;
    const res = await fetch(`${app.url}/api/inmates/${inmate.id}/visitors`, { headers: officer.auth });
    expect(res.status).toBe(200);
    const text = await res.text();
    expect(text).not.toContain(NIK);
    expect(JSON.parse(text).visitors).toEqual([expect.objectContaining({ id: visitor.id, nikMasked: '************0137', nikLast4: '0137' })]);
    const audits = await auditActions(app, 'visitor.list');
    expect(audits).toHaveLength(before + 1);
    expect(audits.at(-1)).toMatchObject({ actor_kind: 'officer', actor_id: officer.officer.id, facility_id: facilityId, subject_kind: 'inmate', subject_id: inmate.id });
  });

  it('finds the family by NIK for a remisi lookup and a drive-thru booking; the station reads the full NIK, audited', async () => {
    await replaceRemisiRecords(app.storage, facilityId, [
      { registrationNumber, name: 'Rudi Hartono', expectedReleaseDate: '2027-08-17', pbEligibleDate: null, cbEligibleDate: null, entries: [{ kind: 'umum', year: 2024, days: 30, decreeNumber: 'PAS-77' }] },
    ], (importId) => ({ actorKind: 'system', actorId: 'test', facilityId, action: 'remisi.import', subjectKind: 'remisi_import', subjectId: importId }));
    expect((await postJson(app, '/api/remisi/lookup', { registrationNumber, nik: NIK })).status).toBe(200);
    expect((await postJson(app, '/api/remisi/lookup', { registrationNumber, nik: OLD_NIK })).status).toBe(404);

    const tomorrow = facilityNow('Asia/Jakarta', new Date(Date.now() + 24 * 3600_000)).date;
    const session = await json(await postJson(app, '/api/officer/drive-thru/sessions', { date: tomorrow, startTime: '08:00', endTime: '10:00', capacity: 5 }, supervisor.auth));
    const items = [{ category: 'makanan', description: 'Rendang 1 kotak', quantity: 1 }];
    const booked = await postJson(app, '/api/drive-thru/tickets', { sessionId: session.id, visitorNik: NIK, registrationNumber, items });
    expect(booked.status).toBe(201);
    const { ticket } = await json(booked);
    const refused = await postJson(app, '/api/drive-thru/tickets', { sessionId: session.id, visitorNik: OLD_NIK, registrationNumber, items });
    expect(refused.status).toBe(422);

    const station = await fetch(`${app.url}/api/officer/drive-thru/tickets/${ticket}`, { headers: officer.auth });
    expect(station.status).toBe(200);
    expect((await json(station)).visitor.nik).toBe(NIK);
    expect((await auditActions(app, 'drive_thru.view')).at(-1)).toMatchObject({ actor_id: officer.officer.id });
  });
});

/** A database as the previous release left it (migrations up to 0004), with a NIK in clear. */
async function legacyDatabase(kind: 'sqlite' | 'postgres') {
  let env: Record<string, string>;
  let drop = async () => {};
  let db: Kysely<any>;
  if (kind === 'sqlite') {
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'kv-legacy-'));
    env = { DATA_DIR: dataDir };
    db = new Kysely({ dialect: new SqliteDialect({ database: new SQLite(path.join(dataDir, SQLITE_FILE)) }) });
  } else {
    const schema = await freshPostgresSchema();
    env = { DATABASE_URL: schema.url };
    drop = schema.drop;
    db = new Kysely({ dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: schema.url, max: 1 }) }) });
  }
  const migrator = migratorFor(db, await migrationTableSchema(db, kind));
  const { error } = await migrator.migrateTo('0004_recordings');
  if (error) throw error;
  const now = new Date().toISOString();
  const facilityId = randomUUID();
  const inmateId = randomUUID();
  const visitorId = randomUUID();
  await db.insertInto('facilities').values({ id: facilityId, code: `LG-${facilityId.slice(0, 6)}`, name: 'Lapas Lama', kind: 'lapas', timezone: 'Asia/Jakarta', created_at: now }).execute();
  await db.insertInto('inmates').values({ id: inmateId, facility_id: facilityId, registration_number: 'L-1/2020', name: 'Lama', block: 'A', created_at: now }).execute();
  await db.insertInto('visitors').values({ id: visitorId, inmate_id: inmateId, name: 'Keluarga Lama', nik: OLD_NIK, relationship: 'anak', created_at: now }).execute();
  await db.destroy();
  return { env, drop, visitorId };
}

describe.each(storageKinds)('clear NIKs of an older release on %s', (kind) => {
  let legacy: Awaited<ReturnType<typeof legacyDatabase>>;
  let app: App;

  beforeAll(async () => {
    legacy = await legacyDatabase(kind);
    app = await startTestApp(legacy.env);
  });
  afterAll(async () => {
    await app?.close();
    await legacy?.drop();
  });

  it('are replaced by the keyed hash and the encrypted copy at start-up, leaving no clear copy behind', async () => {
    const rows = await app.storage.db.selectFrom('visitors').selectAll().execute();
    expect(JSON.stringify(rows)).not.toContain(OLD_NIK);
    const row = rows.find((r) => r.id === legacy.visitorId)!;
    expect(row).toMatchObject({ nik_hash: app.ctx.nikVault.lookupHash(OLD_NIK), nik_last4: '0456' });
    expect(app.ctx.nikVault.reveal(row.id, row.nik_encrypted)).toBe(OLD_NIK);
    if (kind === 'sqlite') expectNoClearNik(legacy.env.DATA_DIR!, OLD_NIK);
  });
});

describe('data directory and database file permissions', () => {
  let dataDir: string;
  let app: App;

  beforeAll(async () => {
    dataDir = mkdtempSync(path.join(os.tmpdir(), 'kv-modes-'));
    chmodSync(dataDir, 0o755); // as an older release (or a plain mkdir) left it
    app = await startTestApp({ DATA_DIR: dataDir });
    const facilityId = (await createFacility(app)).id;
    const supervisor = await loginOfficer(app, [facilityId], 'supervisor');
    const inmate = (await json(await postJson(app, '/api/inmates', { registrationNumber: 'M-1', name: 'Mode', block: 'A' }, supervisor.auth))).inmate;
    expect((await postJson(app, `/api/inmates/${inmate.id}/visitors`, { name: 'Mode', nik: NIK, relationship: 'anak' }, supervisor.auth)).status).toBe(201);
  });
  afterAll(async () => {
    await app?.close();
  });

  it('keeps data/ 0700 and the database, its -wal and -shm, and the generated secrets 0600', () => {
    expect(mode(dataDir)).toBe(0o700);
    const db = path.join(dataDir, SQLITE_FILE);
    for (const file of [db, `${db}-wal`, `${db}-shm`, path.join(dataDir, 'jwt-secret'), path.join(dataDir, 'nik-key')]) {
      expect(existsSync(file), file).toBe(true);
      expect(mode(file), path.basename(file)).toBe(0o600);
    }
  });

  it('refuses to start with NODE_ENV=production and no NIK_KEY', () => {
    const r = spawnSync(process.execPath, ['--import', 'tsx', 'server/main.ts'], {
      cwd: projectRoot,
      env: { PATH: process.env.PATH ?? '', NODE_ENV: 'production', JWT_SECRET: 'x'.repeat(8) + 'abcdefghijklmnopqrstuvwxyz0123456789', AUDIT_KEY: 'y'.repeat(8) + 'abcdefghijklmnopqrstuvwxyz0123456789', PORT: '0', HTTP_HOST: '127.0.0.1', DATA_DIR: mkdtempSync(path.join(os.tmpdir(), 'kv-prod-nik-')) },
      encoding: 'utf8',
      timeout: 20_000,
    });
    expect(r.status).toBe(78);
    expect(r.stdout + r.stderr).toContain('nikKey (environment NIK_KEY): required when NODE_ENV=production');
  });
});
