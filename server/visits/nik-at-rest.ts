import { sql } from 'kysely';
import { ConfigError } from '../config/load.ts';
import type { Logger } from '../logging/logger.ts';
import type { Storage } from '../storage/database.ts';
import type { NikVault } from './nik-vault.ts';

const BATCH = 500;

/**
 * Start-up step after the migrations: rows still holding a clear NIK (nik_encrypted null, the
 * clear value left in nik_hash by migration 0010) get the keyed hash, last 4 digits and the
 * encrypted copy. The table is then vacuumed (SQLite: the whole file, WAL truncated), so the old
 * clear values do not linger in free pages or old row versions. Idempotent; returns how many rows it converted.
 */
export async function protectClearNiks(storage: Storage, vault: NikVault, logger: Logger): Promise<number> {
  await assertSameNikKey(storage, vault);
  let converted = 0;
  for (;;) {
    const rows = await storage.db.selectFrom('visitors').select(['id', 'nik_hash']).where('nik_encrypted', 'is', null).limit(BATCH).execute();
    if (rows.length === 0) break;
    await storage.db.transaction().execute(async (trx) => {
      for (const row of rows) {
        await trx.updateTable('visitors').set(vault.protect(row.id, row.nik_hash)).where('id', '=', row.id).where('nik_encrypted', 'is', null).execute();
      }
    });
    converted += rows.length;
  }
  if (converted > 0) {
    if (storage.kind === 'sqlite') {
      await sql`vacuum`.execute(storage.db);
      await sql`pragma wal_checkpoint(truncate)`.execute(storage.db);
    } else {
      // Rewrites the table, so the old row versions (with the clear NIKs) leave its files.
      await sql`vacuum full visitors`.execute(storage.db);
    }
    logger.info({ converted }, 'clear NIKs replaced by keyed hash and encrypted copy');
  }
  return converted;
}

/**
 * A different key would match no stored NIK (remisi and drive-thru would refuse every family)
 * and open no encrypted one: refuse to start instead. The first start records the key's check.
 */
async function assertSameNikKey(storage: Storage, vault: NikVault): Promise<void> {
  await storage.db
    .insertInto('key_checks')
    .values({ name: 'nik', value: vault.keyCheck(), created_at: new Date().toISOString() })
    .onConflict((oc) => oc.column('name').doNothing())
    .execute();
  const stored = await storage.db.selectFrom('key_checks').select('value').where('name', '=', 'nik').executeTakeFirstOrThrow();
  if (stored.value !== vault.keyCheck()) {
    throw new ConfigError(
      'invalid configuration: nikKey (environment NIK_KEY): not the key this database\'s NIKs were stored with; restore the original NIK_KEY or data/nik-key (without it no stored NIK can be matched or read)',
    );
  }
}
