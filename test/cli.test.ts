import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { graphql } from './gql/index.js';
import { http } from './helpers/clients.js';
import { startTestServer } from './helpers/server.js';
import { createTestStorage, type TestStorage } from './helpers/storage.js';

const run = promisify(execFile);

const CliMeDoc = graphql(`
  query CliMe {
    me {
      name
    }
    myRooms {
      name
    }
  }
`);

const CliHistoryDoc = graphql(`
  query CliHistory($roomId: ID!) {
    roomHistory(roomId: $roomId, last: 100) {
      edges {
        node {
          kind
          content
        }
      }
    }
  }
`);

const SECRET = 'cli-test-secret-long-enough';

// Each step starts a process (npm, tsx): seconds apiece on a busy machine.
describe('command line', { timeout: 120_000 }, () => {
  let dir: string;
  let storage: TestStorage;
  let env: NodeJS.ProcessEnv;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'switchboard-cli-'));
    storage = await createTestStorage(dir);
    env = { ...process.env, ...storage.env, JWT_SECRET: SECRET, LOG_LEVEL: 'silent' };
  });
  afterAll(async () => {
    await storage.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  const npm = (...args: string[]) => run('npm', ['run', '-s', ...args], { env });

  it('migrates, seeds with the sizes given, and mints tokens the server accepts', async () => {
    const migrated = await npm('migrate');
    expect(migrated.stdout).toMatch(/Success|up to date/);

    const seeded = await npm(
      'seed',
      '--',
      '--users',
      '3',
      '--rooms',
      '2',
      '--messages',
      '20',
      '--directs',
      '4',
      '--prefix',
      'cli',
    );
    expect(seeded.stdout).toMatch(/seeded 3 users, 2 rooms, 20 room messages and 4 direct/);

    const { stdout } = await npm('token', '--', 'cli2');
    const token = stdout.trim();
    expect(token).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+$/);

    // On the storage the commands wrote.
    const server = await startTestServer({ ...storage.env, JWT_SECRET: SECRET });
    try {
      const me = await http(server, token).request(CliMeDoc);
      expect(me.me.name).toBe('cli2');
      expect(me.myRooms.map((room) => room.name).sort()).toEqual(['cli-room-1', 'cli-room-2']);
      const histories = await Promise.all(
        ['1', '2'].map((roomId) => http(server, token).request(CliHistoryDoc, { roomId })),
      );
      const texts = histories.flatMap((h) =>
        h.roomHistory.edges.filter((edge) => edge.node.kind === 'TEXT'),
      );
      expect(texts).toHaveLength(20);
    } finally {
      await server.close();
    }
  });

  it('refuses an unknown name unless asked to create it', async () => {
    const refused = await npm('token', '--', 'nobody_here').then(
      () => undefined,
      (error: { code: number; stderr: string }) => error,
    );
    expect(refused?.code).toBe(1);
    expect(refused?.stderr).toContain('no user named "nobody_here"');
    const created = await npm('token', '--', 'nobody_here', '--create');
    expect(created.stdout.trim()).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+$/);
  });

  it('refuses bad seed sizes with a clear message', async () => {
    const refused = await npm('seed', '--', '--users', 'many').then(
      () => undefined,
      (error: { code: number; stderr: string }) => error,
    );
    expect(refused?.code).toBe(1);
    expect(refused?.stderr).toContain('--users must be a whole number');
  });
});

describe('npm start', { timeout: 120_000 }, () => {
  let child: ChildProcess | undefined;
  afterAll(() => {
    child?.kill('SIGTERM');
  });

  it('logs JSON lines, each request with its id', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'switchboard-log-'));
    const storage = await createTestStorage(dir);
    child = spawn(join('node_modules', '.bin', 'tsx'), ['src/main.ts'], {
      env: {
        ...process.env,
        ...storage.env,
        PORT: '0',
        JWT_SECRET: SECRET,
        LOG_LEVEL: 'info',
      },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream });
    const logs = lines[Symbol.asyncIterator]();
    const nextLog = async (): Promise<Record<string, unknown>> => {
      const { value } = await logs.next();
      return JSON.parse(String(value)) as Record<string, unknown>;
    };
    try {
      const started = await nextLog();
      expect(started).toMatchObject({ level: 30, service: 'switchboard' });
      const url = String(started.url);
      await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-request-id': 'trace-7' },
        body: JSON.stringify({ query: '{ __typename }' }),
      });
      expect(await nextLog()).toMatchObject({
        msg: 'request',
        requestId: 'trace-7',
        method: 'POST',
        status: 200,
      });
      const exited = new Promise((resolve) => child?.once('exit', resolve));
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
      child = undefined;
    } finally {
      lines.close();
      await storage.drop();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
