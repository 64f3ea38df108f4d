import type { PresenceStatus } from '../storage/repositories/presence.js';

/** What a connection event did to its user: the new status if it changed, and their connections. */
export interface PresenceTransition {
  readonly status: PresenceStatus | undefined;
  readonly connectionCount: number;
}

/** A user whose every connection expired (their instance died), and when one was last seen. */
export interface ExpiredUser {
  readonly userId: number;
  readonly lastSeenMs: number;
}

/**
 * Who is connected, and each connected user's status (ONLINE or AWAY): in this process, or
 * shared by every instance (Redis). Each change is reported to exactly one caller, so it is
 * stored and emitted once.
 */
export interface PresenceRegistry {
  /** True when other instances share it: a starting instance must not reset anyone. */
  readonly shared: boolean;
  /** How often `tick` must run, if at all. */
  readonly tickMs: number | undefined;
  /** Registers a connection; undefined (nothing registered) when its user has `max` already. */
  connect(
    userId: number,
    connectionId: string,
    max: number,
  ): Promise<PresenceTransition | undefined>;
  disconnect(userId: number, connectionId: string): Promise<PresenceTransition>;
  /** Undefined when the user has no connection: there is nothing to set. */
  setStatus(userId: number, status: 'ONLINE' | 'AWAY'): Promise<PresenceTransition | undefined>;
  connectionCounts(userIds: readonly number[]): Promise<Map<number, number>>;
  /** The user's status now (OFFLINE without a live connection) and their connections. */
  current(userId: number): Promise<{ status: PresenceStatus; connectionCount: number }>;
  /** Runs `work` while no other instance runs work for this user. */
  exclusive<T>(userId: number, work: () => Promise<T>): Promise<T>;
  /** This instance's connections: [userId, connectionId]. */
  localConnections(): Array<[number, string]>;
  /**
   * Keeps this instance's connections alive; returns users seen again after their entries
   * were lost (now ONLINE again) and users whose connections all expired (now OFFLINE).
   */
  tick(): Promise<{ revived: number[]; expired: ExpiredUser[] }>;
}

interface LocalUser {
  readonly connections: Set<string>;
  status: 'ONLINE' | 'AWAY';
}

/** The embedded default: connections of this process only. */
export class MemoryPresenceRegistry implements PresenceRegistry {
  readonly shared = false;
  readonly tickMs = undefined;
  readonly #users = new Map<number, LocalUser>();

  async connect(
    userId: number,
    connectionId: string,
    max: number,
  ): Promise<PresenceTransition | undefined> {
    const user = this.#users.get(userId);
    if (!user) {
      this.#users.set(userId, { connections: new Set([connectionId]), status: 'ONLINE' });
      return { status: 'ONLINE', connectionCount: 1 };
    }
    if (user.connections.size >= max) return undefined;
    user.connections.add(connectionId);
    return { status: undefined, connectionCount: user.connections.size };
  }

  async disconnect(userId: number, connectionId: string): Promise<PresenceTransition> {
    const user = this.#users.get(userId);
    if (!user) return { status: undefined, connectionCount: 0 };
    user.connections.delete(connectionId);
    if (user.connections.size > 0)
      return { status: undefined, connectionCount: user.connections.size };
    this.#users.delete(userId);
    return { status: 'OFFLINE', connectionCount: 0 };
  }

  async setStatus(
    userId: number,
    status: 'ONLINE' | 'AWAY',
  ): Promise<PresenceTransition | undefined> {
    const user = this.#users.get(userId);
    if (!user) return undefined;
    const changed = user.status !== status;
    user.status = status;
    return { status: changed ? status : undefined, connectionCount: user.connections.size };
  }

  async connectionCounts(userIds: readonly number[]): Promise<Map<number, number>> {
    return new Map(userIds.map((id) => [id, this.#users.get(id)?.connections.size ?? 0]));
  }

  async current(userId: number): Promise<{ status: PresenceStatus; connectionCount: number }> {
    const user = this.#users.get(userId);
    return user
      ? { status: user.status, connectionCount: user.connections.size }
      : { status: 'OFFLINE', connectionCount: 0 };
  }

  /** One process: its presence writes already run one after another. */
  exclusive<T>(_userId: number, work: () => Promise<T>): Promise<T> {
    return work();
  }

  localConnections(): Array<[number, string]> {
    return [...this.#users].flatMap(([userId, user]) =>
      [...user.connections].map((id): [number, string] => [userId, id]),
    );
  }

  async tick(): Promise<{ revived: number[]; expired: ExpiredUser[] }> {
    return { revived: [], expired: [] };
  }
}
