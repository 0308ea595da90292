import type { Kysely } from 'kysely';

// Remisi records, complaints and drive-thru tickets. Portable types only (see 0001).
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('remisi_records')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('facility_id', 'text', (c) => c.notNull().references('facilities.id'))
    .addColumn('registration_number', 'text', (c) => c.notNull())
    .addColumn('inmate_name', 'text', (c) => c.notNull())
    .addColumn('expected_release_date', 'text')
    .addColumn('pb_eligible_date', 'text')
    .addColumn('cb_eligible_date', 'text')
    .addColumn('import_id', 'text', (c) => c.notNull())
    .addColumn('imported_at', 'text', (c) => c.notNull())
    .addUniqueConstraint('remisi_records_facility_registration', ['facility_id', 'registration_number'])
    .execute();
  await db.schema
    .createTable('remisi_entries')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('record_id', 'text', (c) => c.notNull().references('remisi_records.id').onDelete('cascade'))
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('year', 'integer', (c) => c.notNull())
    .addColumn('days', 'integer', (c) => c.notNull())
    .addColumn('decree_number', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('remisi_entries_record').on('remisi_entries').column('record_id').execute();

  await db.schema
    .createTable('complaints')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('ticket', 'text', (c) => c.notNull().unique())
    .addColumn('tracking_code_hash', 'text', (c) => c.notNull())
    .addColumn('facility_id', 'text', (c) => c.notNull().references('facilities.id'))
    .addColumn('category', 'text', (c) => c.notNull())
    .addColumn('description', 'text', (c) => c.notNull())
    .addColumn('anonymous', 'integer', (c) => c.notNull())
    .addColumn('reporter_name', 'text')
    .addColumn('contact', 'text')
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('assigned_to', 'text', (c) => c.references('officers.id'))
    .addColumn('due_at', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('complaints_facility_status_due').on('complaints').columns(['facility_id', 'status', 'due_at']).execute();
  await db.schema
    .createTable('complaint_attachments')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('complaint_id', 'text', (c) => c.notNull().references('complaints.id').onDelete('cascade'))
    .addColumn('media_type', 'text', (c) => c.notNull())
    .addColumn('size_bytes', 'integer', (c) => c.notNull())
    .addColumn('data_base64', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('complaint_attachments_complaint').on('complaint_attachments').column('complaint_id').execute();
  await db.schema
    .createTable('complaint_events')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('complaint_id', 'text', (c) => c.notNull().references('complaints.id').onDelete('cascade'))
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('public_response', 'text')
    .addColumn('officer_id', 'text')
    .addColumn('at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('complaint_events_complaint').on('complaint_events').columns(['complaint_id', 'at']).execute();

  await db.schema
    .createTable('drive_thru_sessions')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('facility_id', 'text', (c) => c.notNull().references('facilities.id'))
    .addColumn('date', 'text', (c) => c.notNull())
    .addColumn('start_time', 'text', (c) => c.notNull())
    .addColumn('end_time', 'text', (c) => c.notNull())
    .addColumn('capacity', 'integer', (c) => c.notNull())
    .addColumn('booked', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('created_by', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addUniqueConstraint('drive_thru_sessions_facility_slot', ['facility_id', 'date', 'start_time'])
    .execute();
  await db.schema
    .createTable('drive_thru_tickets')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('ticket', 'text', (c) => c.notNull().unique())
    .addColumn('tracking_code_hash', 'text', (c) => c.notNull())
    .addColumn('facility_id', 'text', (c) => c.notNull().references('facilities.id'))
    .addColumn('session_id', 'text', (c) => c.notNull().references('drive_thru_sessions.id'))
    .addColumn('queue_number', 'integer', (c) => c.notNull())
    .addColumn('inmate_id', 'text', (c) => c.notNull().references('inmates.id'))
    .addColumn('visitor_id', 'text', (c) => c.notNull().references('visitors.id'))
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addUniqueConstraint('drive_thru_tickets_session_queue', ['session_id', 'queue_number'])
    .addUniqueConstraint('drive_thru_tickets_session_visitor', ['session_id', 'visitor_id'])
    .execute();
  await db.schema
    .createTable('drive_thru_items')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('ticket_id', 'text', (c) => c.notNull().references('drive_thru_tickets.id').onDelete('cascade'))
    .addColumn('position', 'integer', (c) => c.notNull())
    .addColumn('category', 'text', (c) => c.notNull())
    .addColumn('description', 'text', (c) => c.notNull())
    .addColumn('quantity', 'integer', (c) => c.notNull())
    .addColumn('decision', 'text', (c) => c.notNull())
    .addColumn('reason', 'text')
    .addColumn('decided_by', 'text')
    .addColumn('decided_at', 'text')
    .execute();
  await db.schema.createIndex('drive_thru_items_ticket').on('drive_thru_items').columns(['ticket_id', 'position']).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const t of [
    'drive_thru_items', 'drive_thru_tickets', 'drive_thru_sessions',
    'complaint_events', 'complaint_attachments', 'complaints',
    'remisi_entries', 'remisi_records',
  ]) {
    await db.schema.dropTable(t).execute();
  }
}
