import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { usePrometheus } from '@graphql-yoga/plugin-prometheus';
import type { Config } from './config.js';
import { schema } from './graphql/schema.js';
import { dbTimingPlugin } from './ops/db-timing.js';
import { graphqlMetricsPlugin } from './ops/graphql-metrics.js';
import { createLogger, type Logger, yogaLog } from './ops/logger.js';
import { Metrics } from './ops/metrics.js';
import { databaseCheck, type ReadinessCheck, redisCheck } from './ops/readiness.js';
import { observeWebSockets, withRequestLog } from './ops/request-log.js';
import { opsRoutes } from './ops/routes.js';
import type { Events } from './pubsub/events.js';
import { MemoryPubSub } from './pubsub/memory.js';
import type { PubSub } from './pubsub/pubsub.js';
import { RedisPubSub } from './pubsub/redis.js';
import { connectRedis, redisReady } from './redis/connection.js';
import { AuthService } from './services/auth.js';
import { DeliveryPositions } from './services/delivery-positions.js';
import { messageFeatures } from './services/features.js';
import { GroupCommit } from './services/group-commit.js';
import type { Services } from './services/index.js';
import { MessageService } from './services/messages.js';
import { PresenceService } from './services/presence.js';
import { RedisPresenceRegistry } from './services/presence-redis.js';
import { MemoryPresenceRegistry, type PresenceRegistry } from './services/presence-registry.js';
import { RateLimiter, type SendLimiter } from './services/rate-limiter.js';
import { RedisRateLimiter } from './services/rate-limiter-redis.js';
import { ReadStateService } from './services/read-state.js';
import { RetentionJob } from './services/retention.js';
import { RoomService } from './services/rooms.js';
import { StatsService } from './services/stats.js';
import { TokenService } from './services/tokens.js';
import { publishTyping, TypingService } from './services/typing.js';
import { MemoryTypingTracker } from './services/typing-memory.js';
import { ReplicatedTypingTracker } from './services/typing-replicated.js';
import type { TypingTracker } from './services/typing-tracker.js';
import { UserDirectory } from './services/users.js';
import { openDatabase } from './storage/db.js';
import { migrateToLatest } from './storage/migrate.js';
import { developmentSecret } from './storage/secret.js';
import { serveDemoPage } from './transport/demo-page.js';
import { GRAPHIQL_DEFAULT_QUERY } from './transport/graphiql-default.js';
import { createYogaApp, handleHttp } from './transport/http.js';
import { attachWebSocket } from './transport/ws.js';

export interface App {
  /** http://host:port/graphql */
  readonly url: string;
  /** ws://host:port/graphql */
  readonly wsUrl: string;
  readonly port: number;
  readonly logger: Logger;
  stop(): Promise<void>;
}

const PRESENCE_HEARTBEAT_MS = 15_000;
const RETENTION_INTERVAL_MS = 3_600_000;
/** How long a start waits for REDIS_URL to answer before it gives up. */
const REDIS_START_MS = 10_000;
/**
 * Other subscribers (SSE) hold at most this much live output each, then drop it and catch
 * up from storage at their own pace (a count of events would allow 40 MB at 4 KB each).
 */
const LIVE_BUFFER_BYTES = 4 * 1024 * 1024;

/** The composition root: storage, pub/sub, services, then the transports, from one config. */
export async function startApp(config: Config): Promise<App> {
  const logger = createLogger(config.logLevel);
  const metrics = new Metrics();
  const db = openDatabase(config).withPlugin(dbTimingPlugin(metrics.dbQueries));
  await migrateToLatest(db);
  const live = await liveBackends(config);
  // What /ready checks; each optional backend (Redis) adds its own.
  const readinessChecks: ReadinessCheck[] = [databaseCheck(db), ...live.checks];
  const { pubsub } = live;
  const tokens = new TokenService(
    config.jwtSecret ?? developmentSecret(config.sqlitePath),
    config.tokenTtlSeconds,
  );
  const positions = new DeliveryPositions(db, config.deliveryFlushMs);
  const rooms = new RoomService(db, pubsub, positions);
  const retention = config.retentionDays !== undefined;
  // One budget per user for sends, edits, reactions and replies alike.
  const { rateLimiter } = live;
  const messages = new MessageService(
    db,
    new GroupCommit(db),
    pubsub,
    rooms,
    rateLimiter,
    positions,
    {
      db,
      pubsub,
      pageSize: config.replayPageSize,
      liveBufferBytes: LIVE_BUFFER_BYTES,
      replay: metrics.replay,
    },
    { maxMessageLength: config.maxMessageLength, retention },
  );
  const users = new UserDirectory(db);
  const services: Services = {
    auth: new AuthService(db, tokens, config.adminUsers),
    users,
    rooms,
    messages,
    presence: new PresenceService(db, pubsub, rooms, PRESENCE_HEARTBEAT_MS, live.presence),
    ...messageFeatures(db, pubsub, rooms, messages, rateLimiter, config.maxMessageLength),
    stats: new StatsService(db, () => metrics.openConnections),
    readState: new ReadStateService(db, pubsub, rooms, positions, users),
    typing: new TypingService(
      db,
      pubsub,
      rooms,
      users,
      live.typing(
        new MemoryTypingTracker(
          { expiryMs: config.typingExpiryMs, intervalMs: config.typingIntervalMs },
          (change) => publishTyping(pubsub, change),
        ),
      ),
    ),
  };
  await services.presence.start();
  const retentionJob =
    config.retentionDays === undefined
      ? undefined
      : new RetentionJob(db, config.retentionDays, RETENTION_INTERVAL_MS);
  await retentionJob?.start();

  const yoga = createYogaApp(schema, services, config, {
    plugins: [
      usePrometheus({
        registry: metrics.registry,
        endpoint: false,
        // The two costliest per operation (a document walk, a quantile digest) are off.
        metrics: {
          graphql_envelop_deprecated_field: false,
          graphql_envelop_request_time_summary: false,
        },
      }),
      graphqlMetricsPlugin(metrics, logger),
    ],
    log: yogaLog(logger),
    graphiqlDefaultQuery: GRAPHIQL_DEFAULT_QUERY,
  });
  const ops = opsRoutes(metrics, { health: [databaseCheck(db)], ready: readinessChecks });
  const server = createServer(
    withRequestLog(logger, ops.isProbe, (req, res) => {
      if (ops.handle(req, res) || serveDemoPage(req, res)) return;
      void handleHttp(yoga, req, res, config.maxBodyBytes).catch(() => res.destroy());
    }),
  );
  observeWebSockets(server, yoga.graphqlEndpoint, metrics, logger);
  const ws = attachWebSocket(
    server,
    yoga,
    services,
    positions,
    {
      maxConnectionsPerUser: config.maxConnectionsPerUser,
      maxSubscriptionsPerConnection: config.maxSubscriptionsPerConnection,
      maxPayloadBytes: config.maxWsMessageBytes,
      maxUnsentLiveBytes: config.maxUnsentLiveBytes,
      connectionInitTimeoutMs: config.connectionInitTimeoutMs,
    },
    {
      deliveries: (field) => metrics.deliveryCounter(field),
      active: (field, change) => metrics.subscriptions.inc({ field }, change),
      slowConsumerClosed: () => metrics.slowConsumerCloses.inc(),
    },
  );
  await listen(server, config.port, config.host);
  const { port } = server.address() as AddressInfo;
  const host = config.host.includes(':') ? `[${config.host}]` : config.host;

  let stopping: Promise<void> | undefined;
  return {
    url: `http://${host}:${port}/graphql`,
    wsUrl: `ws://${host}:${port}/graphql`,
    port,
    logger,
    stop: () => {
      stopping ??= (async () => {
        const closed = new Promise<void>((resolve) => server.close(() => resolve()));
        await ws.close();
        server.closeIdleConnections();
        await closed;
        await retentionJob?.stop();
        await services.presence.stop();
        services.typing.stop();
        await positions.stop();
        await pubsub.close();
        await db.destroy();
      })();
      return stopping;
    },
  };
}

interface LiveBackends {
  pubsub: PubSub<Events>;
  presence: PresenceRegistry;
  rateLimiter: SendLimiter;
  /** The typing tracker for this instance, given the one that tracks in memory. */
  typing: (local: TypingTracker) => TypingTracker;
  checks: ReadinessCheck[];
}

/**
 * What instances must share to behave as one: in this process by default; with REDIS_URL,
 * in Redis (one connection for commands and publishes, one for subscriptions).
 */
async function liveBackends(config: Config): Promise<LiveBackends> {
  if (config.redisUrl === undefined) {
    return {
      pubsub: new MemoryPubSub<Events>(),
      presence: new MemoryPresenceRegistry(),
      rateLimiter: new RateLimiter(config.sendRatePerSecond, config.sendBurst),
      typing: (local) => local,
      checks: [],
    };
  }
  const settings = { url: config.redisUrl, prefix: config.redisPrefix };
  const commands = connectRedis(settings, 'commands');
  const subscriber = connectRedis(settings, 'subscriber');
  try {
    await Promise.all([commands, subscriber].map((redis) => redisReady(redis, REDIS_START_MS)));
  } catch (error) {
    commands.disconnect();
    subscriber.disconnect();
    throw error;
  }
  const pubsub = new RedisPubSub<Events>(commands, subscriber, {
    prefix: config.redisPrefix,
    // Entries are in storage: a reader that may have missed some reads them from there.
    resync: { stream: { type: 'resync' } },
    // Every instance's tracker sees every setTyping and tells its own followers.
    localTopics: new Set(['typing']),
  });
  return {
    pubsub,
    presence: new RedisPresenceRegistry(commands, config.redisPrefix, config.presenceTtlSeconds),
    rateLimiter: new RedisRateLimiter(
      commands,
      config.redisPrefix,
      config.sendRatePerSecond,
      config.sendBurst,
    ),
    typing: (local) => new ReplicatedTypingTracker(pubsub, local),
    checks: [redisCheck(commands, subscriber)],
  };
}

function listen(server: Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
}
