import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import type { TestServer } from './server.js';

export interface ServerProcess extends TestServer {
  readonly child: ChildProcess;
}

/** `npm start` as users run it: src/main.ts in its own process, on port 0, data in `dir`. */
export async function startProcess(
  dir: string,
  env: Record<string, string> = {},
): Promise<ServerProcess> {
  const sqlitePath = join(dir, 'switchboard.sqlite');
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    env: {
      ...process.env,
      PORT: '0',
      SQLITE_PATH: sqlitePath,
      JWT_SECRET: 'test-secret-that-is-long-enough',
      ...env,
    },
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
    sqlitePath,
    restart: () => Promise.reject(new Error('not supported: start another process')),
    close: async () => {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGKILL');
        await once(child, 'exit');
      }
    },
  };
}
