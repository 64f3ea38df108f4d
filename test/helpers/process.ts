import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import type { TestServer } from './server.js';
import type { TestStorage } from './storage.js';

export interface ServerProcess {
  readonly child: ChildProcess;
  readonly url: string;
  readonly wsUrl: string;
  /** SIGKILL, unless it already exited; resolves once it has. */
  kill(): Promise<void>;
}

/** `npm start` as users run it: src/main.ts in its own process on port 0, with `env` added. */
export async function spawnServer(env: Record<string, string>): Promise<ServerProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    // DATABASE_URL only as given: the runner's own (CI exports one) must not pick the storage.
    env: { ...process.env, DATABASE_URL: '', PORT: '0', ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let output = '';
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const match = /listening on (http:\/\/\S+)/.exec(output);
      if (match?.[1]) resolve(match[1]);
    });
    child.once('exit', (code) => reject(new Error(`exited with ${code} before listening`)));
  });
  return {
    child,
    url,
    wsUrl: url.replace(/^http/, 'ws'),
    async kill() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exit = once(child, 'exit');
      child.kill('SIGKILL');
      await exit;
    },
  };
}

export type TestProcess = ServerProcess & TestServer;

/** A server process over `storage` (one line of processes shares it), shaped as a TestServer. */
export async function startProcess(
  storage: TestStorage,
  env: Record<string, string> = {},
): Promise<TestProcess> {
  const proc = await spawnServer({
    JWT_SECRET: 'test-secret-that-is-long-enough',
    ...storage.env,
    ...env,
  });
  return {
    ...proc,
    sqlitePath: storage.sqlitePath,
    restart: () => Promise.reject(new Error('not supported: start another process')),
    openDb: () => storage.open(),
    close: () => proc.kill(),
  };
}
