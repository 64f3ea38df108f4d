import type { Events } from '../pubsub/events.js';
import type { PubSub } from '../pubsub/pubsub.js';
import type { RoomRow } from '../storage/database.js';
import type { Db } from '../storage/db.js';
import { deleteRoomAndContents, type RoomRole, roleOf } from '../storage/repositories/roles.js';
import { findUserById } from '../storage/repositories/users.js';
import { badInput, forbidden, notFound } from './errors.js';
import type { RoomService } from './rooms.js';
import { roomStream } from './streams.js';
import { parseId } from './validation.js';
import type { Viewer } from './viewer.js';

/** The OWNER role: removing members and deleting the room. */
export class ModerationService {
  constructor(
    private readonly db: Db,
    private readonly pubsub: PubSub<Events>,
    private readonly rooms: RoomService,
  ) {}

  async role(roomId: number, userId: number): Promise<RoomRole | null> {
    return (await roleOf(this.db, roomId, userId)) ?? null;
  }

  /** As if they had left; a user who is not a member leaves the room unchanged. */
  async remove(viewer: Viewer, roomId: string, userId: string): Promise<RoomRow> {
    const room = await this.rooms.visibleRoom(viewer, roomId);
    const id = parseId(userId);
    if (id === viewer.id) throw badInput('to leave a room, use leaveRoom', 'userId');
    await this.#assertOwner(viewer, room);
    const user = id === undefined ? undefined : await findUserById(this.db, id);
    if (!user) throw notFound('user');
    return this.rooms.removeMember(room, user);
  }

  /**
   * The room, its messages and memberships go in one transaction; then every
   * subscription on it completes: its stream's readers get `closed`, and anything else
   * keyed by the room (presence, read receipts, typing) listens for `roomDeleted`.
   */
  async deleteRoom(viewer: Viewer, roomId: string): Promise<boolean> {
    const room = await this.rooms.visibleRoom(viewer, roomId);
    await this.#assertOwner(viewer, room);
    const streamId = roomStream(room.id);
    await this.db.transaction().execute((trx) => deleteRoomAndContents(trx, room.id, streamId));
    this.pubsub.publish('stream', streamId, { type: 'closed' });
    this.pubsub.publish('roomDeleted', String(room.id), { roomId: room.id });
    return true;
  }

  async #assertOwner(viewer: Viewer, room: RoomRow): Promise<void> {
    if ((await roleOf(this.db, room.id, viewer.id)) !== 'OWNER')
      throw forbidden("only the room's OWNER may do this");
  }
}
