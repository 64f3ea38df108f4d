import type { Events, PresenceEvent } from '../pubsub/events.js';
import { LiveQueue } from '../pubsub/live-queue.js';
import type { PubSub } from '../pubsub/pubsub.js';
import type { PresenceRow } from '../storage/database.js';
import type { Db } from '../storage/db.js';
import {
  findPresence,
  markEveryoneOffline,
  markOffline,
  onlineUserIds,
  type PresenceStatus,
  savePresence,
  touchLastSeen,
} from '../storage/repositories/presence.js';
import { isMember } from '../storage/repositories/rooms.js';
import { badInput } from './errors.js';
import {
  MemoryPresenceRegistry,
  type PresenceRegistry,
  type PresenceTransition,
} from './presence-registry.js';
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
 * OFFLINE when the last closes (or, with several instances, when the instance holding it
 * dies and its entries expire). Stored, so it survives restarts; emitted once per change.
 * The registry decides each change (in Redis when shared), this service stores and emits it.
 */
export class PresenceService {
  #writes: Promise<void> = Promise.resolve();
  #heartbeat: NodeJS.Timeout | undefined;
  #ticker: NodeJS.Timeout | undefined;

  constructor(
    private readonly db: Db,
    private readonly pubsub: PubSub<Events>,
    private readonly rooms: RoomService,
    private readonly heartbeatMs: number,
    private readonly registry: PresenceRegistry = new MemoryPresenceRegistry(),
  ) {}

  async start(): Promise<void> {
    if (this.registry.shared) {
      // Other instances serve their users: only those connected nowhere are reset.
      const stored = await onlineUserIds(this.db, undefined);
      const counts = await this.registry.connectionCounts(stored.map((row) => row.user_id));
      await markOffline(
        this.db,
        stored.map((row) => row.user_id).filter((id) => (counts.get(id) ?? 0) === 0),
      );
    } else {
      // Nobody is connected to a server that just started.
      await markEveryoneOffline(this.db);
    }
    // lastSeenAt of connected users moves on, so after a crash it is their last activity.
    this.#heartbeat = setInterval(() => {
      const ids = [...new Set(this.registry.localConnections().map(([userId]) => userId))];
      this.#write(() => touchLastSeen(this.db, ids, now()));
    }, this.heartbeatMs);
    this.#heartbeat.unref();
    const { tickMs } = this.registry;
    if (tickMs !== undefined) {
      this.#ticker = setInterval(() => void this.#tick().catch(() => undefined), tickMs);
      this.#ticker.unref();
    }
  }

  /** The instance's connections end with it (others may still hold some of the same users). */
  async stop(): Promise<void> {
    clearInterval(this.#heartbeat);
    clearInterval(this.#ticker);
    for (const [userId, connectionId] of this.registry.localConnections())
      await this.disconnected(userId, connectionId);
    await this.#writes;
  }

  /** False, registering nothing, when the user already has `maxConnections` connections. */
  connected(userId: number, connectionId: string, maxConnections: number): Promise<boolean> {
    return this.#decide(async () => {
      const transition = await this.registry.connect(userId, connectionId, maxConnections);
      if (!transition) return false;
      await this.#apply(userId, transition);
      return true;
    });
  }

  async disconnected(userId: number, connectionId: string): Promise<void> {
    await this.#decide(async () =>
      this.#apply(userId, await this.registry.disconnect(userId, connectionId)),
    ).catch(() => undefined);
  }

  async set(viewer: Viewer, status: PresenceStatus): Promise<PresenceView> {
    if (status === 'OFFLINE')
      throw badInput('OFFLINE follows from closing every connection', 'status');
    // Without an open connection there is nothing to be away from: nothing changes.
    await this.#decide(async () => {
      const transition = await this.registry.setStatus(viewer.id, status);
      if (transition) await this.#apply(viewer.id, transition);
    });
    const [view] = await this.of([viewer.id]);
    if (!view) throw new Error(`user ${viewer.id} has no presence`);
    return view;
  }

  async of(userIds: readonly number[]): Promise<PresenceView[]> {
    const rows = await findPresence(this.db, userIds);
    const byId = new Map(rows.map((row) => [row.user_id, row]));
    const counts = await this.registry.connectionCounts(rows.map((row) => row.user_id));
    return userIds.flatMap((id) => {
      const row = byId.get(id);
      return row ? [view(row, counts)] : [];
    });
  }

  async online(viewer: Viewer, roomId: string | null | undefined): Promise<PresenceView[]> {
    const room = roomId ? await this.rooms.visibleRoom(viewer, roomId) : undefined;
    const rows = await onlineUserIds(this.db, room?.id);
    const counts = await this.registry.connectionCounts(rows.map((row) => row.user_id));
    return rows.map((row) => view(row, counts));
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

  /**
   * Stores a decided change and emits it (to every instance). With several instances two
   * changes of one user may be decided on two of them at once: under the user's lock, what
   * is stored is the registry's state now, so the last write is the latest state, and a
   * change is emitted only by the write that makes it.
   */
  async #apply(
    userId: number,
    { status: decided }: PresenceTransition,
    offlineAt: string = now(),
  ): Promise<void> {
    if (decided === undefined) return;
    await this.registry.exclusive(userId, async () => {
      const { status, connectionCount } = await this.registry.current(userId);
      const [stored] = await findPresence(this.db, [userId]);
      if (!stored || stored.status === status) return;
      const at = status === 'OFFLINE' && decided === 'OFFLINE' ? offlineAt : now();
      const next: PresenceRow = { user_id: userId, status, last_seen_at: at };
      await savePresence(this.db, next);
      this.pubsub.publish('presence', '*', { presence: next, connectionCount });
    });
  }

  /**
   * Keeps this instance's connections alive and sets OFFLINE those of dead instances. The
   * refresh does not wait behind queued presence writes (its entries must not expire
   * meanwhile); what it found is applied in their order.
   */
  async #tick(): Promise<void> {
    const { revived, expired } = await this.registry.tick();
    if (revived.length === 0 && expired.length === 0) return;
    const counts = await this.registry.connectionCounts(revived);
    await this.#decide(async () => {
      for (const userId of revived)
        await this.#apply(userId, { status: 'ONLINE', connectionCount: counts.get(userId) ?? 0 });
      for (const { userId, lastSeenMs } of expired)
        await this.#apply(
          userId,
          { status: 'OFFLINE', connectionCount: 0 },
          new Date(lastSeenMs).toISOString(),
        );
    });
  }

  /** Decisions and their writes run one after another, so they apply and emit in order. */
  #decide<T>(decision: () => Promise<T>): Promise<T> {
    const result = this.#writes.then(decision);
    this.#writes = result.then(
      () => undefined,
      () => undefined,
    );
    return result;
  }

  #write(write: () => Promise<void>): void {
    void this.#decide(write).catch(() => undefined);
  }
}

function view(row: PresenceRow, counts: ReadonlyMap<number, number>): PresenceView {
  return {
    userId: row.user_id,
    status: row.status,
    lastSeenAt: row.last_seen_at,
    connectionCount: counts.get(row.user_id) ?? 0,
  };
}

export function presenceUserIds(ids: readonly string[]): number[] {
  return ids.flatMap((id) => {
    const parsed = parseId(id);
    return parsed === undefined ? [] : [parsed];
  });
}
