import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type App, startApp } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import type { Db } from '../../src/storage/db.js';
import { createTestStorage, type StorageOptions, type TestStorage } from './storage.js';

export interface TestServer {
  readonly url: string;
  readonly wsUrl: string;
  readonly sqlitePath: string;
  /** Stops and starts again on the same storage, on a new port (clients must follow `url`). */
  restart(): Promise<void>;
  /** A direct connection to the server's storage, to look at or change rows; destroy it after. */
  openDb(): Db;
  close(): Promise<void>;
}

/**
 * A real server on port 0 over fresh storage: a SQLite file in a temp dir, or in the
 * postgres project a schema of its own (test/helpers/storage.ts), both gone on close.
 */
export async function startTestServer(
  env: Record<string, string> = {},
  options: StorageOptions = {},
): Promise<TestServer> {
  const dir = mkdtempSync(join(tmpdir(), 'switchboard-test-'));
  const storage = await createTestStorage(dir, options);
  const discard = async () => {
    await storage.drop();
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    return await startServerOn(storage, env, discard);
  } catch (error) {
    await discard();
    throw error;
  }
}

/** A real server on port 0 over `storage`, which several servers may share; `onClose` after it stops. */
export async function startServerOn(
  storage: TestStorage,
  env: Record<string, string> = {},
  onClose: () => Promise<void> = async () => {},
): Promise<TestServer> {
  const config = loadConfig({
    PORT: '0',
    HOST: '127.0.0.1',
    JWT_SECRET: 'test-secret-that-is-long-enough',
    LOG_LEVEL: 'silent',
    // Tests send in bursts; the limiter has its own test with its own settings.
    SEND_RATE_PER_SECOND: '100000',
    SEND_BURST: '100000',
    ...storage.env,
    ...env,
  });
  let app: App = await startApp(config);
  let closed = false;
  return {
    get url() {
      return app.url;
    },
    get wsUrl() {
      return app.wsUrl;
    },
    sqlitePath: storage.sqlitePath,
    async restart() {
      await app.stop();
      app = await startApp(config);
    },
    openDb: () => storage.open(),
    async close() {
      if (closed) return;
      closed = true;
      await app.stop();
      await onClose();
    },
  };
}
