import { randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startApp, type App } from '../../server/app.ts';
import { loopbackServerEnv } from './loopback-env.ts';
import { loadConfig } from '../../server/config/load.ts';
import { createLogger } from '../../server/logging/logger.ts';
import { createOfficer } from '../../server/officers/officer-store.ts';
import type { OfficerRole } from '../../server/storage/tables.ts';

/** The real app in this process on loopback, with a fresh data dir (SQLite unless DATABASE_URL). */
export async function startTestApp(env: Record<string, string> = {}): Promise<App> {
  const config = loadConfig({
    ...loopbackServerEnv(mkdtempSync(path.join(os.tmpdir(), 'kv-app-'))),
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    ...env,
  });
  return startApp(config, createLogger(config.logLevel));
}

export async function createFacility(app: App, code = `LP-${randomUUID().slice(0, 8)}`) {
  const row = { id: randomUUID(), code, name: `Lapas ${code}`, kind: 'lapas', timezone: 'Asia/Jakarta', created_at: new Date().toISOString() };
  await app.storage.db.insertInto('facilities').values(row).execute();
  return row;
}

/** Creates an officer in the facilities given and returns a logged-in bearer token. */
export async function loginOfficer(app: App, facilityIds: string[], role: OfficerRole = 'officer', loginFacility = facilityIds[0]) {
  const username = `petugas-${randomUUID().slice(0, 8)}`;
  const password = 'kata-sandi-rahasia-123';
  const officer = await createOfficer(app.storage, { username, displayName: 'Petugas Uji', password, role, facilityIds });
  const attempt = () => fetch(`${app.url}/api/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username, password, facilityId: loginFacility }),
  });
  let res = await attempt();
  let text = await res.text();
  // Tests log in in parallel: past the cap on password checks the server says 429 busy; retry as a client would.
  for (let tries = 0; res.status === 429 && text.includes('"busy"') && tries < 30; tries++) {
    await new Promise((r) => setTimeout(r, 200 + Math.random() * 300));
    res = await attempt();
    text = await res.text();
  }
  if (!res.ok) throw new Error(`login failed: ${res.status} ${text}`);
  const body = JSON.parse(text) as { token: string };
  return { officer, username, password, token: body.token, auth: { authorization: `Bearer ${body.token}` } };
}
