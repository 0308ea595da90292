import type { Kysely } from 'kysely';

/**
 * Inmates gain a status (active, transferred, released) with who changed it and why; visitors
 * gain a phone number (old rows have none) and a ban. A ban ends after a local date of the
 * facility: ban_ends_at is the instant that day ends, so checks need no time zone.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('inmates').addColumn('status', 'text', (c) => c.notNull().defaultTo('active')).execute();
  await db.schema.alterTable('inmates').addColumn('status_reason', 'text').execute();
  await db.schema.alterTable('inmates').addColumn('status_changed_by', 'text').execute();
  await db.schema.alterTable('inmates').addColumn('status_changed_at', 'text').execute();
  await db.schema.createIndex('inmates_facility_status').on('inmates').columns(['facility_id', 'status']).execute();
  for (const column of ['phone', 'ban_reason', 'ban_until', 'ban_ends_at', 'banned_by', 'banned_at']) {
    await db.schema.alterTable('visitors').addColumn(column, 'text').execute();
  }
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const column of ['banned_at', 'banned_by', 'ban_ends_at', 'ban_until', 'ban_reason', 'phone']) {
    await db.schema.alterTable('visitors').dropColumn(column).execute();
  }
  await db.schema.dropIndex('inmates_facility_status').execute();
  for (const column of ['status_changed_at', 'status_changed_by', 'status_reason', 'status']) {
    await db.schema.alterTable('inmates').dropColumn(column).execute();
  }
}
