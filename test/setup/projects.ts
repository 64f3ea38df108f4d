/**
 * Which storage projects the suite runs (vitest.config.ts): SQLite always; PostgreSQL when
 * DATABASE_URL is set. Locally a missing URL skips it with a warning; under CI=true it is a
 * failure, so CI never passes with a suite that did not run.
 */
export const SQLITE_ONLY = [
  // kill -9 durability of the SQLite file and its PRAGMA integrity_check.
  'test/crash.test.ts',
  // No storage at all: configuration parsing and the printed schema.
  'test/config.test.ts',
  'test/schema.test.ts',
  'test/deadline.test.ts',
  'test/heartbeat.test.ts',
  'test/bounded-map.test.ts',
  'test/client-codegen.test.ts',
  // The SQLite file's own pragmas and query plans.
  'test/storage.test.ts',
  'test/unread-plans.test.ts',
  // The pub/sub and stream reader over a storage that stays empty; SQLite's group commit.
  'test/pubsub-flood.test.ts',
  'test/group-commit.test.ts',
];

export function postgresUrl(env: NodeJS.ProcessEnv): string | undefined {
  const url = env.DATABASE_URL?.trim();
  if (url) return url;
  const message =
    'PostgreSQL project skipped: DATABASE_URL is not set (e.g. postgres://root@127.0.0.1:5432/test)';
  if (env.CI === 'true') throw new Error(`${message}; under CI=true that is a failure`);
  console.warn(`\n⚠ ${message}\n`);
  return undefined;
}
