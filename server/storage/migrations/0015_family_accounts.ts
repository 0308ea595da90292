import type { Kysely } from 'kysely';

/**
 * Family self-service: a family account per person (NIK) and facility, created by the first
 * registration; registrations waiting for an officer (with the KTP image in private files);
 * one-time sign-in codes, kept per facility + NIK hash whether or not an account exists, so
 * counting wrong tries reveals nothing. Approved registrations create visitors that point
 * back to the account (visitors.family_account_id).
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('family_accounts')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('facility_id', 'text', (c) => c.notNull().references('facilities.id'))
    .addColumn('nik_hash', 'text', (c) => c.notNull())
    .addColumn('nik_last4', 'text', (c) => c.notNull())
    .addColumn('nik_encrypted', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('phone', 'text', (c) => c.notNull())
    .addColumn('email', 'text')
    .addColumn('language', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addUniqueConstraint('family_accounts_facility_nik', ['facility_id', 'nik_hash'])
    .execute();

  await db.schema
    .createTable('family_registrations')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('facility_id', 'text', (c) => c.notNull().references('facilities.id'))
    .addColumn('account_id', 'text', (c) => c.notNull().references('family_accounts.id'))
    .addColumn('registration_number', 'text', (c) => c.notNull())
    .addColumn('inmate_id', 'text', (c) => c.references('inmates.id'))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('relationship', 'text', (c) => c.notNull())
    .addColumn('phone', 'text', (c) => c.notNull())
    .addColumn('email', 'text')
    .addColumn('language', 'text', (c) => c.notNull())
    .addColumn('ktp_file', 'text', (c) => c.notNull())
    .addColumn('ktp_type', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('reason', 'text')
    .addColumn('decided_by', 'text')
    .addColumn('decided_at', 'text')
    .addColumn('visitor_id', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('family_registrations_queue').on('family_registrations').columns(['facility_id', 'status', 'created_at']).execute();
  await db.schema.createIndex('family_registrations_account').on('family_registrations').columns(['account_id', 'created_at']).execute();

  await db.schema
    .createTable('family_sign_in_codes')
    .addColumn('facility_id', 'text', (c) => c.notNull().references('facilities.id'))
    .addColumn('nik_hash', 'text', (c) => c.notNull())
    .addColumn('code_hash', 'text')
    .addColumn('code_salt', 'text')
    .addColumn('expires_at', 'text')
    .addColumn('failed_attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('locked_until', 'text')
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('family_sign_in_codes_pk', ['facility_id', 'nik_hash'])
    .execute();

  await db.schema.alterTable('visitors').addColumn('family_account_id', 'text').execute();
  await db.schema.createIndex('visitors_family_account').on('visitors').column('family_account_id').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('visitors_family_account').execute();
  await db.schema.alterTable('visitors').dropColumn('family_account_id').execute();
  await db.schema.dropTable('family_sign_in_codes').execute();
  await db.schema.dropTable('family_registrations').execute();
  await db.schema.dropTable('family_accounts').execute();
}
