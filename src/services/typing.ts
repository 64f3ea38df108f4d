import type { Events, TypingChange } from '../pubsub/events.js';
import { audienceKey } from '../pubsub/events.js';
import type { PubSub } from '../pubsub/pubsub.js';
import type { RoomRow, UserRow } from '../storage/database.js';
import type { Db } from '../storage/db.js';
import { isMember } from '../storage/repositories/rooms.js';
import { badInput, notFound } from './errors.js';
import { liveFeed, whileInRoom } from './live-feed.js';
import { type ChatTarget, memberRoom } from './read-target.js';
import type { RoomService } from './rooms.js';
import type { TypingTracker } from './typing-tracker.js';
import type { UserDirectory } from './users.js';
import type { Viewer } from './viewer.js';

export interface TypingView {
  userId: number;
  roomId: number | null;
  typing: boolean;
}

/** Where a forwarded change is published: to the room's followers, or to the one user. */
export function publishTyping(pubsub: PubSub<Events>, change: TypingChange): void {
  const key =
    change.roomId !== null
      ? audienceKey({ roomId: change.roomId })
      : audienceKey({ userId: change.toUserId ?? change.userId });
  pubsub.publish('typing', key, change);
}

/** Typing indicators: ephemeral, paced and expired by the tracker, for room members or one user. */
export class TypingService {
  constructor(
    private readonly db: Db,
    private readonly pubsub: PubSub<Events>,
    private readonly rooms: RoomService,
    private readonly users: UserDirectory,
    private readonly tracker: TypingTracker,
  ) {}

  async set(viewer: Viewer, target: ChatTarget, typing: boolean): Promise<boolean> {
    if (target.kind === 'room') {
      const room = await this.#memberRoom(viewer, target.roomId);
      this.tracker.set(viewer.id, { roomId: room.id }, typing);
    } else {
      const recipient = await this.#user(target.userId);
      this.tracker.set(viewer.id, { toUserId: recipient.id }, typing);
    }
    return true;
  }

  /** A room's typing; one user's typing to the viewer; or, with neither, all typing to the viewer. */
  async subscribe(
    viewer: Viewer,
    roomId: string | null | undefined,
    fromUserId: string | null | undefined,
  ): Promise<AsyncIterableIterator<TypingView>> {
    const hasRoom = roomId !== null && roomId !== undefined;
    const hasUser = fromUserId !== null && fromUserId !== undefined;
    if (hasRoom && hasUser) throw badInput('give at most one of roomId and fromUserId', 'roomId');
    if (hasRoom) {
      const room = await this.#memberRoom(viewer, roomId);
      return liveFeed<TypingChange, TypingView>(
        (push) => this.pubsub.subscribe('typing', audienceKey({ roomId: room.id }), push),
        async (change) => {
          if (change.userId === viewer.id) return 'skip';
          if (!(await isMember(this.db, room.id, viewer.id))) return 'end';
          return { view: { userId: change.userId, roomId: room.id, typing: change.typing } };
        },
        whileInRoom(this.pubsub, room.id, viewer.id),
      );
    }
    const from = hasUser ? (await this.#user(fromUserId)).id : undefined;
    return liveFeed<TypingChange, TypingView>(
      (push) => this.pubsub.subscribe('typing', audienceKey({ userId: viewer.id }), push),
      async (change) =>
        change.userId === viewer.id || (from !== undefined && change.userId !== from)
          ? 'skip'
          : { view: { userId: change.userId, roomId: null, typing: change.typing } },
    );
  }

  stop(): void {
    this.tracker.stop();
  }

  #memberRoom(viewer: Viewer, roomId: string): Promise<RoomRow> {
    return memberRoom(this.rooms, viewer, roomId, 'typing');
  }

  async #user(userId: string): Promise<UserRow> {
    const user = await this.users.byExternalId(userId);
    if (!user) throw notFound('user');
    return user;
  }
}
