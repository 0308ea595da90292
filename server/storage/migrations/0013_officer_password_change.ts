import type { Kysely } from 'kysely';

/**
 * must_change_password: the account's password was handed out (first admin from the CLI, or an
 * admin's reset); until the officer sets their own, their tokens only reach the password change.
 * session_epoch / epoch_session_id: a password change ends the officer's other sign-ins. Tokens
 * carry the epoch they were issued in; one from an older epoch is dead unless it belongs to the
 * session that made the change (epoch_session_id).
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('officers').addColumn('must_change_password', 'integer', (c) => c.notNull().defaultTo(0)).execute();
  await db.schema.alterTable('officers').addColumn('session_epoch', 'integer', (c) => c.notNull().defaultTo(0)).execute();
  await db.schema.alterTable('officers').addColumn('epoch_session_id', 'text').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('officers').dropColumn('epoch_session_id').execute();
  await db.schema.alterTable('officers').dropColumn('session_epoch').execute();
  await db.schema.alterTable('officers').dropColumn('must_change_password').execute();
}
