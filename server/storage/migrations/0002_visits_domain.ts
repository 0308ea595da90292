import type { Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('officers')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('username', 'text', (c) => c.notNull().unique())
    .addColumn('display_name', 'text', (c) => c.notNull())
    .addColumn('password_hash', 'text', (c) => c.notNull())
    .addColumn('role', 'text', (c) => c.notNull())
    .addColumn('disabled', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema
    .createTable('officer_facilities')
    .addColumn('officer_id', 'text', (c) => c.notNull().references('officers.id').onDelete('cascade'))
    .addColumn('facility_id', 'text', (c) => c.notNull().references('facilities.id').onDelete('cascade'))
    .addPrimaryKeyConstraint('officer_facilities_pk', ['officer_id', 'facility_id'])
    .execute();

  await db.schema
    .createTable('booths')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('facility_id', 'text', (c) => c.notNull().references('facilities.id'))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema
    .createTable('booth_devices')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('booth_id', 'text', (c) => c.notNull().references('booths.id'))
    .addColumn('label', 'text', (c) => c.notNull())
    .addColumn('created_by', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('revoked_at', 'text')
    .execute();

  await db.schema
    .createTable('inmates')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('facility_id', 'text', (c) => c.notNull().references('facilities.id'))
    .addColumn('registration_number', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('block', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addUniqueConstraint('inmates_facility_registration', ['facility_id', 'registration_number'])
    .execute();
  await db.schema
    .createTable('visitors')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('inmate_id', 'text', (c) => c.notNull().references('inmates.id'))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('nik', 'text', (c) => c.notNull())
    .addColumn('relationship', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addUniqueConstraint('visitors_inmate_nik', ['inmate_id', 'nik'])
    .execute();
  await db.schema.createIndex('visitors_nik').on('visitors').column('nik').execute();

  await db.schema
    .createTable('visits')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('facility_id', 'text', (c) => c.notNull().references('facilities.id'))
    .addColumn('inmate_id', 'text', (c) => c.notNull().references('inmates.id'))
    .addColumn('booth_id', 'text', (c) => c.notNull().references('booths.id'))
    .addColumn('scheduled_start', 'text', (c) => c.notNull())
    .addColumn('duration_seconds', 'integer', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('privileged', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('started_at', 'text')
    .addColumn('ended_at', 'text')
    .addColumn('end_reason', 'text')
    .addColumn('created_by', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('visits_booth_start').on('visits').columns(['booth_id', 'scheduled_start']).execute();
  await db.schema.createIndex('visits_facility_start').on('visits').columns(['facility_id', 'scheduled_start']).execute();
  await db.schema
    .createTable('visit_visitors')
    .addColumn('visit_id', 'text', (c) => c.notNull().references('visits.id').onDelete('cascade'))
    .addColumn('visitor_id', 'text', (c) => c.notNull().references('visitors.id'))
    .addPrimaryKeyConstraint('visit_visitors_pk', ['visit_id', 'visitor_id'])
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const t of ['visit_visitors', 'visits', 'visitors', 'inmates', 'booth_devices', 'booths', 'officer_facilities', 'officers']) {
    await db.schema.dropTable(t).execute();
  }
}
