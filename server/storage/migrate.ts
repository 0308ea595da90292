import { Migrator, sql, type Kysely, type Migration, type MigrationProvider } from 'kysely';
import { migrations } from './migrations/index.ts';

class InCodeMigrations implements MigrationProvider {
  async getMigrations(): Promise<Record<string, Migration>> {
    return migrations;
  }
}

export class MigrationError extends Error {
  override name = 'MigrationError';
}

/**
 * Kysely looks for its own bookkeeping tables in every PostgreSQL schema unless told which one:
 * another schema of the same database holding them (a second installation, parallel test runs)
 * would make it skip creating them in ours and fail. Name ours: the connection's current schema.
 */
export async function migrationTableSchema(db: Kysely<any>, kind: 'sqlite' | 'postgres'): Promise<string | undefined> {
  if (kind === 'sqlite') return undefined;
  return (await sql<{ schema: string }>`select current_schema() as schema`.execute(db)).rows[0]?.schema;
}

export function migratorFor(db: Kysely<any>, schema: string | undefined): Migrator {
  return new Migrator({ db, provider: new InCodeMigrations(), ...(schema ? { migrationTableSchema: schema } : {}) });
}

/** One versioned set of migrations for both SQLite and PostgreSQL, applied at start-up. */
export async function migrateToLatest(db: Kysely<any>, kind: 'sqlite' | 'postgres' = 'sqlite'): Promise<string[]> {
  const migrator = migratorFor(db, await migrationTableSchema(db, kind));
  const { error, results } = await migrator.migrateToLatest();
  const failed = results?.find((r) => r.status === 'Error');
  if (error) {
    throw new MigrationError(
      `database migration ${failed?.migrationName ?? '(unknown)'} failed: ${error instanceof Error ? error.message : String(error)}`,
      { cause: error },
    );
  }
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}
