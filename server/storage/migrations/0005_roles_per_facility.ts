import { sql, type Kysely } from 'kysely';

/**
 * An officer's role is held per facility (officer in A, supervisor in B): it moves from
 * officers.role to officer_facilities.role. Each existing assignment keeps the officer's role.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('officer_facilities').addColumn('role', 'text', (c) => c.notNull().defaultTo('officer')).execute();
  await db
    .updateTable('officer_facilities')
    .set({ role: sql`(select officers.role from officers where officers.id = officer_facilities.officer_id)` })
    .execute();
  await db.schema.alterTable('officers').dropColumn('role').execute();
}

/** Back to one role per officer: the highest one the officer holds in any facility. */
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('officers').addColumn('role', 'text', (c) => c.notNull().defaultTo('officer')).execute();
  await db
    .updateTable('officers')
    .set({
      role: sql`coalesce((select case max(case f.role when 'admin' then 3 when 'supervisor' then 2 else 1 end)
        when 3 then 'admin' when 2 then 'supervisor' else 'officer' end
        from officer_facilities f where f.officer_id = officers.id), 'officer')`,
    })
    .execute();
  await db.schema.alterTable('officer_facilities').dropColumn('role').execute();
}
