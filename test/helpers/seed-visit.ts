import { randomUUID } from 'node:crypto';
import type { App } from '../../server/app.ts';
import { createFacility } from './test-app.ts';

export interface SeedVisitOptions {
  /** default: 1 minute ago */
  start?: Date;
  /** default: 1 hour */
  durationSeconds?: number;
  visitorNames?: string[];
  /** reuse a booth (and its device) from an earlier seed */
  booth?: { id: string; facilityId: string; deviceId: string };
  status?: 'scheduled' | 'live' | 'ended' | 'missed' | 'cancelled';
}

export interface SeededVisit {
  facilityId: string;
  boothId: string;
  deviceId: string;
  visitId: string;
  inmate: { id: string; name: string };
  visitors: Array<{ id: string; name: string }>;
  start: Date;
  durationSeconds: number;
  /** one join token per visitor */
  joinTokens: string[];
  boothToken: string;
}

/** Inserts a facility, booth + device, inmate, visitors and one visit directly, and signs the tokens. */
export async function seedVisit(app: App, options: SeedVisitOptions = {}): Promise<SeededVisit> {
  const db = app.storage.db;
  const now = new Date().toISOString();
  let facilityId: string;
  let boothId: string;
  let deviceId: string;
  if (options.booth) {
    ({ facilityId, id: boothId, deviceId } = options.booth);
  } else {
    facilityId = (await createFacility(app)).id;
    boothId = randomUUID();
    deviceId = randomUUID();
    await db.insertInto('booths').values({ id: boothId, facility_id: facilityId, name: 'Bilik 1', created_at: now }).execute();
    await db.insertInto('booth_devices').values({ id: deviceId, booth_id: boothId, label: 'PC bilik 1', created_by: 'test', created_at: now, revoked_at: null }).execute();
  }
  const inmate = { id: randomUUID(), name: `Budi Santoso ${randomUUID().slice(0, 4)}` };
  await db
    .insertInto('inmates')
    .values({ id: inmate.id, facility_id: facilityId, registration_number: `B-${randomUUID().slice(0, 8)}`, name: inmate.name, block: 'A', created_at: now, status: 'active' })
    .execute();
  const visitors = (options.visitorNames ?? ['Siti Aminah']).map((name) => ({ id: randomUUID(), name }));
  for (const v of visitors) {
    await db
      .insertInto('visitors')
      .values({ id: v.id, inmate_id: inmate.id, name: v.name, ...app.ctx.nikVault.protect(v.id, String(3171000000000000 + Math.floor(Math.random() * 1e9))), relationship: 'istri', created_at: now })
      .execute();
  }
  const start = options.start ?? new Date(Date.now() - 60_000);
  const durationSeconds = options.durationSeconds ?? 3600;
  const visitId = randomUUID();
  await db
    .insertInto('visits')
    .values({
      id: visitId,
      facility_id: facilityId,
      inmate_id: inmate.id,
      booth_id: boothId,
      scheduled_start: start.toISOString(),
      duration_seconds: durationSeconds,
      status: options.status ?? 'scheduled',
      privileged: 0,
      started_at: null,
      ended_at: null,
      end_reason: null,
      created_by: 'test',
      created_at: now,
    })
    .execute();
  for (const v of visitors) await db.insertInto('visit_visitors').values({ visit_id: visitId, visitor_id: v.id }).execute();
  const scope = { id: visitId, scheduledStart: start, durationSeconds };
  return {
    facilityId,
    boothId,
    deviceId,
    visitId,
    inmate,
    visitors,
    start,
    durationSeconds,
    joinTokens: visitors.map((v) => app.ctx.tokens.signJoin(v.id, scope)),
    boothToken: app.ctx.tokens.signBooth(deviceId, boothId, facilityId),
  };
}
