/** The scenarios of issue 4, as load specs per server, and what each one records. */
import type { ClientSpec, LoadSpec, PhaseSpec } from '../load.js';
import { rssBytes } from './proc.js';
import {
  type Column,
  type LoadOutcome,
  type MeasuredPhase,
  type RunningServer,
  runLoad,
  type ServerName,
  startServer,
  stopServer,
} from './session.js';
import { firstCursor, headCursor, type Template } from './switchboard.js';

export interface Sizes {
  quick: boolean;
  runs: number;
  rooms: number;
  roomSize: number;
  warmupSeconds: number;
  seconds: number;
  rateTotal: number;
  bigRoom: number;
  bigRoomSenders: number;
  bigRoomRate: number;
  drainSeconds: number;
  durableSenders: number;
  replayMessages: number;
  historyMessages: number;
  historyRequests: number;
}

export const FULL: Sizes = {
  quick: false,
  runs: 3,
  rooms: 10,
  roomSize: 100,
  warmupSeconds: 2,
  seconds: 8,
  rateTotal: 100,
  bigRoom: 5000,
  bigRoomSenders: 4,
  bigRoomRate: 20,
  drainSeconds: 6,
  durableSenders: 50,
  replayMessages: 100_000,
  historyMessages: 1_000_000,
  historyRequests: 1500,
};

export const QUICK: Sizes = {
  ...FULL,
  quick: true,
  runs: 1,
  warmupSeconds: 1,
  seconds: 2,
  bigRoom: 1000,
  drainSeconds: 3,
  replayMessages: 20_000,
  historyMessages: 50_000,
  historyRequests: 200,
};

/** One measured value of one run. */
export interface Sample {
  scenario: string;
  metric: string;
  server: Column;
  run: number;
  value: number;
}

export interface Context {
  sizes: Sizes;
  workDir: string;
  /** Users, the rooms of (i) and the big room of (ii)/(iii). */
  base: Template;
  /** The replay and history rooms. */
  stored: Template;
  record(sample: Omit<Sample, 'run'>): void;
  /** Keeps a phase's whole result (counts, timeouts, errors, CPU) for results.json. */
  keep(scenario: string, server: Column, phase: MeasuredPhase, live?: LoadOutcome['live']): void;
  log(line: string): void;
}

/** Records one session's figures under one scenario and server; a missing figure is NaN. */
export function recordMetrics(
  ctx: Context,
  scenario: string,
  server: Column,
  metrics: Record<string, number | undefined>,
): void {
  for (const [metric, value] of Object.entries(metrics))
    ctx.record({ scenario, metric, server, value: value ?? Number.NaN });
}

const roomName = (k: number) => `r${k}`;

/** Switchboard: the client of user `userId`, resuming at the room's head. */
function switchboardClient(
  template: Template,
  roomId: string,
  userId: number,
  after: string | undefined,
): ClientSpec {
  return { room: roomId, token: template.tokens[userId - 1], after };
}

async function roomIds(
  server: RunningServer,
  ctx: Context,
  names: string[],
): Promise<{ ids: string[]; heads: (string | undefined)[] }> {
  if (server.name !== 'switchboard') return { ids: names, heads: names.map(() => undefined) };
  const ids = names.map((name) => {
    const id = ctx.base.rooms[name];
    if (!id) throw new Error(`no room ${name} in the template`);
    return id;
  });
  const token = ctx.base.tokens[0] ?? '';
  const heads = await Promise.all(ids.map((id) => headCursor(server.url, token, id)));
  return { ids, heads };
}

const protocolOf = (name: ServerName) =>
  name === 'raw' ? 'raw' : name === 'socketio' ? 'socketio' : 'graphql-ws';

/** The phases of (i) and (i-rate): closed loop, then a fixed rate, on the same connections. */
export function roomsPhases(sizes: Sizes): LoadSpec['phases'] {
  return [
    { name: 'i', kind: 'closed', warmupSeconds: sizes.warmupSeconds, seconds: sizes.seconds },
    {
      name: 'i-rate',
      kind: 'rate',
      perSecond: sizes.rateTotal,
      seconds: sizes.seconds,
      drainSeconds: 3,
    },
  ];
}

/** (i) and (i-rate): 10 rooms of 100, one sender per room (the room's last client). */
export async function roomsSession(name: ServerName, ctx: Context): Promise<void> {
  const { sizes } = ctx;
  const server = await startServer(name, { template: ctx.base.path, workDir: ctx.workDir });
  try {
    const names = Array.from({ length: sizes.rooms }, (_, k) => roomName(k));
    const { ids, heads } = await roomIds(server, ctx, names);
    const clients: ClientSpec[] = [];
    const senders: number[] = [];
    ids.forEach((id, k) => {
      for (let j = 0; j < sizes.roomSize; j += 1) {
        const userId = k * sizes.roomSize + j + 1;
        clients.push(
          name === 'switchboard' ? switchboardClient(ctx.base, id, userId, heads[k]) : { room: id },
        );
      }
      senders.push(clients.length - 1);
    });
    const spec: LoadSpec = {
      protocol: protocolOf(name),
      port: server.port,
      clients,
      senders,
      probe: true,
      phases: roomsPhases(sizes),
    };
    const outcome = await runLoad(server, spec, ctx.workDir, 120_000);
    const closed = outcome.phases.i;
    const rate = outcome.phases['i-rate'];
    if (!closed || !rate) throw new Error('phases missing');
    ctx.keep('i', name, closed, outcome.live);
    ctx.keep('i-rate', name, rate, outcome.live);
    ctx.log(
      `  ${name} (i): ${Math.round(closed.deliveredPerSecond)} delivered/s, p50 ${closed.rttMs?.p50.toFixed(1)} ms, p99 ${closed.rttMs?.p99.toFixed(1)} ms, server CPU ${(closed.serverCpuShare * 100).toFixed(0)}%, load CPU ${(closed.loadCpuShare * 100).toFixed(0)}%, errors ${closed.errors}${closed.firstError ? ` (${closed.firstError})` : ''}`,
    );
    ctx.log(
      `  ${name} (i-rate): p50 ${rate.rttMs?.p50.toFixed(1)} ms, p99 ${rate.rttMs?.p99.toFixed(1)} ms, delivered ${rate.delivered}/${rate.expected}`,
    );
    recordMetrics(ctx, 'i', name, {
      'delivered/s': closed.deliveredPerSecond,
      'p50 ms': closed.rttMs?.p50,
      'p99 ms': closed.rttMs?.p99,
      'server CPU %': closed.serverCpuShare * 100,
      'load CPU %': closed.loadCpuShare * 100,
    });
    recordMetrics(ctx, 'i-rate', name, {
      'p99 ms': rate.rttMs?.p99,
      'p50 ms': rate.rttMs?.p50,
    });
  } finally {
    await stopServer(server);
  }
}

/** (iii) then (ii) on the same connections: N clients in one room, idle, then 20 sends/s. */
export async function bigRoomSession(name: ServerName, ctx: Context): Promise<void> {
  const { sizes } = ctx;
  const server = await startServer(name, { template: ctx.base.path, workDir: ctx.workDir });
  try {
    const { ids, heads } = await roomIds(server, ctx, ['big']);
    const id = ids[0] ?? 'big';
    const clients: ClientSpec[] = [];
    for (let j = 0; j < sizes.bigRoom; j += 1) {
      clients.push(
        name === 'switchboard' ? switchboardClient(ctx.base, id, j + 1, heads[0]) : { room: id },
      );
    }
    // The senders connect last: their own messages reach them at the end of the fan-out.
    const senders = Array.from({ length: sizes.bigRoomSenders }, (_, i) => sizes.bigRoom - 1 - i);
    const spec: LoadSpec = {
      protocol: protocolOf(name),
      port: server.port,
      clients,
      senders,
      probe: true,
      phases: [
        {
          name: 'ii',
          kind: 'rate',
          perSecond: sizes.bigRoomRate,
          seconds: sizes.seconds,
          drainSeconds: sizes.drainSeconds,
        },
      ],
    };
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    const before = rssBytes(server.pid);
    const outcome = await runLoad(server, spec, ctx.workDir, 240_000, 3_000);
    const phase = outcome.phases.ii;
    if (!phase) throw new Error('phase ii missing');
    ctx.keep('ii', name, phase, outcome.live);
    const perConnection = (outcome.idleRss - before) / outcome.live.live / 1024;
    const share = phase.expected ? phase.delivered / phase.expected : 0;
    ctx.log(
      `  ${name} (iii): ${outcome.live.live}/${sizes.bigRoom} live (connect ${outcome.live.connectSeconds.toFixed(1)} s), ${perConnection.toFixed(1)} KB per connection`,
    );
    ctx.log(
      `  ${name} (ii): delivered ${phase.delivered}/${phase.expected} (${(share * 100).toFixed(1)}%), p99 ${phase.rttMs?.p99.toFixed(0)} ms, server CPU ${(phase.serverCpuShare * 100).toFixed(0)}%, load CPU ${(phase.loadCpuShare * 100).toFixed(0)}%${phase.firstError ? ` (${phase.firstError})` : ''}`,
    );
    recordMetrics(ctx, 'iii', name, { 'KB/connection': perConnection });
    recordMetrics(ctx, 'ii', name, {
      'delivered %': share * 100,
      'p99 ms': phase.rttMs?.p99,
    });
  } finally {
    await stopServer(server);
  }
}

/** (iv): durable sends acknowledged, `durableSenders` closed loops spread over the rooms. */
export async function durableSession(ctx: Context): Promise<void> {
  const { sizes } = ctx;
  const server = await startServer('switchboard', {
    template: ctx.base.path,
    workDir: ctx.workDir,
  });
  try {
    const perRoom = Math.ceil(sizes.durableSenders / sizes.rooms);
    const clients: ClientSpec[] = [];
    for (let i = 0; i < sizes.durableSenders; i += 1) {
      const k = i % sizes.rooms;
      const userId = k * sizes.roomSize + Math.floor(i / sizes.rooms) + 1;
      const id = ctx.base.rooms[roomName(k)] ?? '';
      clients.push({ room: id, token: ctx.base.tokens[userId - 1], subscribe: false });
    }
    const spec: LoadSpec = {
      protocol: 'graphql-ws',
      port: server.port,
      clients,
      senders: clients.map((_, i) => i),
      probe: false,
      phases: [
        { name: 'iv', kind: 'acks', warmupSeconds: sizes.warmupSeconds, seconds: sizes.seconds },
      ],
    };
    const outcome = await runLoad(server, spec, ctx.workDir, 90_000);
    const phase = outcome.phases.iv;
    if (!phase) throw new Error('phase iv missing');
    ctx.keep('iv', 'switchboard', phase);
    ctx.log(
      `  switchboard (iv): ${Math.round(phase.ackedPerSecond ?? 0)} durable sends/s (${perRoom} senders per room), ack p99 ${phase.rttMs?.p99.toFixed(1)} ms, server CPU ${(phase.serverCpuShare * 100).toFixed(0)}%, errors ${phase.errors}${phase.firstError ? ` (${phase.firstError})` : ''}`,
    );
    recordMetrics(ctx, 'iv', 'switchboard', {
      'sends/s': phase.ackedPerSecond ?? 0,
      'ack p99 ms': phase.rttMs?.p99,
    });
  } finally {
    await stopServer(server);
  }
}

/** (v): one client subscribes after the first of a room's stored messages. */
export async function replaySession(ctx: Context): Promise<void> {
  const { sizes } = ctx;
  const server = await startServer('switchboard', {
    template: ctx.stored.path,
    workDir: ctx.workDir,
  });
  try {
    const roomId = ctx.stored.rooms.replay ?? '';
    const token = ctx.stored.tokens[1] ?? '';
    const after = await firstCursor(server.url, token, roomId);
    // The stream holds both joins, then the stored messages: all but the first come back.
    const expect = sizes.replayMessages + 1;
    const phase = await phaseAlone(
      ctx,
      server,
      {
        name: 'v',
        kind: 'replay',
        client: { room: roomId, token, after },
        expect,
        timeoutSeconds: 60,
      },
      90_000,
    );
    ctx.keep('v', 'switchboard', phase);
    const growth = (phase.serverPeakRss - phase.serverRssBefore) / 1024 / 1024;
    ctx.log(
      `  switchboard (v): ${phase.delivered}/${expect} replayed at ${Math.round(phase.deliveredPerSecond)}/s, peak RSS ${(phase.serverPeakRss / 1024 / 1024).toFixed(0)} MB (+${growth.toFixed(1)} MB), server CPU ${(phase.serverCpuShare * 100).toFixed(0)}%`,
    );
    recordMetrics(ctx, 'v', 'switchboard', {
      'messages/s': phase.delivered === expect ? phase.deliveredPerSecond : 0,
      'peak RSS MB': phase.serverPeakRss / 1024 / 1024,
      'RSS growth MB': growth,
    });
  } finally {
    await stopServer(server);
  }
}

/** (vi): roomHistory pages over HTTP in a room of `historyMessages`. */
export async function historySession(ctx: Context): Promise<void> {
  const { sizes } = ctx;
  const server = await startServer('switchboard', {
    template: ctx.stored.path,
    workDir: ctx.workDir,
  });
  try {
    const phase = await phaseAlone(ctx, server, {
      name: 'vi',
      kind: 'history',
      url: server.url,
      token: ctx.stored.tokens[1] ?? '',
      roomId: ctx.stored.rooms.history ?? '',
      requests: sizes.historyRequests,
    });
    keepRequests(ctx, 'switchboard', `${phase.delivered} pages`, phase);
  } finally {
    await stopServer(server);
  }
}

/**
 * The reference for (vi) in the same run: plain Yoga answering `{ ok }` (no storage, no auth,
 * one field), the floor of a GraphQL request over HTTP on this machine.
 */
export async function historyReferenceSession(ctx: Context): Promise<void> {
  const server = await startServer('yoga', { workDir: ctx.workDir });
  try {
    const phase = await phaseAlone(ctx, server, {
      name: 'vi',
      kind: 'query',
      url: server.url,
      query: '{ ok }',
      requests: ctx.sizes.historyRequests,
    });
    keepRequests(ctx, 'yoga', 'reference, { ok }', phase);
  } finally {
    await stopServer(server);
  }
}

/** Keeps and records a (vi) phase: p50, and p99 unless a request failed. */
function keepRequests(ctx: Context, server: ServerName, what: string, phase: MeasuredPhase) {
  ctx.keep('vi', server, phase);
  ctx.log(
    `  ${server} (vi): ${what}, p50 ${phase.rttMs?.p50.toFixed(2)} ms, p99 ${phase.rttMs?.p99.toFixed(2)} ms, server CPU ${(phase.serverCpuShare * 100).toFixed(0)}%, errors ${phase.errors}`,
  );
  recordMetrics(ctx, 'vi', server, {
    'p50 ms': phase.rttMs?.p50,
    'p99 ms': phase.errors ? undefined : phase.rttMs?.p99,
  });
}

/** One phase against `server` with no connections of its own (the load client opens any). */
async function phaseAlone(
  ctx: Context,
  server: RunningServer,
  phase: Extract<PhaseSpec, { kind: 'history' | 'query' | 'replay' }>,
  timeoutMs = 120_000,
) {
  const spec: LoadSpec = {
    protocol: 'graphql-ws',
    port: server.port,
    clients: [],
    senders: [],
    probe: false,
    phases: [phase],
  };
  const outcome = await runLoad(server, spec, ctx.workDir, timeoutMs);
  const result = outcome.phases[phase.name];
  if (!result) throw new Error(`phase ${phase.name} missing`);
  return result;
}
