import type { Kysely } from 'kysely';

/**
 * Legal counsel carry an advocate credential number; a privileged visit waits for a supervisor's
 * approval. Privileged visits booked before this had none, so they wait for one too.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('visitors').addColumn('advocate_credential', 'text').execute();
  await db.schema.alterTable('visits').addColumn('privileged_approval', 'text').execute();
  await db.schema.alterTable('visits').addColumn('privileged_decided_by', 'text').execute();
  await db.schema.alterTable('visits').addColumn('privileged_decided_at', 'text').execute();
  await db.schema.alterTable('visits').addColumn('privileged_decision_reason', 'text').execute();
  await db.updateTable('visits').set({ privileged_approval: 'pending' }).where('privileged', '=', 1).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const column of ['privileged_decision_reason', 'privileged_decided_at', 'privileged_decided_by', 'privileged_approval']) {
    await db.schema.alterTable('visits').dropColumn(column).execute();
  }
  await db.schema.alterTable('visitors').dropColumn('advocate_credential').execute();
}
