import type { MembershipsTable } from '../database.js';
import type { Db } from '../db.js';
import { isPostgres } from '../dialect.js';

export type RoomRole = MembershipsTable['role'];

export async function roleOf(
  db: Db,
  roomId: number,
  userId: number,
): Promise<RoomRole | undefined> {
  const row = await db
    .selectFrom('memberships')
    .select('role')
    .where('room_id', '=', roomId)
    .where('user_id', '=', userId)
    .executeTakeFirst();
  return row?.role;
}

/** A room with members but no OWNER (the OWNER left) passes the role to its longest-standing member. */
export async function ensureOwner(db: Db, roomId: number): Promise<void> {
  const owner = await db
    .selectFrom('memberships')
    .select('user_id')
    .where('room_id', '=', roomId)
    .where('role', '=', 'OWNER')
    .executeTakeFirst();
  if (owner) return;
  const senior = await db
    .selectFrom('memberships')
    .select('user_id')
    .where('room_id', '=', roomId)
    .orderBy('joined_at')
    .orderBy('user_id')
    .limit(1)
    .executeTakeFirst();
  if (!senior) return;
  await db
    .updateTable('memberships')
    .set({ role: 'OWNER' })
    .where('room_id', '=', roomId)
    .where('user_id', '=', senior.user_id)
    .execute();
}

/** The room and everything in it: messages (with their reactions and index rows), memberships, positions, stream. */
export async function deleteRoomAndContents(
  db: Db,
  roomId: number,
  streamId: string,
): Promise<void> {
  // On PostgreSQL the room goes first, exclusively: a send in flight holds a key-share lock
  // on it (its message's foreign key) and then wants the stream's row, which this deletes.
  // Taken last, the two would wait on each other.
  if (isPostgres(db))
    await db.selectFrom('rooms').select('id').where('id', '=', roomId).forUpdate().execute();
  await db.deleteFrom('messages').where('room_id', '=', roomId).execute();
  await db.deleteFrom('delivery_positions').where('stream_id', '=', streamId).execute();
  await db.deleteFrom('streams').where('id', '=', streamId).execute();
  await db.deleteFrom('memberships').where('room_id', '=', roomId).execute();
  await db.deleteFrom('rooms').where('id', '=', roomId).execute();
}
