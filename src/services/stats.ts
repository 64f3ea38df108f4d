import type { Db } from '../storage/db.js';
import { forbidden } from './errors.js';
import type { Viewer } from './viewer.js';

export interface ServerStats {
  /** Open WebSocket connections on this instance. */
  connections: number;
  onlineUsers: number;
  rooms: number;
  /** Messages sent in the last minute, per second. */
  messagesPerSecond: number;
  users: number;
}

/** Seconds over which messagesPerSecond is averaged. */
export const RATE_WINDOW_SECONDS = 60;

/** Admin-only counts for operators: how busy the hub is right now. */
export class StatsService {
  constructor(
    private readonly db: Db,
    private readonly openConnections: () => number,
  ) {}

  async stats(viewer: Viewer): Promise<ServerStats> {
    if (!viewer.isAdmin) throw forbidden('only admins read stats');
    const since = new Date(Date.now() - RATE_WINDOW_SECONDS * 1000).toISOString();
    const [online, rooms, recent, users] = await Promise.all([
      this.db
        .selectFrom('presence')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('status', '!=', 'OFFLINE')
        .executeTakeFirstOrThrow(),
      this.db
        .selectFrom('rooms')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .executeTakeFirstOrThrow(),
      this.db
        .selectFrom('messages')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('created_at', '>', since)
        .where('kind', '!=', 'SYSTEM')
        .executeTakeFirstOrThrow(),
      this.db
        .selectFrom('users')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .executeTakeFirstOrThrow(),
    ]);
    return {
      connections: this.openConnections(),
      onlineUsers: Number(online.n),
      rooms: Number(rooms.n),
      messagesPerSecond: Number(recent.n) / RATE_WINDOW_SECONDS,
      users: Number(users.n),
    };
  }
}
