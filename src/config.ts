/** The only reader of the environment: parsed once, validated, frozen. */
export interface Config {
  readonly port: number;
  readonly host: string;
  readonly sqlitePath: string;
  /** FULL survives a power loss; NORMAL (faster) survives a process crash only. */
  readonly sqliteSynchronous: SqliteSynchronous;
  readonly databaseUrl: string | undefined;
  readonly redisUrl: string | undefined;
  /** Prepended to every Redis key and channel: deployments (or test servers) sharing a Redis stay apart. */
  readonly redisPrefix: string;
  /** Undefined outside production: a development secret is kept beside the data. */
  readonly jwtSecret: string | undefined;
  readonly tokenTtlSeconds: number;
  readonly adminUsers: ReadonlySet<string>;
  readonly maxMessageLength: number;
  readonly sendRatePerSecond: number;
  readonly sendBurst: number;
  readonly maxConnectionsPerUser: number;
  readonly maxSubscriptionsPerConnection: number;
  readonly presenceTtlSeconds: number;
  /** Delivery positions are written in one batch this often (and on disconnect and stop). */
  readonly deliveryFlushMs: number;
  /** Messages read from storage per query while a subscription replays. */
  readonly replayPageSize: number;
  readonly retentionDays: number | undefined;
  /** How long `typing: true` lasts unless repeated (FEATURES.md: 6 s). */
  readonly typingExpiryMs: number;
  /** At most one forwarded typing change per user and room or conversation in this time. */
  readonly typingIntervalMs: number;
  readonly production: boolean;
  /** Introspection queries answered; off in production unless GRAPHQL_INTROSPECTION=true. */
  readonly introspection: boolean;
  /** GraphiQL served to browsers; off in production unless GRAPHIQL=true. */
  readonly graphiql: boolean;
  readonly documentLimits: DocumentLimits;
  /** HTTP request bodies over this are refused with 413 before parsing. */
  readonly maxBodyBytes: number;
  /** graphql-ws messages over this close their socket with 1009. */
  readonly maxWsMessageBytes: number;
  /** SEMANTICS.md "slow reader": a graphql-ws connection holding more unsent live output is closed with 4413. */
  readonly maxUnsentLiveBytes: number;
  /** A graphql-ws socket without connection_init this long is closed with 4408. */
  readonly connectionInitTimeoutMs: number;
  /** pino level: fatal, error, warn, info, debug, trace or silent. */
  readonly logLevel: LogLevel;
}

/** Limits on one GraphQL document, checked before anything runs. */
export interface DocumentLimits {
  readonly depth: number;
  readonly aliases: number;
  readonly tokens: number;
  readonly directives: number;
  /** graphql-armor's estimate: objects 2, scalars 1, ×1.5 per level, × literal first/last. */
  readonly cost: number;
}

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

function logLevel(env: Env): LogLevel {
  const raw = (optionalString(env, 'LOG_LEVEL') ?? 'info').toLowerCase();
  const level = LOG_LEVELS.find((name) => name === raw);
  if (!level)
    throw new ConfigError(`LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}, got "${raw}"`);
  return level;
}

export type SqliteSynchronous = 'FULL' | 'NORMAL';

export class ConfigError extends Error {
  override name = 'ConfigError';
}

type Env = Readonly<Record<string, string | undefined>>;

function integer(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw.trim() === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new ConfigError(`${name} must be an integer from ${min} to ${max}, got "${raw}"`);
  }
  return value;
}

function synchronous(env: Env): SqliteSynchronous {
  const raw = (optionalString(env, 'SQLITE_SYNCHRONOUS') ?? 'FULL').toUpperCase();
  if (raw !== 'FULL' && raw !== 'NORMAL') {
    throw new ConfigError(`SQLITE_SYNCHRONOUS must be FULL or NORMAL, got "${raw}"`);
  }
  return raw;
}

function flag(env: Env, name: string, fallback: boolean): boolean {
  const raw = optionalString(env, name)?.toLowerCase();
  if (raw === undefined) return fallback;
  if (raw === 'true' || raw === '1') return true;
  if (raw === 'false' || raw === '0') return false;
  throw new ConfigError(`${name} must be true or false, got "${raw}"`);
}

function optionalString(env: Env, name: string): string | undefined {
  const raw = env[name]?.trim();
  return raw ? raw : undefined;
}

export function loadConfig(env: Env = process.env): Config {
  const production = env.NODE_ENV === 'production';
  const jwtSecret = optionalString(env, 'JWT_SECRET');
  if (production && !jwtSecret)
    throw new ConfigError('JWT_SECRET is required when NODE_ENV=production');
  if (jwtSecret !== undefined && jwtSecret.length < 16) {
    throw new ConfigError('JWT_SECRET must be at least 16 characters');
  }
  const databaseUrl = optionalString(env, 'DATABASE_URL');
  if (databaseUrl && !/^postgres(ql)?:\/\//.test(databaseUrl)) {
    throw new ConfigError('DATABASE_URL must be a postgres:// URL');
  }
  const redisUrl = optionalString(env, 'REDIS_URL');
  if (redisUrl && !/^rediss?:\/\//.test(redisUrl)) {
    throw new ConfigError('REDIS_URL must be a redis:// or rediss:// URL');
  }
  const retention = optionalString(env, 'RETENTION_DAYS');
  return Object.freeze({
    port: integer(env, 'PORT', 4000, 0, 65535),
    host: optionalString(env, 'HOST') ?? '127.0.0.1',
    sqlitePath: optionalString(env, 'SQLITE_PATH') ?? './data/switchboard.sqlite',
    sqliteSynchronous: synchronous(env),
    databaseUrl,
    redisUrl,
    redisPrefix: optionalString(env, 'REDIS_PREFIX') ?? 'switchboard:',
    jwtSecret,
    tokenTtlSeconds: integer(env, 'TOKEN_TTL', 604_800, 1, 10 * 365 * 86_400),
    adminUsers: new Set(
      (env.ADMIN_USERS ?? '')
        .split(',')
        .map((name) => name.trim().toLowerCase())
        .filter(Boolean),
    ),
    maxMessageLength: integer(env, 'MAX_MESSAGE_LENGTH', 4000, 1, 1_000_000),
    sendRatePerSecond: integer(env, 'SEND_RATE_PER_SECOND', 20, 1, 10_000_000),
    sendBurst: integer(env, 'SEND_BURST', 40, 1, 10_000_000),
    maxConnectionsPerUser: integer(env, 'MAX_CONNECTIONS_PER_USER', 5, 1, 1_000_000),
    maxSubscriptionsPerConnection: integer(
      env,
      'MAX_SUBSCRIPTIONS_PER_CONNECTION',
      100,
      1,
      1_000_000,
    ),
    presenceTtlSeconds: integer(env, 'PRESENCE_TTL', 30, 1, 86_400),
    deliveryFlushMs: integer(env, 'DELIVERY_FLUSH_MS', 1000, 10, 3_600_000),
    replayPageSize: integer(env, 'REPLAY_PAGE_SIZE', 500, 1, 10_000),
    retentionDays:
      retention === undefined ? undefined : integer(env, 'RETENTION_DAYS', 0, 1, 1_000_000),
    typingExpiryMs: integer(env, 'TYPING_EXPIRY_MS', 6_000, 1, 3_600_000),
    typingIntervalMs: integer(env, 'TYPING_INTERVAL_MS', 1_000, 0, 3_600_000),
    production,
    introspection: flag(env, 'GRAPHQL_INTROSPECTION', !production),
    graphiql: flag(env, 'GRAPHIQL', !production),
    documentLimits: Object.freeze({
      depth: integer(env, 'MAX_QUERY_DEPTH', 12, 1, 1000),
      aliases: integer(env, 'MAX_QUERY_ALIASES', 50, 0, 100_000),
      tokens: integer(env, 'MAX_QUERY_TOKENS', 1000, 1, 1_000_000),
      directives: integer(env, 'MAX_QUERY_DIRECTIVES', 50, 0, 100_000),
      cost: integer(env, 'MAX_QUERY_COST', 20_000, 1, 1_000_000_000),
    }),
    maxBodyBytes: integer(env, 'MAX_BODY_BYTES', 1024 * 1024, 1024, 1024 * 1024 * 1024),
    maxWsMessageBytes: integer(env, 'MAX_WS_MESSAGE_BYTES', 64 * 1024, 1024, 1024 * 1024 * 1024),
    maxUnsentLiveBytes: integer(
      env,
      'MAX_UNSENT_LIVE_BYTES',
      4 * 1024 * 1024,
      1024,
      1024 * 1024 * 1024,
    ),
    connectionInitTimeoutMs: integer(env, 'CONNECTION_INIT_TIMEOUT_MS', 3000, 1, 600_000),
    logLevel: logLevel(env),
  });
}
