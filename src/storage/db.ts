import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import SQLite from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';
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
  return new Kysely<Database>({ dialect: new SqliteDialect({ database: sqlite }) });
}
