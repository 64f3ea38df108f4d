import type { Redis } from 'ioredis';
import { sql } from 'kysely';
import type { Db } from '../storage/db.js';

/** One dependency the server needs to serve traffic; `check` rejects when it is unreachable. */
export interface ReadinessCheck {
  readonly name: string;
  check(): Promise<void>;
}

export interface Readiness {
  ready: boolean;
  checks: Record<string, 'ok' | 'failing'>;
}

/** A check that hangs counts as failing: a load balancer needs an answer, not a wait. */
const CHECK_TIMEOUT_MS = 2_000;

export function databaseCheck(db: Db): ReadinessCheck {
  return {
    name: 'database',
    check: async () => {
      await sql`select 1`.execute(db);
    },
  };
}

export async function runChecks(checks: readonly ReadinessCheck[]): Promise<Readiness> {
  const outcomes = await Promise.all(
    checks.map(async ({ name, check }) => [name, await passes(check)] as const),
  );
  return {
    ready: outcomes.every(([, ok]) => ok),
    checks: Object.fromEntries(outcomes.map(([name, ok]) => [name, ok ? 'ok' : 'failing'])),
  };
}

async function passes(check: () => Promise<void>): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), CHECK_TIMEOUT_MS);
  });
  try {
    return await Promise.race([check().then(() => true), timeout]);
  } catch {
    return false;
  } finally {
    clearTimeout(timer);
  }
}

/** Only connections that are up count: a reconnecting client would queue the ping and wait. */
export function redisCheck(...connections: Redis[]): ReadinessCheck {
  return {
    name: 'redis',
    check: async () => {
      for (const redis of connections) {
        if (redis.status !== 'ready') throw new Error(`redis is ${redis.status}`);
      }
      // A subscriber connection only takes subscription commands: one ping answers for Redis.
      await connections[0]?.ping();
    },
  };
}
