import type { Events, PresenceEvent } from '../pubsub/events.js';
import { LiveQueue } from '../pubsub/live-queue.js';
import type { PubSub } from '../pubsub/pubsub.js';
import type { PresenceRow } from '../storage/database.js';
import type { Db } from '../storage/db.js';
import {
  findPresence,
  markEveryoneOffline,
  onlineUserIds,
  type PresenceStatus,
  savePresence,
  touchLastSeen,
} from '../storage/repositories/presence.js';
import { isMember } from '../storage/repositories/rooms.js';
import { badInput } from './errors.js';
import type { RoomService } from './rooms.js';
import { cancellable } from './stream-reader.js';
import { parseId } from './validation.js';
import { now, type Viewer } from './viewer.js';

export interface PresenceView {
  userId: number;
  status: PresenceStatus;
  lastSeenAt: string | null;
  connectionCount: number;
}

/**
 * Presence from graphql-ws connections: ONLINE while a user has one, AWAY on request,
 * OFFLINE when the last closes. Stored, so it survives restarts; emitted once per change.
 */
export class PresenceService {
  readonly #connections = new Map<number, number>();
  #writes: Promise<void> = Promise.resolve();
  #heartbeat: NodeJS.Timeout | undefined;

  constructor(
    private readonly db: Db,
    private readonly pubsub: PubSub<Events>,
    private readonly rooms: RoomService,
    private readonly heartbeatMs: number,
  ) {}

  /** Nobody is connected to a server that just started. */
  async start(): Promise<void> {
    await markEveryoneOffline(this.db);
    // lastSeenAt of connected users moves on, so after a crash it is their last activity.
    this.#heartbeat = setInterval(() => {
      const ids = [...this.#connections.keys()];
      this.#write(() => touchLastSeen(this.db, ids, now()));
    }, this.heartbeatMs);
    this.#heartbeat.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.#heartbeat);
    for (const userId of [...this.#connections.keys()]) {
      this.#connections.set(userId, 1);
      await this.disconnected(userId);
    }
    await this.#writes;
  }

  async connected(userId: number): Promise<void> {
    const count = (this.#connections.get(userId) ?? 0) + 1;
    this.#connections.set(userId, count);
    if (count === 1) await this.#change(userId, 'ONLINE');
  }

  async disconnected(userId: number): Promise<void> {
    const count = (this.#connections.get(userId) ?? 0) - 1;
    if (count > 0) {
      this.#connections.set(userId, count);
      return;
    }
    this.#connections.delete(userId);
    await this.#change(userId, 'OFFLINE');
  }

  async set(viewer: Viewer, status: PresenceStatus): Promise<PresenceView> {
    if (status === 'OFFLINE')
      throw badInput('OFFLINE follows from closing every connection', 'status');
    // Without an open connection there is nothing to be away from: nothing changes.
    if (this.#connections.has(viewer.id)) await this.#change(viewer.id, status);
    const [view] = await this.of([viewer.id]);
    if (!view) throw new Error(`user ${viewer.id} has no presence`);
    return view;
  }

  async of(userIds: readonly number[]): Promise<PresenceView[]> {
    const rows = await findPresence(this.db, userIds);
    const byId = new Map(rows.map((row) => [row.user_id, row]));
    return userIds.flatMap((id) => {
      const row = byId.get(id);
      return row ? [this.#view(row)] : [];
    });
  }

  async online(viewer: Viewer, roomId: string | null | undefined): Promise<PresenceView[]> {
    const room = roomId ? await this.rooms.visibleRoom(viewer, roomId) : undefined;
    const rows = await onlineUserIds(this.db, room?.id);
    return rows.map((row) => this.#view(row));
  }

  async subscribe(
    viewer: Viewer,
    roomId: string | null | undefined,
  ): Promise<AsyncIterableIterator<PresenceView>> {
    const room = roomId ? await this.rooms.visibleRoom(viewer, roomId) : undefined;
    // Presence is ephemeral: a stalled reader loses old changes, never the latest state.
    const queue = new LiveQueue<PresenceEvent>(1000);
    const offPresence = this.pubsub.subscribe('presence', '*', (event) => queue.push(event));
    // A room's presence ends with the room.
    const offDeleted = room
      ? this.pubsub.subscribe('roomDeleted', String(room.id), () => queue.close())
      : () => undefined;
    const unsubscribe = () => {
      offPresence();
      offDeleted();
    };
    const db = this.db;
    async function* run(): AsyncGenerator<PresenceView> {
      try {
        for (;;) {
          const next = await queue.next();
          if (next.kind === 'closed') return;
          if (next.kind === 'lagged') continue;
          const { presence, connectionCount } = next.item;
          if (room && !(await isMember(db, room.id, presence.user_id))) continue;
          yield {
            userId: presence.user_id,
            status: presence.status,
            lastSeenAt: presence.last_seen_at,
            connectionCount,
          };
        }
      } finally {
        unsubscribe();
        queue.close();
      }
    }
    return cancellable(run(), () => {
      unsubscribe();
      queue.close();
    });
  }

  #view(row: PresenceRow): PresenceView {
    return {
      userId: row.user_id,
      status: row.status,
      lastSeenAt: row.last_seen_at,
      connectionCount: this.#connections.get(row.user_id) ?? 0,
    };
  }

  /** Runs in the write chain, so concurrent connects and closes apply and emit in order. */
  #change(userId: number, status: PresenceStatus): Promise<void> {
    return this.#write(async () => {
      const [current] = await findPresence(this.db, [userId]);
      if (!current || current.status === status) return;
      const next: PresenceRow = { user_id: userId, status, last_seen_at: now() };
      await savePresence(this.db, next);
      this.pubsub.publish('presence', '*', {
        presence: next,
        connectionCount: this.#connections.get(userId) ?? 0,
      });
    });
  }

  /** Presence writes run one after another, so the stored status is the last one set. */
  #write(write: () => Promise<void>): Promise<void> {
    this.#writes = this.#writes.then(write).catch(() => undefined);
    return this.#writes;
  }
}

export function presenceUserIds(ids: readonly string[]): number[] {
  return ids.flatMap((id) => {
    const parsed = parseId(id);
    return parsed === undefined ? [] : [parsed];
  });
}
