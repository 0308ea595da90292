import type { Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('recordings')
    .addColumn('visit_id', 'text', (c) => c.primaryKey().references('visits.id'))
    .addColumn('facility_id', 'text', (c) => c.notNull().references('facilities.id'))
    .addColumn('dir', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('started_at', 'text', (c) => c.notNull())
    .addColumn('ended_at', 'text')
    .addColumn('bytes', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('segment_count', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('gap_count', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('manifest_sha256', 'text')
    .addColumn('purged_at', 'text')
    .execute();
  await db.schema.createIndex('recordings_facility_started').on('recordings').columns(['facility_id', 'started_at']).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('recordings').execute();
}
