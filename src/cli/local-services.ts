import type { Config } from '../config.js';
import type { Events } from '../pubsub/events.js';
import { MemoryPubSub } from '../pubsub/memory.js';
import { AuthService } from '../services/auth.js';
import { DeliveryPositions } from '../services/delivery-positions.js';
import { MessageService } from '../services/messages.js';
import { RateLimiter } from '../services/rate-limiter.js';
import { RoomService } from '../services/rooms.js';
import { TokenService } from '../services/tokens.js';
import { type Db, openDatabase } from '../storage/db.js';
import { migrateToLatest } from '../storage/migrate.js';
import { developmentSecret } from '../storage/secret.js';

/** The services a command-line tool needs, over the configured database, without a server. */
export interface LocalServices {
  db: Db;
  tokens: TokenService;
  auth: AuthService;
  rooms: RoomService;
  messages: MessageService;
  close(): Promise<void>;
}

/** No rate limit for scripts: a seed sends as fast as storage takes it. */
const UNLIMITED = 1_000_000_000;

export async function openLocalServices(config: Config): Promise<LocalServices> {
  // Same secret as the server (JWT_SECRET, or the development one beside the data).
  const tokens = new TokenService(
    config.jwtSecret ?? developmentSecret(config.sqlitePath),
    config.tokenTtlSeconds,
  );
  const db = openDatabase(config);
  await migrateToLatest(db);
  const pubsub = new MemoryPubSub<Events>();
  const positions = new DeliveryPositions(db, 1_000);
  const rooms = new RoomService(db, pubsub, positions);
  const messages = new MessageService(
    db,
    pubsub,
    rooms,
    new RateLimiter(UNLIMITED, UNLIMITED),
    positions,
    { db, pubsub, pageSize: 500, liveBufferBytes: 1024 * 1024 },
    { maxMessageLength: config.maxMessageLength, retention: config.retentionDays !== undefined },
  );
  return {
    db,
    tokens,
    auth: new AuthService(db, tokens, config.adminUsers),
    rooms,
    messages,
    close: async () => {
      await positions.stop();
      await pubsub.close();
      await db.destroy();
    },
  };
}
