import { randomUUID } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import type { Redis } from 'ioredis';
import { LUA_NOW, LuaScript } from '../redis/script.js';
import type { PresenceStatus } from '../storage/repositories/presence.js';
import type { ExpiredUser, PresenceRegistry, PresenceTransition } from './presence-registry.js';

// Per user: a sorted set of their connections scored by expiry (each connection is an entry
// that lives while its instance refreshes it), and their status while connected. Beside
// them, every user with a status, scored by their latest expiry, for the sweep.
// Each script decides one change atomically, so among instances exactly one reports it.

/**
 * Statuses and the user index outlive their entries this many times over: every sweep sees
 * them first, and if every instance is gone they still go (a start resets the stored rest).
 */
const FORGET_AFTER = 10;

/** KEYS conns, status, users; ARGV connectionId, lifetimeMs, max, userId. */
const CONNECT = new LuaScript(`${LUA_NOW}
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
local count = redis.call('ZCARD', KEYS[1])
if count >= tonumber(ARGV[3]) then return {-1, count} end
local expires = now + tonumber(ARGV[2])
redis.call('ZADD', KEYS[1], expires, ARGV[1])
redis.call('PEXPIRE', KEYS[1], ARGV[2])
redis.call('ZADD', KEYS[3], 'GT', expires, ARGV[4])
redis.call('PEXPIRE', KEYS[3], tonumber(ARGV[2]) * ${FORGET_AFTER})
count = count + 1
if count == 1 then
  local previous = redis.call('GET', KEYS[2])
  redis.call('SET', KEYS[2], 'ONLINE', 'PX', tonumber(ARGV[2]) * ${FORGET_AFTER})
  if previous ~= 'ONLINE' then return {1, count} end
end
return {0, count}`);

/** KEYS conns, status, users; ARGV connectionId, userId. */
const DISCONNECT = new LuaScript(`${LUA_NOW}
redis.call('ZREM', KEYS[1], ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
local count = redis.call('ZCARD', KEYS[1])
if count > 0 then return {0, count} end
redis.call('ZREM', KEYS[3], ARGV[2])
if redis.call('DEL', KEYS[2]) == 1 then return {1, 0} end
return {0, 0}`);

/** KEYS conns, status; ARGV status. */
const SET_STATUS = new LuaScript(`${LUA_NOW}
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
local count = redis.call('ZCARD', KEYS[1])
if count == 0 then return {-1, 0} end
if redis.call('GET', KEYS[2]) == ARGV[1] then return {0, count} end
redis.call('SET', KEYS[2], ARGV[1], 'KEEPTTL')
return {1, count}`);

/** KEYS conns, status, users; ARGV lifetimeMs, userId, connectionIds... Returns 1 if revived. */
const REFRESH = new LuaScript(`${LUA_NOW}
local expires = now + tonumber(ARGV[1])
for i = 3, #ARGV do redis.call('ZADD', KEYS[1], expires, ARGV[i]) end
redis.call('PEXPIRE', KEYS[1], ARGV[1])
redis.call('ZADD', KEYS[3], 'GT', expires, ARGV[2])
local forget = tonumber(ARGV[1]) * ${FORGET_AFTER}
redis.call('PEXPIRE', KEYS[3], forget)
if redis.call('SET', KEYS[2], 'ONLINE', 'NX', 'PX', forget) then return 1 end
redis.call('PEXPIRE', KEYS[2], forget)
return 0`);

/** KEYS users; ARGV prefix. Returns userId, latest expiry, ... of users with no live entry. */
const SWEEP = new LuaScript(`${LUA_NOW}
local due = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now, 'WITHSCORES', 'LIMIT', 0, 1000)
local gone = {}
for i = 1, #due, 2 do
  local id = due[i]
  local conns = ARGV[1] .. 'presence:conns:' .. id
  redis.call('ZREMRANGEBYSCORE', conns, '-inf', now)
  if redis.call('ZCARD', conns) == 0 then
    redis.call('ZREM', KEYS[1], id)
    if redis.call('DEL', ARGV[1] .. 'presence:status:' .. id) == 1 then
      table.insert(gone, id)
      table.insert(gone, due[i + 1])
    end
  end
end
return gone`);

/** KEYS conns...; the live entries of each. */
const COUNT = new LuaScript(`${LUA_NOW}
local counts = {}
for i, key in ipairs(KEYS) do counts[i] = redis.call('ZCOUNT', key, '(' .. now, '+inf') end
return counts`);

/** KEYS conns, status. The status now (OFFLINE without a live entry) and the live entries. */
const CURRENT = new LuaScript(`${LUA_NOW}
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
local count = redis.call('ZCARD', KEYS[1])
if count == 0 then return {'OFFLINE', 0} end
return {redis.call('GET', KEYS[2]) or 'ONLINE', count}`);

/** KEYS lock; ARGV token. Releases the lock only if it is still ours. */
const UNLOCK = new LuaScript(`if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0`);

/** A holder that died keeps a user's lock this long at most. */
const LOCK_MS = 5_000;
const LOCK_RETRY_MS = 10;

/**
 * Presence shared by every instance through Redis. An entry lives 3/4 of PRESENCE_TTL and
 * is refreshed every 1/4, and every instance sweeps every 1/4: a dead instance's users are
 * OFFLINE within PRESENCE_TTL of its last refresh.
 */
export class RedisPresenceRegistry implements PresenceRegistry {
  readonly shared = true;
  readonly tickMs: number;
  readonly #lifetimeMs: number;
  readonly #local = new Map<number, Set<string>>();

  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    ttlSeconds: number,
  ) {
    this.tickMs = Math.max(50, Math.floor((ttlSeconds * 1000) / 4));
    this.#lifetimeMs = ttlSeconds * 1000 - this.tickMs;
  }

  async connect(
    userId: number,
    connectionId: string,
    max: number,
  ): Promise<PresenceTransition | undefined> {
    const [outcome, count] = (await CONNECT.run(this.redis, this.#keys(userId), [
      connectionId,
      this.#lifetimeMs,
      max,
      userId,
    ])) as [number, number];
    if (outcome < 0) return undefined;
    let local = this.#local.get(userId);
    if (!local) {
      local = new Set();
      this.#local.set(userId, local);
    }
    local.add(connectionId);
    return { status: outcome === 1 ? 'ONLINE' : undefined, connectionCount: count };
  }

  async disconnect(userId: number, connectionId: string): Promise<PresenceTransition> {
    const local = this.#local.get(userId);
    local?.delete(connectionId);
    if (local?.size === 0) this.#local.delete(userId);
    const [changed, count] = (await DISCONNECT.run(this.redis, this.#keys(userId), [
      connectionId,
      userId,
    ])) as [number, number];
    return { status: changed === 1 ? 'OFFLINE' : undefined, connectionCount: count };
  }

  async setStatus(
    userId: number,
    status: 'ONLINE' | 'AWAY',
  ): Promise<PresenceTransition | undefined> {
    const [conns, statusKey] = this.#keys(userId);
    const [outcome, count] = (await SET_STATUS.run(this.redis, [conns, statusKey], [status])) as [
      number,
      number,
    ];
    if (outcome < 0) return undefined;
    return { status: outcome === 1 ? status : undefined, connectionCount: count };
  }

  async connectionCounts(userIds: readonly number[]): Promise<Map<number, number>> {
    if (userIds.length === 0) return new Map();
    const keys = userIds.map((id) => this.#keys(id)[0]);
    const counts = (await COUNT.run(this.redis, keys, [])) as number[];
    return new Map(userIds.map((id, index) => [id, counts[index] ?? 0]));
  }

  async current(userId: number): Promise<{ status: PresenceStatus; connectionCount: number }> {
    const [conns, status] = this.#keys(userId);
    const [current, count] = (await CURRENT.run(this.redis, [conns, status], [])) as [
      PresenceStatus,
      number,
    ];
    return { status: current, connectionCount: count };
  }

  async exclusive<T>(userId: number, work: () => Promise<T>): Promise<T> {
    const key = `${this.prefix}presence:lock:${userId}`;
    const token = randomUUID();
    const giveUpAt = Date.now() + LOCK_MS;
    // Past LOCK_MS the holder's lock has expired anyway.
    while ((await this.redis.set(key, token, 'PX', LOCK_MS, 'NX')) === null) {
      if (Date.now() > giveUpAt) break;
      await delay(LOCK_RETRY_MS);
    }
    try {
      return await work();
    } finally {
      await UNLOCK.run(this.redis, [key], [token]).catch(() => undefined);
    }
  }

  localConnections(): Array<[number, string]> {
    return [...this.#local].flatMap(([userId, connections]) =>
      [...connections].map((id): [number, string] => [userId, id]),
    );
  }

  async tick(): Promise<{ revived: number[]; expired: ExpiredUser[] }> {
    const refreshed = await Promise.all(
      [...this.#local].map(async ([userId, connections]) => {
        const revived = await REFRESH.run(this.redis, this.#keys(userId), [
          this.#lifetimeMs,
          userId,
          ...connections,
        ]);
        return revived === 1 ? [userId] : [];
      }),
    );
    const gone = (await SWEEP.run(this.redis, [this.#usersKey()], [this.prefix])) as string[];
    const expired: ExpiredUser[] = [];
    for (let i = 0; i + 1 < gone.length; i += 2) {
      expired.push({
        userId: Number(gone[i]),
        lastSeenMs: Number(gone[i + 1]) - this.#lifetimeMs,
      });
    }
    return { revived: refreshed.flat(), expired };
  }

  #keys(userId: number): [string, string, string] {
    return [
      `${this.prefix}presence:conns:${userId}`,
      `${this.prefix}presence:status:${userId}`,
      this.#usersKey(),
    ];
  }

  #usersKey(): string {
    return `${this.prefix}presence:users`;
  }
}
