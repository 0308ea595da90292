import { randomUUID } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { App } from '../../server/app.ts';
import { freshPostgresSchema } from './postgres.ts';
import { startTestApp } from './test-app.ts';

/** Limits high enough that concurrency tests measure the guard, not the limiter. */
export const GENEROUS_LIMITS = {
  remisiLookupPerClient: { points: 100_000, durationSeconds: 60 },
  remisiFailuresPerRegistrationAndClient: { points: 100_000, durationSeconds: 60 },
  remisiLookupPerRegistration: { points: 100_000, durationSeconds: 60 },
  complaintSubmitPerClient: { points: 100_000, durationSeconds: 60 },
  driveThruBookingPerClient: { points: 100_000, durationSeconds: 60 },
  driveThruUnregisteredPerRegistrationAndClient: { points: 100_000, durationSeconds: 60 },
  driveThruUnregisteredPerRegistration: { points: 100_000, durationSeconds: 60 },
  trackingPerClient: { points: 100_000, durationSeconds: 60 },
};

/** A CONFIG_FILE overriding publicServices keys (merged over config/default.json). */
export function publicServicesConfigFile(publicServices: Record<string, unknown>): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'kv-ps-config-'));
  const file = path.join(dir, 'config.json');
  writeFileSync(file, JSON.stringify({ publicServices }));
  return file;
}

/**
 * One database of either kind that survives app restarts: start() opens a new app on the
 * same SQLite data dir or PostgreSQL schema.
 */
export async function durableDatabase(kind: 'sqlite' | 'postgres') {
  if (kind === 'sqlite') {
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'kv-ps-data-'));
    return { env: { DATA_DIR: dataDir } as Record<string, string>, drop: async () => {} };
  }
  const schema = await freshPostgresSchema();
  // The data dir goes with the database: it keeps the generated NIK key the stored hashes were made with, and the audit key and anchor.
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'kv-ps-data-'));
  return { env: { DATABASE_URL: schema.url, DATA_DIR: dataDir } as Record<string, string>, drop: () => schema.drop() };
}

export async function startPublicServicesApp(dbEnv: Record<string, string>, publicServices: Record<string, unknown> = { rateLimits: GENEROUS_LIMITS }): Promise<App> {
  return startTestApp({ ...dbEnv, CONFIG_FILE: publicServicesConfigFile(publicServices) });
}

let nikCounter = 0;
/** A distinct, plausible NIK (Jakarta Timur, born 15 Aug 1985, serial from a counter + the process). */
export function makeNik(): string {
  nikCounter++;
  // 0000 is not a valid serial (nikProblem): 0001–9999 only
  const serial = 1 + ((process.pid * 7919 + nikCounter) % 9_999);
  return `317401150885${String(serial).padStart(4, '0')}`;
}

/** Registers an inmate with family members (NIKs) in a facility. */
export async function seedInmate(app: App, facilityId: string, registrationNumber: string, niks: string[] = [makeNik()]) {
  const now = new Date().toISOString();
  const inmate = { id: randomUUID(), facility_id: facilityId, registration_number: registrationNumber, name: `WBP ${registrationNumber}`, block: 'Blok A', created_at: now, status: 'active' as const };
  await app.storage.db.insertInto('inmates').values(inmate).execute();
  const visitors = niks.map((nik, i) => {
    const id = randomUUID();
    return { id, inmate_id: inmate.id, name: `Keluarga ${i + 1}`, ...app.ctx.nikVault.protect(id, nik), relationship: 'istri', created_at: now };
  });
  for (let i = 0; i < visitors.length; i += 200) await app.storage.db.insertInto('visitors').values(visitors.slice(i, i + 200)).execute();
  return { inmate, visitors, niks };
}

export function postJson(app: App, urlPath: string, body: unknown, headers: Record<string, string> = {}) {
  return fetch(`${app.url}${urlPath}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: typeof body === 'string' ? body : JSON.stringify(body) });
}

export async function auditActions(app: App, action: string) {
  return app.storage.db.selectFrom('audit_log').selectAll().where('action', '=', action).orderBy('seq').execute();
}

/** A tiny valid PNG (1×1), for attachment tests. */
export const ONE_PIXEL_PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==',
  'base64',
);
