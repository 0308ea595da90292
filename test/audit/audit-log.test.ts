import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appendAudit, verifyAuditChain } from '../../server/audit/audit-log.ts';
import type { Storage } from '../../server/storage/database.ts';
import { storageFixture, storageKinds, type StorageFixture } from '../helpers/storages.ts';

describe.each(storageKinds)('audit chain on %s', (kind) => {
  let fixture: StorageFixture;
  let storage: Storage;
  beforeAll(async () => {
    fixture = await storageFixture(kind);
    storage = await fixture.open();
  });
  afterAll(async () => {
    await storage.close();
    await fixture.dispose();
  });

  it('links concurrent appends into one verifiable chain', async () => {
    await Promise.all(
      Array.from({ length: 25 }, (_, i) =>
        appendAudit(storage, { actorKind: 'officer', actorId: `officer-${i}`, action: 'call.warn', subjectKind: 'visit', subjectId: `v${i}`, reason: 'test', details: { i } }),
      ),
    );
    const verdict = await verifyAuditChain(storage);
    expect(verdict).toEqual({ ok: true, entries: 25 });
  });

  it('detects an edited row and names it', async () => {
    await storage.db.updateTable('audit_log').set({ reason: 'rewritten' }).where('seq', '=', 7).execute();
    const verdict = await verifyAuditChain(storage);
    expect(verdict).toMatchObject({ ok: false, brokenAtSeq: 7, problem: 'entry altered' });
  });

  it('detects a deleted row in the middle', async () => {
    await storage.db.updateTable('audit_log').set({ reason: 'test' }).where('seq', '=', 7).execute();
    expect((await verifyAuditChain(storage)).ok).toBe(true);
    await storage.db.deleteFrom('audit_log').where('seq', '=', 12).execute();
    expect(await verifyAuditChain(storage)).toMatchObject({ ok: false, brokenAtSeq: 12, problem: 'entry missing' });
  });
});
