import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyAuditChain } from '../../server/audit/audit-log.ts';
import { createLogger } from '../../server/logging/logger.ts';
import type { Storage } from '../../server/storage/database.ts';
import type { VisitStatus } from '../../server/storage/tables.ts';
import { MissedVisitSweep } from '../../server/visits/missed-sweep.ts';
import { storageFixture, storageKinds, type StorageFixture } from '../helpers/storages.ts';

const logger = createLogger('silent');

describe.each(storageKinds)('missed-visit sweep on %s', (kind) => {
  let fixture: StorageFixture;
  let storage: Storage;
  let facilityId: string;
  let inmateId: string;
  let boothId: string;

  beforeAll(async () => {
    fixture = await storageFixture(kind);
    storage = await fixture.open();
    const at = new Date().toISOString();
    facilityId = randomUUID();
    inmateId = randomUUID();
    boothId = randomUUID();
    await storage.db.insertInto('facilities').values({ id: facilityId, code: `S-${facilityId.slice(0, 6)}`, name: 'Rutan Uji', kind: 'rutan', timezone: 'Asia/Jakarta', created_at: at }).execute();
    await storage.db.insertInto('inmates').values({ id: inmateId, facility_id: facilityId, registration_number: 'R1', name: 'Wawan', block: 'A', created_at: at, status: 'active' }).execute();
    await storage.db.insertInto('booths').values({ id: boothId, facility_id: facilityId, name: 'Bilik 1', created_at: at }).execute();
  });
  afterAll(async () => {
    await storage?.close();
    await fixture?.dispose();
  });

  async function visit(startOffsetSeconds: number, durationSeconds: number, status: VisitStatus = 'scheduled'): Promise<string> {
    const id = randomUUID();
    await storage.db
      .insertInto('visits')
      .values({
        id, facility_id: facilityId, inmate_id: inmateId, booth_id: boothId,
        scheduled_start: new Date(Date.now() + startOffsetSeconds * 1000).toISOString(), duration_seconds: durationSeconds, status,
        privileged: 0, started_at: null, ended_at: null, end_reason: null, created_by: 'test', created_at: new Date().toISOString(),
      })
      .execute();
    return id;
  }
  const row = (id: string) => storage.db.selectFrom('visits').selectAll().where('id', '=', id).executeTakeFirstOrThrow();

  it('marks only scheduled visits whose window has ended, once, with an audit entry', async () => {
    const over = await visit(-1200, 600);
    const running = await visit(-300, 600);
    const future = await visit(3600, 600);
    const wasLive = await visit(-2400, 600, 'live');
    const cancelled = await visit(-3600, 600, 'cancelled');
    const sweep = new MissedVisitSweep(storage, logger);

    expect(await sweep.runOnce()).toBe(1);
    const missed = await row(over);
    expect(missed).toMatchObject({ status: 'missed', end_reason: 'not_started' });
    expect(missed.ended_at).toBe(new Date(new Date(missed.scheduled_start).getTime() + 600_000).toISOString());
    expect((await row(running)).status).toBe('scheduled');
    expect((await row(future)).status).toBe('scheduled');
    expect((await row(wasLive)).status).toBe('live');
    expect((await row(cancelled)).status).toBe('cancelled');
    expect(await sweep.runOnce()).toBe(0);

    const entries = await storage.db.selectFrom('audit_log').selectAll().where('action', '=', 'visit.missed').execute();
    expect(entries).toEqual([expect.objectContaining({ subject_id: over, facility_id: facilityId, actor_kind: 'system' })]);
    expect((await verifyAuditChain(storage)).ok).toBe(true);
  });

  it('closes live visits left behind by a stopped node, but not calls still within their time', async () => {
    const orphan = await visit(-2400, 600, 'live');
    const justEnded = await visit(-630, 600, 'live');
    const ongoing = await visit(-60, 600, 'live');
    const sweep = new MissedVisitSweep(storage, logger);
    expect(await sweep.closeInterrupted()).toBeGreaterThanOrEqual(1);
    expect(await row(orphan)).toMatchObject({ status: 'ended', end_reason: 'interrupted' });
    expect((await row(justEnded)).status).toBe('live');
    expect((await row(ongoing)).status).toBe('live');
    expect(await sweep.closeInterrupted()).toBe(0);
    const entries = await storage.db.selectFrom('audit_log').selectAll().where('action', '=', 'visit.interrupted').where('subject_id', '=', orphan).execute();
    expect(entries).toHaveLength(1);
  });

  it('runs on its interval once started and stops cleanly', async () => {
    const sweep = new MissedVisitSweep(storage, logger, 50);
    sweep.start();
    const soon = await visit(-10, 9);
    const deadline = Date.now() + 5000;
    while ((await row(soon)).status !== 'missed' && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    await sweep.stop();
    expect((await row(soon)).status).toBe('missed');
    const after = await visit(-10, 9);
    await new Promise((r) => setTimeout(r, 200));
    expect((await row(after)).status).toBe('scheduled');
  });
});
