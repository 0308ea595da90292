import { afterAll, describe, expect, it } from 'vitest';
import { openStorage } from '../../server/storage/database.ts';
import { freshPostgresSchema } from '../helpers/postgres.ts';

describe('PostgreSQL migrations with several schemas in one database', () => {
  const schemas: Array<Awaited<ReturnType<typeof freshPostgresSchema>>> = [];
  afterAll(async () => {
    for (const s of schemas) await s.drop();
  });

  it('migrates a fresh schema while another one is already migrated (parallel test files, one schema each)', async () => {
    for (let i = 0; i < 2; i++) schemas.push(await freshPostgresSchema());
    for (const s of schemas) {
      const storage = await openStorage({ databaseUrl: s.url, dataDir: '/nonexistent' });
      try {
        expect(await storage.db.selectFrom('recordings').select('visit_id').execute()).toEqual([]);
      } finally {
        await storage.close();
      }
    }
  });
});
