import { mkdirSync } from 'node:fs';
import path from 'node:path';
import SQLite from 'better-sqlite3';
import { Kysely, PostgresDialect, SqliteDialect, sql } from 'kysely';
import pg from 'pg';
import type { Tables } from './tables.ts';
import { migrateToLatest } from './migrate.ts';

export type StorageKind = 'sqlite' | 'postgres';

export interface Storage {
  readonly db: Kysely<Tables>;
  readonly kind: StorageKind;
  /** Where the data lives, without credentials (for logs and /healthz). */
  readonly location: string;
  ping(): Promise<void>;
  close(): Promise<void>;
}

export const SQLITE_FILE = 'kunjungan.db';

function redact(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return 'postgres (unparseable url)';
  }
}

/**
 * Opens the durable store (embedded SQLite file by default, PostgreSQL when a URL is given)
 * and brings its schema to the latest migration.
 */
export async function openStorage(options: {
  databaseUrl: string | null;
  dataDir: string;
  /** Told about connection-level errors that happen outside any query (e.g. PostgreSQL restarted). */
  onBackgroundError?: (err: Error) => void;
}): Promise<Storage> {
  let db: Kysely<Tables>;
  let kind: StorageKind;
  let location: string;
  if (options.databaseUrl) {
    kind = 'postgres';
    location = redact(options.databaseUrl);
    const pool = new pg.Pool({ connectionString: options.databaseUrl, max: 10 });
    // An idle client whose server connection dies emits 'error' on the pool; unheard, Node
    // would throw it and take every live call down. The pool replaces the client by itself.
    pool.on('error', (err) => options.onBackgroundError?.(err));
    db = new Kysely<Tables>({ dialect: new PostgresDialect({ pool }) });
  } else {
    kind = 'sqlite';
    mkdirSync(options.dataDir, { recursive: true });
    location = path.join(options.dataDir, SQLITE_FILE);
    const file = new SQLite(location);
    file.pragma('journal_mode = WAL');
    file.pragma('foreign_keys = ON');
    file.pragma('busy_timeout = 5000');
    db = new Kysely<Tables>({ dialect: new SqliteDialect({ database: file }) });
  }
  try {
    await migrateToLatest(db, kind);
  } catch (err) {
    await db.destroy();
    throw err;
  }
  return {
    db,
    kind,
    location,
    async ping() {
      await sql`select 1`.execute(db);
    },
    async close() {
      await db.destroy();
    },
  };
}
