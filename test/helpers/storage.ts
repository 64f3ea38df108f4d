import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import pg from 'pg';
import { type Db, openDatabase } from '../../src/storage/db.js';

/**
 * Which storage the suite runs on: the vitest project sets SWITCHBOARD_TEST_DB=postgres
 * (vitest.config.ts); otherwise SQLite. The PostgreSQL base URL is DATABASE_URL.
 */
export const testDialect: 'sqlite' | 'postgres' =
  process.env.SWITCHBOARD_TEST_DB === 'postgres' ? 'postgres' : 'sqlite';

/** Where one test server (or a line of processes) keeps its data, and how to reach it. */
export interface TestStorage {
  readonly dialect: 'sqlite' | 'postgres';
  readonly sqlitePath: string;
  /** What to add to a server's environment: SQLITE_PATH, and DATABASE_URL ('' on SQLite). */
  readonly env: Readonly<Record<string, string>>;
  /** A direct connection for a test to look at or change rows; the caller destroys it. */
  open(): Db;
  /** Drops the PostgreSQL schema (the caller removes the SQLite file's directory). */
  drop(): Promise<void>;
}

function baseUrl(): string {
  const url = process.env.DATABASE_URL;
  if (!url) throw new Error('the postgres project needs DATABASE_URL (see vitest.config.ts)');
  return url;
}

async function onBase<T>(run: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: baseUrl() });
  await client.connect();
  try {
    return await run(client);
  } finally {
    await client.end();
  }
}

export interface StorageOptions {
  /**
   * false: a commit does not wait for its WAL to reach the disk, as SQLITE_SYNCHRONOUS=NORMAL
   * on SQLite (which the caller sets): for floods of sends whose durability is not tested.
   */
  readonly synchronousCommit?: boolean;
}

/** The base URL with every connection's search_path set to `schema`. */
function urlInSchema(schema: string, options: StorageOptions): string {
  const url = new URL(baseUrl());
  const commit = options.synchronousCommit === false ? ' -c synchronous_commit=off' : '';
  url.searchParams.set('options', `-c search_path=${schema}${commit}`);
  return url.toString();
}

/**
 * Storage in `dir`: the SQLite file there, or on PostgreSQL a fresh schema of its own in
 * DATABASE_URL's database (a restart reconnects to the same one), dropped by drop().
 */
export async function createTestStorage(
  dir: string,
  options: StorageOptions = {},
): Promise<TestStorage> {
  const sqlitePath = join(dir, 'switchboard.sqlite');
  if (testDialect === 'sqlite') {
    return {
      dialect: 'sqlite',
      sqlitePath,
      // Empty: a DATABASE_URL in the test runner's own environment must not reach servers.
      env: { SQLITE_PATH: sqlitePath, DATABASE_URL: '' },
      open: () => openDatabase({ databaseUrl: undefined, sqlitePath, sqliteSynchronous: 'FULL' }),
      drop: async () => {},
    };
  }
  const schema = `sb_${randomBytes(6).toString('hex')}`;
  await onBase((client) => client.query(`CREATE SCHEMA ${schema}`));
  const databaseUrl = urlInSchema(schema, options);
  let dropped = false;
  return {
    dialect: 'postgres',
    sqlitePath,
    env: { SQLITE_PATH: sqlitePath, DATABASE_URL: databaseUrl },
    open: () => openDatabase({ databaseUrl, sqlitePath, sqliteSynchronous: 'FULL' }),
    drop: async () => {
      if (dropped) return;
      dropped = true;
      await onBase((client) => client.query(`DROP SCHEMA ${schema} CASCADE`));
    },
  };
}
