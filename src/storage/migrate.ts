import { type MigrationResultSet, Migrator, sql } from 'kysely';
import { migrations } from '../../migrations/index.js';
import type { Db } from './db.js';
import { isPostgres } from './dialect.js';

export class MigrationError extends Error {
  override name = 'MigrationError';
}

/**
 * The schema tables are created in: on PostgreSQL, the first of the search_path. Named for
 * the migrator, which otherwise takes a migration table in any other schema for its own.
 */
export async function currentSchema(db: Db): Promise<string | undefined> {
  if (!isPostgres(db)) return undefined;
  const { rows } = await sql<{ schema: string }>`select current_schema() as schema`.execute(db);
  return rows[0]?.schema;
}

/** Applies every pending migration in order (Kysely's Migrator locks against concurrent runs). */
export async function migrateToLatest(db: Db): Promise<MigrationResultSet> {
  const migrator = new Migrator({
    db,
    provider: { getMigrations: async () => migrations },
    migrationTableSchema: await currentSchema(db),
  });
  const result = await migrator.migrateToLatest();
  if (result.error) {
    const failed = result.results?.find((r) => r.status === 'Error')?.migrationName ?? 'unknown';
    throw new MigrationError(`migration ${failed} failed: ${String(result.error)}`);
  }
  return result;
}
