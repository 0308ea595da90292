import type { Kysely } from 'kysely';

/** Officer sessions ended by sign-out: their tokens are refused until they would have expired anyway. */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('officer_session_revocations')
    .addColumn('session_id', 'text', (c) => c.primaryKey())
    .addColumn('officer_id', 'text', (c) => c.notNull().references('officers.id'))
    .addColumn('revoked_at', 'text', (c) => c.notNull())
    .addColumn('expires_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('officer_session_revocations_expires').on('officer_session_revocations').column('expires_at').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('officer_session_revocations').execute();
}
