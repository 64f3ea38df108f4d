import { createRequire } from 'node:module';
import { defineConfig } from 'vitest/config';
import { postgresUrl, SQLITE_ONLY } from './test/setup/projects.js';

const require = createRequire(import.meta.url);

export default defineConfig({
  // graphql 16 ships CJS and ESM builds; Node (and Pothos) load the CJS one, so the tests must too.
  resolve: { alias: [{ find: /^graphql$/, replacement: require.resolve('graphql') }] },
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // Each file starts its own servers on port 0 with its own SQLite file or PostgreSQL schema.
    pool: 'forks',
    // The same suite on each storage (test/helpers/storage.ts reads SWITCHBOARD_TEST_DB).
    projects: [
      { extends: true, test: { name: 'sqlite' } },
      ...(postgresUrl(process.env)
        ? [
            {
              extends: true as const,
              test: {
                name: 'postgres',
                env: { SWITCHBOARD_TEST_DB: 'postgres' },
                exclude: SQLITE_ONLY,
                globalSetup: ['test/setup/postgres.ts'],
              },
            },
          ]
        : []),
    ],
  },
});
