import type { Kysely } from 'kysely';

/**
 * NIKs leave clear text: `nik` becomes `nik_hash` (keyed HMAC; its unique constraint and index
 * follow the rename), beside the last 4 digits and an encrypted copy. Migrations cannot see the
 * key, so rows still in clear (nik_encrypted null) are converted by protectClearNiks at start-up.
 * key_checks holds a value derived from each such key, so a server started with another key
 * refuses to run instead of silently matching nothing.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('visitors').renameColumn('nik', 'nik_hash').execute();
  await db.schema.alterTable('visitors').addColumn('nik_last4', 'text').execute();
  await db.schema.alterTable('visitors').addColumn('nik_encrypted', 'text').execute();
  await db.schema
    .createTable('key_checks')
    .addColumn('name', 'text', (c) => c.primaryKey())
    .addColumn('value', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('key_checks').execute();
  await db.schema.alterTable('visitors').dropColumn('nik_encrypted').execute();
  await db.schema.alterTable('visitors').dropColumn('nik_last4').execute();
  await db.schema.alterTable('visitors').renameColumn('nik_hash', 'nik').execute();
}
