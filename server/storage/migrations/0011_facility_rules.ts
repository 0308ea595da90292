import type { Kysely } from 'kysely';

/**
 * One row per facility that saved its booking rules (visiting hours, slot length, visitors per
 * visit, inmate quota) as a JSON document; a facility without a row uses the defaults.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('facility_rules')
    .addColumn('facility_id', 'text', (c) => c.primaryKey().references('facilities.id').onDelete('cascade'))
    .addColumn('rules', 'text', (c) => c.notNull())
    .addColumn('updated_by', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('facility_rules').execute();
}
