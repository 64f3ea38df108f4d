import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type App, startApp } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';

export interface TestServer {
  readonly url: string;
  readonly wsUrl: string;
  readonly sqlitePath: string;
  /** Stops and starts again on the same SQLite file, on a new port (clients must follow `url`). */
  restart(): Promise<void>;
  close(): Promise<void>;
}

/** A real server on port 0 over a SQLite file in a fresh temp dir. */
export async function startTestServer(env: Record<string, string> = {}): Promise<TestServer> {
  const dir = mkdtempSync(join(tmpdir(), 'switchboard-test-'));
  const sqlitePath = join(dir, 'switchboard.sqlite');
  const config = loadConfig({
    PORT: '0',
    HOST: '127.0.0.1',
    SQLITE_PATH: sqlitePath,
    JWT_SECRET: 'test-secret-that-is-long-enough',
    LOG_LEVEL: 'silent',
    // Tests send in bursts; the limiter has its own test with its own settings.
    SEND_RATE_PER_SECOND: '100000',
    SEND_BURST: '100000',
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
    sqlitePath,
    async restart() {
      await app.stop();
      app = await startApp(config);
    },
    async close() {
      if (closed) return;
      closed = true;
      await app.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
