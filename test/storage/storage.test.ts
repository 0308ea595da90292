import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrations } from '../../server/storage/migrations/index.ts';
import { storageFixture, storageKinds, type StorageFixture } from '../helpers/storages.ts';

describe.each(storageKinds)('storage on %s', (kind) => {
  let fixture: StorageFixture;
  beforeAll(async () => {
    fixture = await storageFixture(kind);
  });
  afterAll(async () => {
    await fixture.dispose();
  });

  it('applies every migration once and answers ping', async () => {
    const storage = await fixture.open();
    expect(storage.kind).toBe(kind);
    await storage.ping();
    const applied = await storage.db
      .selectFrom('kysely_migration' as never)
      .select('name' as never)
      .execute();
    expect(applied.map((r) => (r as { name: string }).name)).toEqual(Object.keys(migrations));
    await storage.close();
    // Re-opening runs no migration twice and keeps working.
    const again = await fixture.open();
    await again.ping();
    await again.close();
  });

  it('keeps rows across close and re-open', async () => {
    const id = randomUUID();
    const first = await fixture.open();
    await first.db
      .insertInto('facilities')
      .values({ id, code: `LP-${id.slice(0, 6)}`, name: 'Lapas Kelas I Contoh', kind: 'lapas', timezone: 'Asia/Jakarta', created_at: new Date().toISOString() })
      .execute();
    await first.close();

    const second = await fixture.open();
    const row = await second.db.selectFrom('facilities').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
    expect(row.name).toBe('Lapas Kelas I Contoh');
    expect(row.timezone).toBe('Asia/Jakarta');
    await second.close();
  });

  it('enforces unique constraints without losing stored rows', async () => {
    const storage = await fixture.open();
    const code = `RT-${randomUUID().slice(0, 6)}`;
    const row = { name: 'Rutan Contoh', kind: 'rutan', timezone: 'Asia/Makassar', created_at: new Date().toISOString(), code };
    await storage.db.insertInto('facilities').values({ ...row, id: randomUUID() }).execute();
    await expect(storage.db.insertInto('facilities').values({ ...row, id: randomUUID() }).execute()).rejects.toThrow();
    const rows = await storage.db.selectFrom('facilities').select('id').where('code', '=', code).execute();
    expect(rows).toHaveLength(1);
    await storage.close();
  });
});
