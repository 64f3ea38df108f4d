import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/config.js';

describe('configuration', () => {
  it('has the documented defaults', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      port: 4000,
      host: '127.0.0.1',
      sqlitePath: './data/switchboard.sqlite',
      sqliteSynchronous: 'FULL',
      tokenTtlSeconds: 604_800,
      maxMessageLength: 4000,
      sendRatePerSecond: 20,
      sendBurst: 40,
      maxConnectionsPerUser: 5,
      maxSubscriptionsPerConnection: 100,
      presenceTtlSeconds: 30,
      retentionDays: undefined,
      production: false,
      logLevel: 'info',
    });
  });

  it('shares state through Redis only when REDIS_URL is given, under a key prefix', () => {
    expect(loadConfig({})).toMatchObject({ redisUrl: undefined, redisPrefix: 'switchboard:' });
    expect(
      loadConfig({ REDIS_URL: 'redis://127.0.0.1:6379/2', REDIS_PREFIX: 'eu-1:' }),
    ).toMatchObject({ redisUrl: 'redis://127.0.0.1:6379/2', redisPrefix: 'eu-1:' });
  });

  it('reads admins case-insensitively and trims them', () => {
    const config = loadConfig({ ADMIN_USERS: ' Root, ops ,' });
    expect([...config.adminUsers]).toEqual(['root', 'ops']);
  });

  it.each([
    [{ PORT: 'eighty' }, /PORT must be an integer/],
    [{ PORT: '70000' }, /PORT must be an integer from 0 to 65535/],
    [{ TOKEN_TTL: '0' }, /TOKEN_TTL/],
    [{ SEND_BURST: '1.5' }, /SEND_BURST/],
    [{ RETENTION_DAYS: '-1' }, /RETENTION_DAYS/],
    [{ SQLITE_SYNCHRONOUS: 'OFF' }, /SQLITE_SYNCHRONOUS must be FULL or NORMAL/],
    [{ DATABASE_URL: 'mysql://localhost/db' }, /DATABASE_URL must be a postgres/],
    [{ REDIS_URL: '127.0.0.1:6379' }, /REDIS_URL must be a redis:\/\/ or rediss:\/\/ URL/],
    [{ JWT_SECRET: 'short' }, /JWT_SECRET must be at least 16/],
    [{ NODE_ENV: 'production' }, /JWT_SECRET is required/],
    [{ LOG_LEVEL: 'loud' }, /LOG_LEVEL must be one of/],
  ])('refuses %o with a clear message', (env, message) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(message);
  });
  it('has the documented limits, and turns introspection and GraphiQL off in production', () => {
    expect(loadConfig({})).toMatchObject({
      introspection: true,
      graphiql: true,
      documentLimits: { depth: 12, aliases: 50, tokens: 1000, directives: 50, cost: 20_000 },
      maxBodyBytes: 1_048_576,
      maxWsMessageBytes: 65_536,
      maxUnsentLiveBytes: 4_194_304,
      connectionInitTimeoutMs: 3000,
    });
    const production = { NODE_ENV: 'production', JWT_SECRET: 'a-secret-that-is-long-enough' };
    expect(loadConfig(production)).toMatchObject({ introspection: false, graphiql: false });
    expect(
      loadConfig({ ...production, GRAPHQL_INTROSPECTION: 'true', GRAPHIQL: '1' }),
    ).toMatchObject({ introspection: true, graphiql: true });
    expect(loadConfig({ GRAPHQL_INTROSPECTION: 'false' }).introspection).toBe(false);
    expect(() => loadConfig({ GRAPHIQL: 'yes' })).toThrow(/GRAPHIQL must be true or false/);
    expect(() => loadConfig({ MAX_QUERY_COST: '0' })).toThrow(/MAX_QUERY_COST/);
  });
});
