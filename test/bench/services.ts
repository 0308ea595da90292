/**
 * npm run bench:services — requests/s and p50/p99 latency of complaint submission and remisi
 * lookup against the real app on loopback, with the embedded database and with PostgreSQL
 * (fresh schema, dropped afterwards). Bounded: BENCH_REQUESTS per scenario (default 2000),
 * BENCH_CONCURRENCY in flight (default 20), and at most BENCH_SECONDS (default 30) each.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startApp, type App } from '../../server/app.ts';
import { loadConfig } from '../../server/config/load.ts';
import { createLogger } from '../../server/logging/logger.ts';
import { replaceRemisiRecords } from '../../server/remisi/remisi-store.ts';
import { freshPostgresSchema } from '../helpers/postgres.ts';

const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 2000);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 20);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 30);
const FAMILIES = 200;

// The production limits would (rightly) stop a benchmark after a few requests from one address.
const unlimited = { points: 1_000_000, durationSeconds: 60 };
const benchLimits = {
  publicServices: {
    rateLimits: {
      remisiLookupPerClient: unlimited, remisiFailuresPerRegistrationAndClient: unlimited, remisiLookupPerRegistration: unlimited, complaintSubmitPerClient: unlimited,
      driveThruBookingPerClient: unlimited, trackingPerClient: unlimited,
    },
  },
};

async function start(dbEnv: Record<string, string>, dataDir: string): Promise<App> {
  const configFile = path.join(dataDir, 'bench-config.json');
  writeFileSync(configFile, JSON.stringify(benchLimits));
  const config = loadConfig({
    HTTP_HOST: '127.0.0.1', PORT: '0', MEDIASOUP_LISTEN_IP: '127.0.0.1', MEDIASOUP_WORKERS: '1',
    RTC_PORT: '0', RTC_MIN_PORT: '47800', RTC_MAX_PORT: '47999', DATA_DIR: dataDir, RECORDINGS_DIR: path.join(dataDir, 'recordings'),
    LOG_LEVEL: 'silent', CONFIG_FILE: configFile, ...dbEnv,
  });
  return startApp(config, createLogger(config.logLevel));
}

async function seed(app: App) {
  const now = new Date().toISOString();
  const facility = { id: randomUUID(), code: `BENCH-${randomUUID().slice(0, 6)}`, name: 'Lapas Bench', kind: 'lapas', timezone: 'Asia/Jakarta', created_at: now };
  await app.storage.db.insertInto('facilities').values(facility).execute();
  const families = Array.from({ length: FAMILIES }, (_, i) => ({
    registrationNumber: `B.I-${i + 1}/2024`,
    nik: `317401150885${String(i + 1).padStart(4, '0')}`,
    inmateId: randomUUID(),
  }));
  await app.storage.db.insertInto('inmates').values(families.map((f) => ({
    id: f.inmateId, facility_id: facility.id, registration_number: f.registrationNumber, name: `WBP ${f.registrationNumber}`, block: 'A', created_at: now, status: 'active' as const,
  }))).execute();
  await app.storage.db.insertInto('visitors').values(families.map((f) => {
    const id = randomUUID();
    return { id, inmate_id: f.inmateId, name: 'Keluarga', ...app.ctx.nikVault.protect(id, f.nik), relationship: 'istri', created_at: now };
  })).execute();
  await replaceRemisiRecords(app.storage, facility.id, families.map((f) => ({
    registrationNumber: f.registrationNumber, name: 'WBP', expectedReleaseDate: '2027-08-17', pbEligibleDate: null, cbEligibleDate: null,
    entries: [{ kind: 'umum' as const, year: 2024, days: 30, decreeNumber: 'PAS-1' }],
  })), (importId) => ({ actorKind: 'system', actorId: 'bench-seed', facilityId: facility.id, action: 'remisi.import', subjectKind: 'remisi_import', subjectId: importId }));
  return { facility, families };
}

interface Result { scenario: string; requests: number; errors: number; seconds: number; rps: number; p50: number; p99: number }

/** CONCURRENCY workers take request numbers until REQUESTS are sent or SECONDS have passed. */
async function run(scenario: string, send: (i: number) => Promise<Response>, expected: number): Promise<Result> {
  const latencies: number[] = [];
  let next = 0;
  let errors = 0;
  const started = performance.now();
  const deadline = started + SECONDS * 1000;
  await Promise.all(Array.from({ length: CONCURRENCY }, async () => {
    while (next < REQUESTS && performance.now() < deadline) {
      const i = next++;
      const t0 = performance.now();
      const res = await send(i);
      await res.arrayBuffer();
      latencies.push(performance.now() - t0);
      if (res.status !== expected) errors++;
    }
  }));
  const seconds = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  const pct = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))] ?? 0;
  return { scenario, requests: latencies.length, errors, seconds, rps: latencies.length / seconds, p50: pct(50), p99: pct(99) };
}

async function benchDatabase(label: string, dbEnv: Record<string, string>): Promise<Result[]> {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'kv-bench-'));
  const app = await start(dbEnv, dataDir);
  try {
    const { facility, families } = await seed(app);
    const post = (p: string, body: unknown) => fetch(`${app.url}${p}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    // Warm-up (connections, JIT), not measured.
    for (let i = 0; i < 20; i++) await (await post('/api/remisi/lookup', { registrationNumber: families[0]!.registrationNumber, nik: families[0]!.nik })).arrayBuffer();
    const complaints = await run(`${label} complaint submit`, (i) =>
      post('/api/complaints', { facilityId: facility.id, category: 'layanan', description: `Benchmark complaint number ${i} about waiting times.`, anonymous: true }), 201);
    const lookups = await run(`${label} remisi lookup`, (i) => {
      const f = families[i % families.length]!;
      return post('/api/remisi/lookup', { registrationNumber: f.registrationNumber, nik: f.nik });
    }, 200);
    return [complaints, lookups];
  } finally {
    await app.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

const results: Result[] = [];
results.push(...(await benchDatabase('sqlite', {})));
let pg: Awaited<ReturnType<typeof freshPostgresSchema>> | undefined;
try {
  pg = await freshPostgresSchema();
} catch (err) {
  console.warn(`PostgreSQL not reachable (${(err as Error).message}); set TEST_DATABASE_URL. Skipping it.`);
}
if (pg) {
  try {
    results.push(...(await benchDatabase('postgres', { DATABASE_URL: pg.url })));
  } finally {
    await pg.drop();
  }
}

console.log(`\nconcurrency ${CONCURRENCY}, up to ${REQUESTS} requests or ${SECONDS} s per scenario, loopback\n`);
console.log('scenario                    requests  errors   req/s   p50 ms   p99 ms');
for (const r of results) {
  console.log(
    `${r.scenario.padEnd(27)} ${String(r.requests).padStart(8)} ${String(r.errors).padStart(7)} ${r.rps.toFixed(0).padStart(7)} ${r.p50.toFixed(1).padStart(8)} ${r.p99.toFixed(1).padStart(8)}`,
  );
}
process.exit(results.some((r) => r.errors > 0) ? 1 : 0);
