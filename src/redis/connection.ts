import { Redis } from 'ioredis';

/** Everything that shares one Redis (several instances, or parallel test servers) sees these. */
export interface RedisSettings {
  readonly url: string;
  /** Prepended to every key and channel, so that deployments on one Redis stay apart. */
  readonly prefix: string;
}

/**
 * A connection that retries for ever (a Redis restart must not need a server restart) and
 * fails commands after a few attempts instead of queueing them while Redis is away.
 */
export function connectRedis(settings: RedisSettings, role: string): Redis {
  const redis = new Redis(settings.url, {
    connectionName: `${settings.prefix}${role}`,
    maxRetriesPerRequest: 3,
    retryStrategy: (attempt) => Math.min(attempt * 100, 1_000),
    // The pub/sub layer resubscribes itself, to know when the channels are live again.
    autoResubscribe: false,
  });
  // Without a listener ioredis prints every failed attempt; readiness reports the state.
  redis.on('error', () => undefined);
  return redis;
}

/** Resolves once the connection is up; a Redis that stays unreachable stops the start. */
export async function redisReady(redis: Redis, timeoutMs: number): Promise<void> {
  if (redis.status === 'ready') return;
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      redis.off('ready', ready);
      reject(new Error(`Redis unreachable for ${timeoutMs} ms`));
    }, timeoutMs);
    const ready = () => {
      clearTimeout(timer);
      resolve();
    };
    redis.once('ready', ready);
  });
}
