import type { RoomRow, UserRow } from '../database.js';
import type { Db } from '../db.js';
import { isPostgres } from '../dialect.js';
import { prepared } from '../prepared.js';

export async function insertRoom(
  db: Db,
  room: {
    name: string;
    isPrivate: boolean;
    maxMembers: number;
    createdAt: string;
    createdBy: number;
  },
): Promise<RoomRow> {
  return db
    .insertInto('rooms')
    .values({
      name: room.name,
      is_private: room.isPrivate ? 1 : 0,
      max_members: room.maxMembers,
      member_count: 0,
      created_at: room.createdAt,
      created_by: room.createdBy,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
}

export async function findRoomById(db: Db, id: number): Promise<RoomRow | undefined> {
  return db.selectFrom('rooms').selectAll().where('id', '=', id).executeTakeFirst();
}

const roomForUserQuery = prepared((db: Db, a: { id: number; userId: number }) =>
  db
    .selectFrom('rooms')
    .leftJoin('memberships', (join) =>
      join.onRef('memberships.room_id', '=', 'rooms.id').on('memberships.user_id', '=', a.userId),
    )
    .selectAll('rooms')
    .select('memberships.user_id as member_id')
    .where('rooms.id', '=', a.id),
);

/** The room and whether the user is one of its members, in one read. */
export async function findRoomForUser(
  db: Db,
  id: number,
  userId: number,
): Promise<{ room: RoomRow; member: boolean } | undefined> {
  const [row] = (await roomForUserQuery(db, { id, userId })).rows;
  if (!row) return undefined;
  const { member_id, ...room } = row;
  return { room, member: member_id !== null };
}

/**
 * The room, locked to the end of the caller's transaction on PostgreSQL, so that concurrent
 * joins and leaves (on any instance) see each other's member counts. SQLite runs one write
 * transaction at a time already.
 */
export async function lockRoom(db: Db, id: number): Promise<RoomRow | undefined> {
  return db
    .selectFrom('rooms')
    .selectAll()
    .where('id', '=', id)
    .$if(isPostgres(db), (query) => query.forNoKeyUpdate())
    .executeTakeFirst();
}

const membershipQuery = prepared((db: Db, a: { roomId: number; userId: number }) =>
  db
    .selectFrom('memberships')
    .select('user_id')
    .where('room_id', '=', a.roomId)
    .where('user_id', '=', a.userId),
);

export async function isMember(db: Db, roomId: number, userId: number): Promise<boolean> {
  return (await membershipQuery(db, { roomId, userId })).rows.length > 0;
}

export async function memberRoomIds(
  db: Db,
  userId: number,
  roomIds: readonly number[],
): Promise<Set<number>> {
  if (roomIds.length === 0) return new Set();
  const rows = await db
    .selectFrom('memberships')
    .select('room_id')
    .where('user_id', '=', userId)
    .where('room_id', 'in', roomIds)
    .execute();
  return new Set(rows.map((r) => r.room_id));
}

export async function insertMembership(
  db: Db,
  membership: { roomId: number; userId: number; role: 'OWNER' | 'MEMBER'; joinedAt: string },
): Promise<void> {
  await db
    .insertInto('memberships')
    .values({
      room_id: membership.roomId,
      user_id: membership.userId,
      role: membership.role,
      joined_at: membership.joinedAt,
    })
    .execute();
  await db
    .updateTable('rooms')
    .set((eb) => ({ member_count: eb('member_count', '+', 1) }))
    .where('id', '=', membership.roomId)
    .execute();
}

export async function deleteMembership(db: Db, roomId: number, userId: number): Promise<boolean> {
  const result = await db
    .deleteFrom('memberships')
    .where('room_id', '=', roomId)
    .where('user_id', '=', userId)
    .executeTakeFirst();
  if (result.numDeletedRows === 0n) return false;
  await db
    .updateTable('rooms')
    .set((eb) => ({ member_count: eb('member_count', '-', 1) }))
    .where('id', '=', roomId)
    .execute();
  return true;
}

/** Public rooms and the viewer's private ones, oldest first, keyset-paged by id. */
export async function visibleRooms(
  db: Db,
  viewerId: number,
  afterId: number | undefined,
  limit: number,
): Promise<RoomRow[]> {
  let query = db
    .selectFrom('rooms')
    .selectAll()
    .where((eb) =>
      eb.or([
        eb('is_private', '=', 0),
        eb.exists(
          eb
            .selectFrom('memberships')
            .select('user_id')
            .whereRef('memberships.room_id', '=', 'rooms.id')
            .where('memberships.user_id', '=', viewerId),
        ),
      ]),
    );
  if (afterId !== undefined) query = query.where('id', '>', afterId);
  return query.orderBy('id', 'asc').limit(limit).execute();
}

export async function roomsOfMember(db: Db, userId: number): Promise<RoomRow[]> {
  return db
    .selectFrom('rooms')
    .innerJoin('memberships', 'memberships.room_id', 'rooms.id')
    .selectAll('rooms')
    .where('memberships.user_id', '=', userId)
    .orderBy('rooms.id', 'asc')
    .execute();
}

export async function membersOf(db: Db, roomId: number): Promise<UserRow[]> {
  return db
    .selectFrom('users')
    .innerJoin('memberships', 'memberships.user_id', 'users.id')
    .selectAll('users')
    .where('memberships.room_id', '=', roomId)
    .orderBy('memberships.joined_at', 'asc')
    .orderBy('users.id', 'asc')
    .execute();
}
