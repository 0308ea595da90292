import { existsSync } from 'node:fs';
import path from 'node:path';
import SQLite from 'better-sqlite3';
import { Kysely, PostgresDialect, SqliteDialect, sql } from 'kysely';
import pg from 'pg';
import { AUDIT_KEY_SPEC, AuditChain, type AuditAnchor } from '../audit/audit-chain.ts';
import { existingKeptSecret, resolveKeptSecret } from '../auth/kept-secret.ts';
import type { Tables } from './tables.ts';
import { migrateToLatest } from './migrate.ts';
import { ensurePrivateDir, makeFilesPrivate, withPrivateUmask } from './private-files.ts';

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

/** The database is not there (readOnly never creates one). */
export class MissingDatabaseError extends Error {
  override name = 'MissingDatabaseError';
}

function openSqlite(dataDir: string, dbFile: string): SQLite.Database {
  ensurePrivateDir(dataDir);
  // The file and its -wal/-shm (SQLite gives those the file's mode) hold personal data: 0600.
  const file = withPrivateUmask(() => {
    const opened = new SQLite(dbFile);
    opened.pragma('journal_mode = WAL');
    return opened;
  });
  makeFilesPrivate([dbFile, `${dbFile}-wal`, `${dbFile}-shm`]);
  return file;
}

function openSqliteAsFound(dbFile: string): SQLite.Database {
  if (!existsSync(dbFile)) throw new MissingDatabaseError(`no database at ${dbFile}`);
  return withPrivateUmask(() => new SQLite(dbFile, { readonly: true, fileMustExist: true }));
}

/**
 * Opens the durable store (embedded SQLite file by default, PostgreSQL when a URL is given)
 * and brings its schema to the latest migration (readOnly: opens it as found).
 */
export async function openStorage(options: {
  databaseUrl: string | null;
  dataDir: string;
  /** Told about connection-level errors that happen outside any query (e.g. PostgreSQL restarted). */
  onBackgroundError?: (err: Error) => void;
  /** The audit chain's HMAC key (config auditKey); null or absent: generated once into dataDir. */
  auditKey?: string | null;
  /** false: never move the audit anchor (audit:verify reads it as found). */
  anchorAudit?: boolean;
  /** Told when the audit anchor cannot be moved (invalid anchor, head not sealed with the key). */
  onAuditAnchorError?: (err: Error) => void;
  /** Told each time the audit anchor moves (e.g. to copy it into the logs). */
  onAuditAnchored?: (anchor: AuditAnchor) => void;
  /**
   * For audit:verify: no migration, no file, directory or audit key created, the audit anchor
   * never moved, PostgreSQL sessions read-only. A missing SQLite file is a MissingDatabaseError,
   * a missing audit key a ConfigError.
   */
  readOnly?: boolean;
}): Promise<Storage> {
  const readOnly = options.readOnly ?? false;
  const chain = new AuditChain({
    key: (readOnly ? existingKeptSecret : resolveKeptSecret)(AUDIT_KEY_SPEC, options.auditKey ?? null, options.dataDir),
    dataDir: options.dataDir,
    anchoring: !readOnly && (options.anchorAudit ?? true),
    onError: options.onAuditAnchorError,
    onAnchored: options.onAuditAnchored,
  });
  let db: Kysely<Tables>;
  let kind: StorageKind;
  let location: string;
  if (options.databaseUrl) {
    kind = 'postgres';
    location = redact(options.databaseUrl);
    const pool = new pg.Pool({ connectionString: options.databaseUrl, max: 10 });
    // queued before any query of the session (an `options` parameter would lose to the URL's own)
    if (readOnly) pool.on('connect', (client) => void client.query('set default_transaction_read_only = on').catch((err: Error) => options.onBackgroundError?.(err)));
    // An idle client whose server connection dies emits 'error' on the pool; unheard, Node
    // would throw it and take every live call down. The pool replaces the client by itself.
    pool.on('error', (err) => options.onBackgroundError?.(err));
    db = new Kysely<Tables>({ dialect: new PostgresDialect({ pool }), plugins: [chain] });
  } else {
    kind = 'sqlite';
    location = path.join(options.dataDir, SQLITE_FILE);
    const dbFile = location;
    const file = readOnly ? openSqliteAsFound(dbFile) : openSqlite(options.dataDir, dbFile);
    file.pragma('foreign_keys = ON');
    file.pragma('busy_timeout = 5000');
    // Deleted and overwritten content is zeroed, not left readable in free pages.
    file.pragma('secure_delete = ON');
    db = new Kysely<Tables>({ dialect: new SqliteDialect({ database: file }), plugins: [chain] });
  }
  try {
    if (!readOnly) await migrateToLatest(db, kind);
    chain.attach(db);
    // a new chain is anchored empty; one from before the chain was keyed gets its (unkeyed) head anchored once
    await chain.anchorCommitted();
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
      await chain.close();
      await db.destroy();
    },
  };
}
