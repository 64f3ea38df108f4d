import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import type { TestServer } from './server.js';

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
    env: { ...process.env, PORT: '0', ...env },
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

/** A server process with its data in `dir`, shaped as a TestServer for the client helpers. */
export async function startProcess(
  dir: string,
  env: Record<string, string> = {},
): Promise<TestProcess> {
  const sqlitePath = join(dir, 'switchboard.sqlite');
  const proc = await spawnServer({
    SQLITE_PATH: sqlitePath,
    JWT_SECRET: 'test-secret-that-is-long-enough',
    ...env,
  });
  return {
    ...proc,
    sqlitePath,
    restart: () => Promise.reject(new Error('not supported: start another process')),
    close: () => proc.kill(),
  };
}

export type CrashableServer = TestServer & {
  /** kill -9, then a new process on the same data (clients follow `url`). */
  crashAndRestart(): Promise<void>;
};

/** A server process whose `url` follows it across crashes; `restart()` is a crash too. */
export async function startCrashable(
  dir: string,
  env: Record<string, string> = {},
): Promise<CrashableServer> {
  let current = await startProcess(dir, env);
  const crashAndRestart = async () => {
    await current.kill();
    current = await startProcess(dir, env);
  };
  return {
    get url() {
      return current.url;
    },
    get wsUrl() {
      return current.wsUrl;
    },
    sqlitePath: current.sqlitePath,
    crashAndRestart,
    restart: crashAndRestart,
    close: () => current.kill(),
  };
}
