import type { Kysely } from 'kysely';

/**
 * Family bookings: a facility may have them wait for an officer (confirmation 'pending', then
 * 'confirmed'; null: nothing to confirm). The reminder sweep marks each reminder it sent, for the
 * visit's current start (a move clears the marks, so the new time is reminded too).
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('visits').addColumn('confirmation', 'text').execute();
  await db.schema.alterTable('visits').addColumn('day_before_reminded_at', 'text').execute();
  await db.schema.alterTable('visits').addColumn('soon_reminded_at', 'text').execute();
  await db.schema.createIndex('visits_status_start').on('visits').columns(['status', 'scheduled_start']).ifNotExists().execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('visits_status_start').ifExists().execute();
  for (const column of ['soon_reminded_at', 'day_before_reminded_at', 'confirmation']) {
    await db.schema.alterTable('visits').dropColumn(column).execute();
  }
}
