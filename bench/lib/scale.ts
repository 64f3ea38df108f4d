/**
 * Scenario `scale`: Switchboard as users run it scaled out, storage on PostgreSQL and
 * pub/sub, presence and limits on Redis, one instance against two sharing both, under the
 * load of (i) and (i-rate). Every session gets a fresh schema and key prefix of its own.
 */
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import pg from 'pg';
import type { ClientSpec, LoadSpec } from '../load.js';
import { type Context, recordMetrics, roomsPhases } from './scenarios.js';
import {
  type MeasuredPhase,
  type RunningServer,
  runLoad,
  type ScaleSetup,
  startServer,
  stopServer,
} from './session.js';
import { buildTemplate, headCursor } from './switchboard.js';

export const SCALE_SETUPS: ScaleSetup[] = ['pg-redis-1', 'pg-redis-2'];

const INSTANCES: Record<ScaleSetup, number> = { 'pg-redis-1': 1, 'pg-redis-2': 2 };

/** The PostgreSQL database and the Redis the instances share, as found reachable. */
export interface SharedServices {
  databaseUrl: string;
  redisUrl: string;
  /** "PostgreSQL 15.2, Redis 7.0.1", for the log and results.json. */
  versions: string;
}

const DEFAULT_DATABASE_URL = 'postgres://root@127.0.0.1:5432/test';
const DEFAULT_REDIS_URL = 'redis://127.0.0.1:6379';

async function onPostgres<T>(url: string, run: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3_000 });
  await client.connect();
  try {
    return await run(client);
  } finally {
    await client.end();
  }
}

async function onRedis<T>(url: string, run: (redis: Redis) => Promise<T>): Promise<T> {
  // No retries: an unreachable Redis answers at once instead of being waited for.
  const redis = new Redis(url, {
    lazyConnect: true,
    connectTimeout: 3_000,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  });
  // ioredis rejects connect() with "Connection is closed": the event says why.
  let cause: unknown;
  redis.on('error', (error: unknown) => {
    cause = error;
  });
  try {
    await redis.connect().catch((error: unknown) => {
      throw cause ?? error;
    });
    return await run(redis);
  } finally {
    redis.disconnect();
  }
}

const reason = (error: unknown) => (error instanceof Error ? error.message : String(error));

/**
 * DATABASE_URL and REDIS_URL of the bench's environment (or the local defaults), each
 * tried once: a string saying why when either cannot be reached.
 */
export async function sharedServices(): Promise<SharedServices | string> {
  const databaseUrl = process.env.DATABASE_URL || DEFAULT_DATABASE_URL;
  const redisUrl = process.env.REDIS_URL || DEFAULT_REDIS_URL;
  let postgres: string;
  let redis: string;
  try {
    postgres = await onPostgres(databaseUrl, async (client) => {
      const answer = await client.query<{ server_version: string }>('SHOW server_version');
      return answer.rows[0]?.server_version ?? '?';
    });
  } catch (error) {
    return `PostgreSQL at ${withoutPassword(databaseUrl)} unreachable (${reason(error)})`;
  }
  try {
    redis = await onRedis(redisUrl, async (client) => {
      const info = await client.info('server');
      return /redis_version:(\S+)/.exec(info)?.[1] ?? '?';
    });
  } catch (error) {
    return `Redis at ${withoutPassword(redisUrl)} unreachable (${reason(error)})`;
  }
  return { databaseUrl, redisUrl, versions: `PostgreSQL ${postgres}, Redis ${redis}` };
}

function withoutPassword(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return url;
  }
}

/** The base URL with every connection's search_path set to `schema` (as the tests do). */
function urlInSchema(base: string, schema: string): string {
  const url = new URL(base);
  url.searchParams.set('options', `-c search_path=${schema}`);
  return url.toString();
}

/** Deletes the keys a session left under its prefix (presence entries, limits). */
async function clearPrefix(redisUrl: string, prefix: string): Promise<void> {
  await onRedis(redisUrl, async (redis) => {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
      if (keys.length > 0) await redis.del(...keys);
      cursor = next;
    } while (cursor !== '0');
  });
}

/**
 * The rooms of (i) in a fresh schema, 1 or 2 instances on it and one Redis prefix, and the
 * load of (i) then (i-rate), client j of each room on instance j % instances.
 */
export async function scaleSession(
  setup: ScaleSetup,
  shared: SharedServices,
  ctx: Context,
): Promise<void> {
  const id = randomBytes(6).toString('hex');
  const schema = `sb_bench_${id}`;
  const prefix = `sb-bench-${id}:`;
  await onPostgres(shared.databaseUrl, (client) => client.query(`CREATE SCHEMA ${schema}`));
  const servers: RunningServer[] = [];
  try {
    const databaseUrl = urlInSchema(shared.databaseUrl, schema);
    await measure(setup, databaseUrl, shared, prefix, servers, ctx);
  } finally {
    await Promise.all(servers.map(stopServer));
    // Also after a failure: a schema or keys left behind would pile up run after run.
    await onPostgres(shared.databaseUrl, (client) =>
      client.query(`DROP SCHEMA ${schema} CASCADE`),
    ).catch((error: unknown) => ctx.log(`  could not drop schema ${schema}: ${reason(error)}`));
    await clearPrefix(shared.redisUrl, prefix).catch((error: unknown) =>
      ctx.log(`  could not clear Redis prefix ${prefix}: ${reason(error)}`),
    );
  }
}

async function measure(
  setup: ScaleSetup,
  databaseUrl: string,
  shared: SharedServices,
  prefix: string,
  servers: RunningServer[],
  ctx: Context,
): Promise<void> {
  const { sizes } = ctx;
  const built = performance.now();
  const template = await buildTemplate(
    { databaseUrl },
    sizes.rooms * sizes.roomSize,
    Array.from({ length: sizes.rooms }, (_, k) => ({
      name: `r${k}`,
      members: Array.from({ length: sizes.roomSize }, (_, j) => k * sizes.roomSize + j + 1),
      maxMembers: sizes.roomSize,
    })),
  );
  const buildSeconds = (performance.now() - built) / 1000;
  const environment = {
    DATABASE_URL: databaseUrl,
    REDIS_URL: shared.redisUrl,
    REDIS_PREFIX: prefix,
  };
  // One after the other, each kept in `servers` at once: a failed start stops the others.
  for (let i = 0; i < INSTANCES[setup]; i += 1) {
    servers.push(await startServer('switchboard', { shared: environment, workDir: ctx.workDir }));
  }
  const started = [...servers];
  const [first] = started;
  if (!first) throw new Error('no instance started');
  const token = template.tokens[0] ?? '';
  const ids = Array.from({ length: sizes.rooms }, (_, k) => template.rooms[`r${k}`] ?? '');
  const heads = await Promise.all(ids.map((room) => headCursor(first.url, token, room)));
  const clients: ClientSpec[] = [];
  const senders: number[] = [];
  const observers: number[] = [];
  ids.forEach((room, k) => {
    const base = clients.length;
    for (let j = 0; j < sizes.roomSize; j += 1) {
      const userId = k * sizes.roomSize + j + 1;
      const server = started[j % started.length] ?? first;
      clients.push({
        room,
        token: template.tokens[userId - 1],
        after: heads[k],
        port: server.port,
      });
    }
    // Last or last but one client: on two instances, half the rooms send from each. The
    // client before the sender is on the other instance and times the deliveries there.
    const sender = base + sizes.roomSize - 1 - (k % 2);
    senders.push(sender);
    observers.push(sender - 1);
  });
  const spec: LoadSpec = {
    protocol: 'graphql-ws',
    port: first.port,
    clients,
    senders,
    observers,
    probe: true,
    phases: roomsPhases(sizes),
  };
  const outcome = await runLoad(started, spec, ctx.workDir, 180_000);
  const closed = outcome.phases.i;
  const rate = outcome.phases['i-rate'];
  if (!closed || !rate) throw new Error('phases missing');
  ctx.keep('scale-i', setup, closed, outcome.live);
  ctx.keep('scale-i-rate', setup, rate, outcome.live);
  report(setup, closed, rate, ctx, {
    buildSeconds,
    live: outcome.live.live,
    clients: clients.length,
  });
}

const percent = (share: number) => `${(share * 100).toFixed(0)}%`;
const ms = (value: number | undefined) => (value === undefined ? 'n/a' : `${value.toFixed(1)} ms`);
const mb = (bytes: number) => bytes / 1024 / 1024;
const errorsOf = (phase: MeasuredPhase) =>
  `errors ${phase.errors}${phase.firstError ? ` (${phase.firstError})` : ''}`;

function report(
  setup: ScaleSetup,
  closed: MeasuredPhase,
  rate: MeasuredPhase,
  ctx: Context,
  session: { buildSeconds: number; live: number; clients: number },
): void {
  const cpu = (phase: MeasuredPhase) =>
    `server CPU ${percent(phase.serverCpuShare)}${
      phase.instances.length > 1
        ? ` (${phase.instances.map((m) => percent(m.cpuShare)).join(' + ')})`
        : ''
    }`;
  const seqs = (phase: MeasuredPhase) =>
    `observers checked ${phase.seqChecked ?? 0} seqs: ${phase.seqRepeated ?? 0} repeated or out of order, ${phase.seqSkipped ?? 0} skipped`;
  const share = rate.expected ? rate.delivered / rate.expected : 0;
  ctx.log(
    `  ${setup}: schema built in ${session.buildSeconds.toFixed(1)} s, ${session.live}/${session.clients} clients live`,
  );
  ctx.log(
    `  ${setup} (i): ${Math.round(closed.deliveredPerSecond)} delivered/s, p50 ${ms(closed.rttMs?.p50)}, p99 ${ms(closed.rttMs?.p99)}, to another client p99 ${ms(closed.observedMs?.p99)}, ${cpu(closed)}, load CPU ${percent(closed.loadCpuShare)}, RSS ${closed.instances.map((m) => `${mb(m.peakRss).toFixed(0)} MB`).join(' + ')}, timeouts ${closed.timeouts ?? 0}, ${seqs(closed)}, ${errorsOf(closed)}`,
  );
  ctx.log(
    `  ${setup} (i-rate): p50 ${ms(rate.rttMs?.p50)}, p99 ${ms(rate.rttMs?.p99)}, to another client p99 ${ms(rate.observedMs?.p99)}, delivered ${rate.delivered}/${rate.expected} (${(share * 100).toFixed(2)}%), ${seqs(rate)}, ${cpu(rate)}, ${errorsOf(rate)}`,
  );
  // Fast is not enough: a message that missed an instance must be seen.
  if (session.live < session.clients)
    ctx.log(`  WARNING ${setup}: ${session.clients - session.live} clients never got a probe`);
  if (rate.delivered !== rate.expected)
    ctx.log(
      `  WARNING ${setup}: (i-rate) ${rate.delivered} deliveries where ${rate.expected} were expected`,
    );
  for (const [name, phase] of [
    ['i', closed],
    ['i-rate', rate],
  ] as const) {
    if (phase.seqRepeated || phase.seqSkipped)
      ctx.log(
        `  WARNING ${setup}: (${name}) observers saw ${phase.seqRepeated} seqs repeated or out of order, ${phase.seqSkipped} skipped`,
      );
  }
  recordMetrics(ctx, 'scale-i', setup, {
    'delivered/s': closed.deliveredPerSecond,
    'p50 ms': closed.rttMs?.p50,
    'p99 ms': closed.rttMs?.p99,
    'far p99 ms': closed.observedMs?.p99,
    'server CPU %': closed.serverCpuShare * 100,
    'load CPU %': closed.loadCpuShare * 100,
    ...Object.fromEntries(closed.instances.map((m, i) => [`RSS ${i + 1} MB`, mb(m.peakRss)])),
  });
  recordMetrics(ctx, 'scale-i-rate', setup, {
    'p99 ms': rate.rttMs?.p99,
    'far p99 ms': rate.observedMs?.p99,
    'delivered %': share * 100,
    'server CPU %': rate.serverCpuShare * 100,
  });
}
