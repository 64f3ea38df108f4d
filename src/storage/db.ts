import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import SQLite from 'better-sqlite3';
import { Kysely, type SqliteDatabase, SqliteDialect } from 'kysely';
import type { SqliteSynchronous } from '../config.js';
import type { Database } from './database.js';

export type Db = Kysely<Database>;

/** Opens the embedded SQLite file: WAL for concurrent readers, foreign keys, a busy timeout. */
export function openSqlite(path: string, synchronous: SqliteSynchronous = 'FULL'): Db {
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
  const sqlite = new SQLite(path);
  sqlite.pragma('journal_mode = WAL');
  // In WAL mode NORMAL survives a process crash but a power loss may undo the last commits;
  // FULL syncs the WAL on every commit and survives both.
  sqlite.pragma(`synchronous = ${synchronous}`);
  sqlite.pragma('foreign_keys = ON');
  sqlite.pragma('busy_timeout = 5000');
  return new Kysely<Database>({
    dialect: new SqliteDialect({ database: withStatementCache(sqlite) }),
  });
}

/** Distinct statements kept prepared; past it the oldest is dropped. */
const STATEMENT_CACHE_LIMIT = 500;

/**
 * Kysely's SQLite driver prepares every query anew, which costs more than running most of
 * ours. The same SQL text gets the same prepared statement here (a fresh one while that one
 * is still being iterated).
 */
function withStatementCache(sqlite: SQLite.Database): SqliteDatabase {
  const statements = new Map<string, SQLite.Statement>();
  return {
    close: () => void sqlite.close(),
    prepare: (query: string) => {
      const cached = statements.get(query);
      if (cached && !cached.busy) return cached;
      const statement = sqlite.prepare(query);
      if (!cached) {
        if (statements.size >= STATEMENT_CACHE_LIMIT) {
          const oldest = statements.keys().next();
          if (!oldest.done) statements.delete(oldest.value);
        }
        statements.set(query, statement);
      }
      return statement;
    },
  };
}
