import type { PresenceRow } from '../database.js';
import type { Db } from '../db.js';

export type PresenceStatus = PresenceRow['status'];

export async function insertPresence(db: Db, userId: number): Promise<void> {
  await db
    .insertInto('presence')
    .values({ user_id: userId, status: 'OFFLINE', last_seen_at: null })
    .execute();
}

export async function findPresence(db: Db, userIds: readonly number[]): Promise<PresenceRow[]> {
  if (userIds.length === 0) return [];
  return db.selectFrom('presence').selectAll().where('user_id', 'in', userIds).execute();
}

export async function savePresence(db: Db, row: PresenceRow): Promise<void> {
  await db
    .updateTable('presence')
    .set({ status: row.status, last_seen_at: row.last_seen_at })
    .where('user_id', '=', row.user_id)
    .execute();
}

/** Moves lastSeenAt forward for users still connected, so a crash loses at most one beat. */
export async function touchLastSeen(db: Db, userIds: readonly number[], at: string): Promise<void> {
  if (userIds.length === 0) return;
  await db
    .updateTable('presence')
    .set({ last_seen_at: at })
    .where('user_id', 'in', userIds)
    .execute();
}

/** After a restart nobody is connected: everyone is OFFLINE, lastSeenAt kept. */
export async function markEveryoneOffline(db: Db): Promise<void> {
  await db
    .updateTable('presence')
    .set({ status: 'OFFLINE' })
    .where('status', '!=', 'OFFLINE')
    .execute();
}

/** These users are connected nowhere (another instance may serve the rest): OFFLINE, lastSeenAt kept. */
export async function markOffline(db: Db, userIds: readonly number[]): Promise<void> {
  if (userIds.length === 0) return;
  await db
    .updateTable('presence')
    .set({ status: 'OFFLINE' })
    .where('user_id', 'in', userIds)
    .execute();
}

export async function onlineUserIds(db: Db, roomId: number | undefined): Promise<PresenceRow[]> {
  let query = db
    .selectFrom('presence')
    .selectAll('presence')
    .where('presence.status', '!=', 'OFFLINE');
  if (roomId !== undefined) {
    query = query
      .innerJoin('memberships', 'memberships.user_id', 'presence.user_id')
      .where('memberships.room_id', '=', roomId);
  }
  return query.orderBy('presence.user_id', 'asc').execute();
}
