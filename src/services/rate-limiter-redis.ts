import type { Redis } from 'ioredis';
import { LUA_NOW, LuaScript } from '../redis/script.js';
import { rateLimited, type SendLimiter } from './rate-limiter.js';

/** KEYS bucket; ARGV rate, burst. 0 when a token was taken, else ms until one is there. */
const TAKE = new LuaScript(`${LUA_NOW}
local rate = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local bucket = redis.call('HMGET', KEYS[1], 't', 'u')
local tokens = tonumber(bucket[1]) or burst
local updated = tonumber(bucket[2]) or now
tokens = math.min(burst, tokens + math.max(0, now - updated) / 1000 * rate)
local wait = 0
if tokens < 1 then wait = math.ceil((1 - tokens) / rate * 1000) else tokens = tokens - 1 end
redis.call('HSET', KEYS[1], 't', tostring(tokens), 'u', tostring(now))
redis.call('PEXPIRE', KEYS[1], math.ceil(burst / rate * 1000) + 1000)
return wait`);

/** KEYS bucket; ARGV burst. */
const REFUND = new LuaScript(`local tokens = tonumber(redis.call('HGET', KEYS[1], 't'))
if tokens then redis.call('HSET', KEYS[1], 't', tostring(math.min(tonumber(ARGV[1]), tokens + 1))) end
return 0`);

/**
 * The same token bucket, one per user in Redis, so that the budget holds across instances.
 * If Redis cannot answer, the send goes through: a Redis outage must not stop messaging.
 */
export class RedisRateLimiter implements SendLimiter {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly ratePerSecond: number,
    private readonly burst: number,
  ) {}

  async take(userId: number): Promise<void> {
    let wait: number;
    try {
      wait = Number(
        await TAKE.run(this.redis, [this.#key(userId)], [this.ratePerSecond, this.burst]),
      );
    } catch {
      return;
    }
    if (wait > 0) throw rateLimited(wait);
  }

  async refund(userId: number): Promise<void> {
    await REFUND.run(this.redis, [this.#key(userId)], [this.burst]).catch(() => undefined);
  }

  #key(userId: number): string {
    return `${this.prefix}rate:${userId}`;
  }
}
