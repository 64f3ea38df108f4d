import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { sql } from 'kysely';
import type { Config } from './config.js';
import { schema } from './graphql/schema.js';
import type { Events } from './pubsub/events.js';
import { MemoryPubSub } from './pubsub/memory.js';
import { AuthService } from './services/auth.js';
import { DeliveryPositions } from './services/delivery-positions.js';
import type { Services } from './services/index.js';
import { MessageService } from './services/messages.js';
import { PresenceService } from './services/presence.js';
import { RateLimiter } from './services/rate-limiter.js';
import { RoomService } from './services/rooms.js';
import { TokenService } from './services/tokens.js';
import { UserDirectory } from './services/users.js';
import { type Db, openSqlite } from './storage/db.js';
import { migrateToLatest } from './storage/migrate.js';
import { developmentSecret } from './storage/secret.js';
import { createYogaApp } from './transport/http.js';
import { attachWebSocket } from './transport/ws.js';

export interface App {
  /** http://host:port/graphql */
  readonly url: string;
  /** ws://host:port/graphql */
  readonly wsUrl: string;
  readonly port: number;
  stop(): Promise<void>;
}

const POSITION_FLUSH_MS = 1_000;
const PRESENCE_HEARTBEAT_MS = 15_000;

/** The composition root: storage, pub/sub, services, then the transports, from one config. */
export async function startApp(config: Config): Promise<App> {
  const db = openSqlite(config.sqlitePath);
  await migrateToLatest(db);
  const pubsub = new MemoryPubSub<Events>();
  const tokens = new TokenService(
    config.jwtSecret ?? developmentSecret(config.sqlitePath),
    config.tokenTtlSeconds,
  );
  const positions = new DeliveryPositions(db, POSITION_FLUSH_MS);
  const rooms = new RoomService(db, pubsub, positions);
  const retention = config.retentionDays !== undefined;
  const services: Services = {
    auth: new AuthService(db, tokens, config.adminUsers),
    users: new UserDirectory(db),
    rooms,
    messages: new MessageService(
      db,
      pubsub,
      rooms,
      new RateLimiter(config.sendRatePerSecond, config.sendBurst),
      positions,
      { db, pubsub, pageSize: 500, liveBuffer: 10_000 },
      { maxMessageLength: config.maxMessageLength, retention },
    ),
    presence: new PresenceService(db, pubsub, rooms, PRESENCE_HEARTBEAT_MS),
  };
  await services.presence.start();

  const yoga = createYogaApp(schema, services, config.production);
  const server = createServer((req, res) => {
    if (req.url === '/health')
      return void health(db).then((ok) =>
        res.writeHead(ok ? 200 : 503).end(ok ? 'ok' : 'unavailable'),
      );
    void yoga.handle(req, res);
  });
  const ws = attachWebSocket(server, yoga, services, positions, {
    maxConnectionsPerUser: config.maxConnectionsPerUser,
    maxSubscriptionsPerConnection: config.maxSubscriptionsPerConnection,
    maxPayloadBytes: 64 * 1024,
  });
  await listen(server, config.port, config.host);
  const { port } = server.address() as AddressInfo;
  const host = config.host.includes(':') ? `[${config.host}]` : config.host;

  let stopping: Promise<void> | undefined;
  return {
    url: `http://${host}:${port}/graphql`,
    wsUrl: `ws://${host}:${port}/graphql`,
    port,
    stop: () => {
      stopping ??= (async () => {
        const closed = new Promise<void>((resolve) => server.close(() => resolve()));
        await ws.close();
        server.closeIdleConnections();
        await closed;
        await services.presence.stop();
        await positions.stop();
        await pubsub.close();
        await db.destroy();
      })();
      return stopping;
    },
  };
}

async function health(db: Db): Promise<boolean> {
  try {
    await sql`select 1`.execute(db);
    return true;
  } catch {
    return false;
  }
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
