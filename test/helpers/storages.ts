import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openStorage, type Storage } from '../../server/storage/database.ts';
import { freshPostgresSchema } from './postgres.ts';

/** What a test may add to the fixture's openStorage options (e.g. to hear audit anchor errors). */
export type OpenOptions = Pick<Parameters<typeof openStorage>[0], 'onAuditAnchorError' | 'readOnly'>;

export interface StorageFixture {
  kind: 'sqlite' | 'postgres';
  /** Opens (or re-opens, to prove durability) the same database. */
  open(options?: OpenOptions): Promise<Storage>;
  /** DATA_DIR (and DATABASE_URL) for another process opening the same database. */
  env: Record<string, string>;
  dispose(): Promise<void>;
}

/** Both durable stores: every storage-backed test runs against each. */
export const storageKinds = ['sqlite', 'postgres'] as const;

export async function storageFixture(kind: 'sqlite' | 'postgres'): Promise<StorageFixture> {
  if (kind === 'sqlite') {
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'kv-sqlite-'));
    return {
      kind,
      open: (options) => openStorage({ ...options, databaseUrl: null, dataDir }),
      env: { DATA_DIR: dataDir },
      async dispose() {
        rmSync(dataDir, { recursive: true, force: true });
      },
    };
  }
  const schema = await freshPostgresSchema();
  // its own data dir: the audit key and anchor belong to this database alone
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'kv-pg-data-'));
  return {
    kind,
    open: (options) => openStorage({ ...options, databaseUrl: schema.url, dataDir }),
    env: { DATA_DIR: dataDir, DATABASE_URL: schema.url },
    async dispose() {
      await schema.drop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
