import type { Events } from '../pubsub/events.js';
import type { PubSub } from '../pubsub/pubsub.js';
import type { RoomRow, UserRow } from '../storage/database.js';
import type { Db } from '../storage/db.js';
import { setPosition } from '../storage/repositories/positions.js';
import { startRoomReadPosition } from '../storage/repositories/read-state.js';
import { ensureOwner } from '../storage/repositories/roles.js';
import {
  deleteMembership,
  findRoomById,
  findRoomForUser,
  insertMembership,
  insertRoom,
  isMember,
  lockRoom,
  memberRoomIds,
  membersOf,
  roomsOfMember,
  visibleRooms,
} from '../storage/repositories/rooms.js';
import { createStream, type StreamEntry } from '../storage/repositories/streams.js';
import { findUserById } from '../storage/repositories/users.js';
import { appendToStream } from './append.js';
import type { DeliveryPositions } from './delivery-positions.js';
import { badInput, DomainError, forbidden, notFound } from './errors.js';
import { roomStream } from './streams.js';
import { parseId, validMaxMembers, validPageSize, validRoomName } from './validation.js';
import { now, type Viewer } from './viewer.js';

export interface RoomPage {
  rooms: RoomRow[];
  hasNextPage: boolean;
}

export class RoomService {
  constructor(
    private readonly db: Db,
    private readonly pubsub: PubSub<Events>,
    private readonly positions: DeliveryPositions,
  ) {}

  async create(
    viewer: Viewer,
    name: string,
    isPrivate: boolean,
    maxMembers: number | null | undefined,
  ): Promise<RoomRow> {
    const roomName = validRoomName(name);
    const max = validMaxMembers(maxMembers);
    const { room, entry } = await this.db.transaction().execute(async (trx) => {
      const room = await insertRoom(trx, {
        name: roomName,
        isPrivate,
        maxMembers: max,
        createdAt: now(),
        createdBy: viewer.id,
      });
      await createStream(trx, roomStream(room.id));
      const entry = await this.#addMember(trx, room, viewer.id, viewer.name, 'OWNER');
      return { room: { ...room, member_count: 1 }, entry };
    });
    this.#published(entry);
    return room;
  }

  /** The room when the viewer may see it; NOT_FOUND alike for missing and private ones. */
  async visibleRoom(viewer: Viewer, roomId: string): Promise<RoomRow> {
    return (await this.visibleRoomAndMembership(viewer, roomId)).room;
  }

  /** visibleRoom, and whether the viewer is a member, in one read. */
  async visibleRoomAndMembership(
    viewer: Viewer,
    roomId: string,
  ): Promise<{ room: RoomRow; member: boolean }> {
    const id = parseId(roomId);
    const found = id === undefined ? undefined : await findRoomForUser(this.db, id, viewer.id);
    if (!found || (found.room.is_private && !found.member)) throw notFound('room');
    return found;
  }

  async join(viewer: Viewer, roomId: string): Promise<RoomRow> {
    const room = await this.visibleRoom(viewer, roomId);
    return this.#admit(room, viewer.id, viewer.name);
  }

  async invite(viewer: Viewer, roomId: string, userId: string): Promise<RoomRow> {
    const room = await this.visibleRoom(viewer, roomId);
    if (!(await isMember(this.db, room.id, viewer.id)))
      throw forbidden('only members invite to a room');
    const inviteeId = parseId(userId);
    const invitee = inviteeId === undefined ? undefined : await findUserById(this.db, inviteeId);
    if (!invitee) throw notFound('user');
    return this.#admit(room, invitee.id, invitee.name);
  }

  async leave(viewer: Viewer, roomId: string): Promise<RoomRow> {
    const room = await this.visibleRoom(viewer, roomId);
    return this.removeMember(room, viewer);
  }

  /**
   * Takes a member out as by leaving (also a moderator's removal): "<name> left", their
   * subscriptions on a private room end, and an OWNER who leaves passes the role on.
   */
  async removeMember(room: RoomRow, user: { id: number; name: string }): Promise<RoomRow> {
    const entry = await this.db.transaction().execute(async (trx) => {
      // The room first, as a join takes it: a leave and a join never wait on each other in a cycle.
      await lockRoom(trx, room.id);
      if (!(await deleteMembership(trx, room.id, user.id))) return undefined;
      await ensureOwner(trx, room.id);
      return appendToStream(trx, roomStream(room.id), {
        channel: 'ROOM',
        kind: 'SYSTEM',
        room_id: room.id,
        content: `${user.name} left`,
      });
    });
    if (!entry) return room;
    this.#published(entry);
    if (room.is_private)
      this.pubsub.publish('stream', roomStream(room.id), { type: 'removed', userId: user.id });
    return (await findRoomById(this.db, room.id)) ?? room;
  }

  async list(
    viewer: Viewer,
    first: number | null | undefined,
    after: string | null | undefined,
  ): Promise<RoomPage> {
    const limit = validPageSize(first, 'first') ?? 50;
    const afterId = after ? decodeRoomCursor(after) : undefined;
    const rows = await visibleRooms(this.db, viewer.id, afterId, limit + 1);
    return { rooms: rows.slice(0, limit), hasNextPage: rows.length > limit };
  }

  mine(viewer: Viewer): Promise<RoomRow[]> {
    return roomsOfMember(this.db, viewer.id);
  }

  byId(roomId: number): Promise<RoomRow | undefined> {
    return findRoomById(this.db, roomId);
  }

  members(roomId: number): Promise<UserRow[]> {
    return membersOf(this.db, roomId);
  }

  isMember(roomId: number, userId: number): Promise<boolean> {
    return isMember(this.db, roomId, userId);
  }

  memberRoomIds(userId: number, roomIds: readonly number[]): Promise<Set<number>> {
    return memberRoomIds(this.db, userId, roomIds);
  }

  async #admit(room: RoomRow, userId: number, userName: string): Promise<RoomRow> {
    const entry = await this.db.transaction().execute(async (trx) => {
      // Read again, locked, inside the transaction: the count and membership are what commit sees.
      const current = await lockRoom(trx, room.id);
      if (!current) throw notFound('room');
      if (await isMember(trx, room.id, userId)) return undefined;
      if (current.member_count >= current.max_members) {
        throw new DomainError('ROOM_FULL', 'the room is full');
      }
      const entry = await this.#addMember(trx, current, userId, userName, 'MEMBER');
      // Whoever joins a room its last member left becomes its OWNER.
      await ensureOwner(trx, room.id);
      return entry;
    });
    if (entry) this.#published(entry);
    return (await findRoomById(this.db, room.id)) ?? room;
  }

  async #addMember(
    trx: Db,
    room: RoomRow,
    userId: number,
    userName: string,
    role: 'OWNER' | 'MEMBER',
  ): Promise<StreamEntry> {
    await insertMembership(trx, { roomId: room.id, userId, role, joinedAt: now() });
    const entry = await appendToStream(trx, roomStream(room.id), {
      channel: 'ROOM',
      kind: 'SYSTEM',
      room_id: room.id,
      content: `${userName} joined`,
    });
    // A member's position starts just before their own "joined" message.
    this.positions.forget(userId, entry.streamId);
    await setPosition(trx, userId, entry.streamId, entry.seq - 1);
    // Their read position starts at it (FEATURES.md): what came before is not unread.
    await startRoomReadPosition(trx, room.id, userId, entry.seq, entry.message.created_at);
    return entry;
  }

  #published(entry: StreamEntry): void {
    this.pubsub.publish('stream', entry.streamId, { type: 'entry', entry });
  }
}

export function encodeRoomCursor(roomId: number): string {
  return Buffer.from(`room:${roomId}`).toString('base64url');
}

function decodeRoomCursor(cursor: string): number {
  const match = /^room:([1-9][0-9]{0,15})$/.exec(Buffer.from(cursor, 'base64url').toString('utf8'));
  if (!match?.[1]) throw badInput('after is not a room cursor', 'after');
  return Number(match[1]);
}
