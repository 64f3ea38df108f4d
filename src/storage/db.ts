import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import SQLite from 'better-sqlite3';
import { Kysely, PostgresDialect, type SqliteDatabase } from 'kysely';
import pg from 'pg';
import type { SqliteSynchronous } from '../config.js';
import { BoundedMap } from '../util/bounded-map.js';
import type { Database } from './database.js';
import { SqliteImmediateDialect } from './sqlite-dialect.js';
import { CompiledRowStatement } from './sqlite-rows.js';

export type Db = Kysely<Database>;

/** Where the data lives: a PostgreSQL URL when given, else the embedded SQLite file. */
export interface StorageConfig {
  readonly databaseUrl: string | undefined;
  readonly sqlitePath: string;
  readonly sqliteSynchronous: SqliteSynchronous;
}

export function openDatabase(config: StorageConfig): Db {
  return config.databaseUrl
    ? openPostgres(config.databaseUrl)
    : openSqlite(config.sqlitePath, config.sqliteSynchronous);
}

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
    dialect: new SqliteImmediateDialect({ database: withStatementCache(sqlite) }),
  });
}

/** Distinct statements kept prepared; past it the oldest is dropped. */
const STATEMENT_CACHE_LIMIT = 500;

/**
 * Kysely's SQLite driver prepares every query anew, which costs more than running most of
 * ours. The same SQL text gets the same prepared statement here (a fresh one while that one
 * is still being iterated), with its rows made by CompiledRowStatement.
 */
function withStatementCache(sqlite: SQLite.Database): SqliteDatabase {
  const statements = new BoundedMap<string, CompiledRowStatement>(STATEMENT_CACHE_LIMIT);
  return {
    close: () => void sqlite.close(),
    prepare: (query: string) => {
      const cached = statements.get(query);
      if (cached && !cached.busy) return cached;
      const statement = new CompiledRowStatement(sqlite.prepare(query));
      if (!cached) statements.set(query, statement);
      return statement;
    },
  };
}

const INT8_OID = 20;

/**
 * int8 (ids, seqs, count(*)) arrives as a string by default; SQLite hands out numbers, and
 * every repository expects them. Ids and seqs stay far below 2^53.
 */
const types = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === INT8_OID && format !== 'binary'
      ? (value: string) => Number(value)
      : pg.types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser,
};

export function openPostgres(url: string): Db {
  const pool = new pg.Pool({ connectionString: url, types, max: 10 });
  // An idle client whose server went away must not crash the process: the pool drops it.
  pool.on('error', () => {});
  return new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
}
