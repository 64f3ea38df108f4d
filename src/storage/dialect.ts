import { type Kysely, PostgresAdapter } from 'kysely';

/** For the few statements that cannot read the same on SQLite and PostgreSQL. */
export function isPostgres<T>(db: Kysely<T>): boolean {
  return db.getExecutor().adapter instanceof PostgresAdapter;
}
