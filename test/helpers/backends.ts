import { randomUUID } from 'node:crypto';
import { describe, it } from 'vitest';

/** Where instances share pub/sub, presence and limits: in the process, or in Redis. */
export interface LiveBackend {
  readonly name: 'memory' | 'redis';
  /** Server variables for it; each call a fresh key prefix, so parallel test files stay apart. */
  env(): Record<string, string>;
}

export const redisUrl = process.env.REDIS_URL;

export const memoryBackend: LiveBackend = { name: 'memory', env: () => ({}) };

export const redisBackend: LiveBackend = {
  name: 'redis',
  env: () => ({ REDIS_URL: redisUrl ?? '', REDIS_PREFIX: redisPrefix() }),
};

export function redisPrefix(): string {
  return `test:${randomUUID()}:`;
}

/** `suite` in memory, and again through Redis (see describeWithRedis). */
export function describeBackends(name: string, suite: (backend: LiveBackend) => void): void {
  describe(`${name} (memory)`, () => suite(memoryBackend));
  describeWithRedis(`${name} (redis)`, () => suite(redisBackend));
}

/**
 * A suite that needs the Redis at REDIS_URL. Without it: skipped, and said so on the
 * console; under CI=true that is a failure instead, so CI cannot pass by skipping.
 */
export function describeWithRedis(name: string, suite: () => void): void {
  if (redisUrl) {
    describe(name, suite);
    return;
  }
  if (process.env.CI === 'true') {
    describe(name, () => {
      it('runs against Redis', () => {
        throw new Error('REDIS_URL is not set, and CI=true does not allow skipping this suite');
      });
    });
    return;
  }
  console.warn(`SKIPPED "${name}": set REDIS_URL=redis://127.0.0.1:6379 to run it`);
  describe.skip(`${name} (skipped: REDIS_URL not set)`, suite);
}
