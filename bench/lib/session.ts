/** One server process and one load process: start, drive, measure, stop. */
import type { ChildProcess } from 'node:child_process';
import { copyFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import type { LoadSpec, PhaseResult } from '../load.js';
import {
  cpuSeconds,
  freePort,
  rssBytes,
  sleep,
  spawnPinned,
  stopProcess,
  waitFor,
} from './proc.js';
import { serverEnvironment } from './switchboard.js';

export type ServerName = 'raw' | 'socketio' | 'yoga' | 'switchboard';

export const SERVER_LABELS: Record<ServerName, string> = {
  raw: 'raw ws',
  socketio: 'Socket.IO',
  yoga: 'plain Yoga',
  switchboard: 'Switchboard',
};

/** The scale-out scenario's setups: Switchboard on PostgreSQL + Redis, one or two instances. */
export type ScaleSetup = 'pg-redis-1' | 'pg-redis-2';

/** A column of the results: a server of the peer comparison, or a scale-out setup. */
export type Column = ServerName | ScaleSetup;

export const COLUMN_LABELS: Record<Column, string> = {
  ...SERVER_LABELS,
  'pg-redis-1': 'Switchboard PG+Redis ×1',
  'pg-redis-2': 'Switchboard PG+Redis ×2',
};

const PEER_FILES: Record<Exclude<ServerName, 'switchboard'>, string> = {
  raw: 'bench/peers/raw-ws.ts',
  socketio: 'bench/peers/socketio.ts',
  yoga: 'bench/peers/yoga.ts',
};

export const SERVER_CORE = 0;
export const LOAD_CORE = 1;

export interface RunningServer {
  name: ServerName;
  port: number;
  pid: number;
  /** http://127.0.0.1:port/graphql (Switchboard and Yoga). */
  url: string;
  child: ChildProcess;
  stderr: string[];
  /** performance.now() when the process was spawned. */
  spawnedAt: number;
}

export interface ServerOptions {
  /** Switchboard: the template SQLite file, copied fresh into `workDir`. */
  template?: string;
  /** Switchboard on shared storage instead (DATABASE_URL, REDIS_URL, REDIS_PREFIX): no copy. */
  shared?: Record<string, string>;
  workDir: string;
  /** Extra node flags (e.g. --cpu-prof). */
  nodeFlags?: string[];
}

let copies = 0;

/** The checkout whose src/main.ts is run (`--switchboard=DIR`: another worktree's). */
export const switchboardCheckout = { dir: process.cwd() };

export async function startServer(
  name: ServerName,
  options: ServerOptions,
): Promise<RunningServer> {
  const port = await freePort();
  let child: ChildProcess;
  const spawnedAt = performance.now();
  const flags = [...(options.nodeFlags ?? []), '--import', 'tsx'];
  if (name === 'switchboard') {
    child = spawnPinned(
      SERVER_CORE,
      [...flags, 'src/main.ts'],
      serverEnvironment(options.shared ?? { SQLITE_PATH: freshCopy(options) }, port),
      switchboardCheckout.dir,
    );
  } else {
    child = spawnPinned(SERVER_CORE, [...flags, PEER_FILES[name], '--port', String(port)]);
  }
  const stderr: string[] = [];
  child.stderr?.on('data', (data: Buffer) => {
    if (stderr.length < 50) stderr.push(data.toString());
  });
  let stdout = '';
  child.stdout?.on('data', (data: Buffer) => {
    if (stdout.length < 1000) stdout += data.toString();
  });
  const server: RunningServer = {
    name,
    port,
    pid: child.pid ?? 0,
    url: `http://127.0.0.1:${port}/graphql`,
    child,
    stderr,
    spawnedAt,
  };
  try {
    await waitFor(
      async () => {
        if (child.exitCode !== null) throw new Error(`${name} exited: ${stderr.join('')}`);
        // Peers say "ready" once listening; Switchboard answers /health.
        if (name !== 'switchboard') return stdout.includes('ready');
        const response = await fetch(`http://127.0.0.1:${port}/health`);
        await response.arrayBuffer();
        return response.ok;
      },
      30_000,
      `${name} to listen`,
    );
  } catch (error) {
    await stopProcess(child);
    throw error;
  }
  return server;
}

function freshCopy(options: ServerOptions): string {
  if (!options.template) throw new Error('switchboard needs a template database');
  const path = resolve(options.workDir, `switchboard-${++copies}.sqlite`);
  copyFileSync(options.template, path);
  return path;
}

export function stopServer(server: RunningServer): Promise<void> {
  return stopProcess(server.child, 12_000);
}

/** One server process over a phase. */
export interface InstanceMeasure {
  /** CPU seconds per wall second (1 = one core). */
  cpuShare: number;
  /** Highest RSS sampled during the phase, and the RSS just before it. */
  peakRss: number;
  rssBefore: number;
}

export interface MeasuredPhase extends PhaseResult {
  /** Server CPU seconds per wall second over the phase (1 = one core), summed over instances. */
  serverCpuShare: number;
  /** Highest server RSS sampled during the phase, and the RSS just before it (summed). */
  serverPeakRss: number;
  serverRssBefore: number;
  /** The same per server process, in the order given to runLoad. */
  instances: InstanceMeasure[];
  /** performance.now() of the phase's start and end in the orchestrator. */
  startedAt: number;
  endedAt: number;
}

export interface LoadOutcome {
  live: { connected: number; failed: number; live: number; connectSeconds: number };
  /** Server RSS with every connection open and idle, `settleMs` after going live (summed). */
  idleRss: number;
  phases: Record<string, MeasuredPhase>;
}

const sum = (values: number[]) => values.reduce((a, b) => a + b, 0);

/**
 * Runs one load spec against a server (or several instances of one, measured each and
 * summed), bounded by `timeoutMs`.
 */
export function runLoad(
  target: RunningServer | RunningServer[],
  spec: LoadSpec,
  workDir: string,
  timeoutMs: number,
  settleMs = 0,
): Promise<LoadOutcome> {
  const servers = Array.isArray(target) ? target : [target];
  const [server] = servers;
  if (!server) throw new Error('runLoad needs a server');
  const pids = servers.map((s) => s.pid);
  const specPath = join(workDir, `spec-${server.name}-${Date.now()}.json`);
  writeFileSync(specPath, JSON.stringify(spec));
  const load = spawnPinned(LOAD_CORE, ['--import', 'tsx', 'bench/load.ts', specPath]);
  const outcome: LoadOutcome = {
    live: { connected: 0, failed: 0, live: 0, connectSeconds: 0 },
    idleRss: 0,
    phases: {},
  };
  const loadErrors: string[] = [];
  load.stderr?.on('data', (data: Buffer) => {
    if (loadErrors.length < 20) loadErrors.push(data.toString());
  });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      load.kill('SIGKILL');
      reject(new Error(`load against ${server.name} passed its ${timeoutMs} ms bound`));
    }, timeoutMs);
    let phaseStart = { at: 0, cpu: [0], rss: [0] };
    let peaks = [0];
    let sampler: NodeJS.Timeout | undefined;
    const lines = createInterface({ input: load.stdout as NodeJS.ReadableStream });
    lines.on('line', (line) => {
      const event = JSON.parse(line) as {
        event: string;
        name?: string;
        result?: PhaseResult;
        message?: string;
      } & Partial<LoadOutcome['live']>;
      if (event.event === 'live') {
        outcome.live = {
          connected: event.connected ?? 0,
          failed: event.failed ?? 0,
          live: event.live ?? 0,
          connectSeconds: event.connectSeconds ?? 0,
        };
        void sleep(settleMs).then(() => {
          outcome.idleRss = sum(pids.map(rssBytes));
          load.stdin?.write('go\n');
        });
      } else if (event.event === 'phase-start') {
        const rss = pids.map(rssBytes);
        phaseStart = { at: performance.now(), cpu: pids.map(cpuSeconds), rss };
        peaks = [...rss];
        sampler = setInterval(() => {
          peaks = pids.map((pid, i) => Math.max(peaks[i] ?? 0, rssBytes(pid)));
        }, 20);
      } else if (event.event === 'phase-end' && event.name && event.result) {
        clearInterval(sampler);
        const wall = (performance.now() - phaseStart.at) / 1000;
        const instances = pids.map((pid, i) => ({
          cpuShare: (cpuSeconds(pid) - (phaseStart.cpu[i] ?? 0)) / wall,
          peakRss: Math.max(peaks[i] ?? 0, rssBytes(pid)),
          rssBefore: phaseStart.rss[i] ?? 0,
        }));
        outcome.phases[event.name] = {
          ...event.result,
          serverCpuShare: sum(instances.map((m) => m.cpuShare)),
          serverPeakRss: sum(instances.map((m) => m.peakRss)),
          serverRssBefore: sum(instances.map((m) => m.rssBefore)),
          instances,
          startedAt: phaseStart.at,
          endedAt: performance.now(),
        };
      } else if (event.event === 'failed') {
        loadErrors.push(event.message ?? 'load failed');
      }
    });
    load.once('exit', (code) => {
      clearTimeout(timer);
      clearInterval(sampler);
      if (code === 0) resolve(outcome);
      else reject(new Error(`load against ${server.name} exited ${code}: ${loadErrors.join('')}`));
    });
  });
}
