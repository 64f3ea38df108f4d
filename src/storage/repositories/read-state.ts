import { sql } from 'kysely';
import type { UserRow } from '../database.js';
import type { Db } from '../db.js';
import { entriesInWindow, type StreamEntry } from './streams.js';

/**
 * One index seek in text_entries: the prefix count (rank) of the last entry, of the last one
 * at or before `atOrBefore`, or of the first one; `senderId` counts that sender's only.
 */
function rankSeek(
  db: Db,
  streamId: string,
  senderId: number | undefined,
  pick: 'last' | 'first' | { atOrBefore: number },
) {
  let query = db
    .selectFrom('text_entries')
    .select(
      sql<number>`${sql.ref(senderId === undefined ? 'text_rank' : 'sender_rank')}`.as('rank'),
    )
    .where('stream_id', '=', streamId);
  if (senderId !== undefined) query = query.where('sender_id', '=', senderId);
  if (typeof pick === 'object') query = query.where('seq', '<=', pick.atOrBefore);
  return query.orderBy('seq', pick === 'first' ? 'asc' : 'desc').limit(1);
}

/** The three seeks that count the TEXT entries after a position (see countAfter). */
function rankSeeks<A extends string>(
  db: Db,
  streamId: string,
  afterSeq: number,
  senderId: number | undefined,
  alias: A,
) {
  return [
    rankSeek(db, streamId, senderId, 'last').as(`${alias}Last`),
    rankSeek(db, streamId, senderId, { atOrBefore: afterSeq }).as(`${alias}At`),
    rankSeek(db, streamId, senderId, 'first').as(`${alias}First`),
  ] as const;
}

/** Entries after a position, from the ranks of the last entry, the one at it, and the first. */
function countAfter(last: number | null, at: number | null, first: number | null): number {
  if (last === null) return 0;
  if (at !== null) return last - at;
  // Nothing retained up to the position (none yet, or pruned): every retained one is after it.
  return last - (first ?? last) + 1;
}

/**
 * Deleted TEXT entries after `afterSeq`, by `senderId` only or by anyone but `exceptSenderId`.
 * Walks the partial index of deleted entries: deletions are few next to messages.
 */
function deletedAfter(
  db: Db,
  streamId: string,
  afterSeq: number,
  sender: { only: number } | { except: number },
) {
  const query = db
    .selectFrom('text_entries')
    .select((eb) => eb.fn.countAll<number>().as('count'))
    .where('stream_id', '=', streamId)
    .where('seq', '>', afterSeq)
    // A literal, so that SQLite sees the partial index's condition.
    .where('deleted', '=', sql.lit(1));
  return 'only' in sender
    ? query.where('sender_id', '=', sender.only)
    : query.where('sender_id', 'is distinct from', sender.except);
}

/**
 * Unread TEXT entries after `afterSeq` for `viewerId`: with `fromSenderId`, only that
 * sender's (a conversation); otherwise everyone's but the viewer's (a room). Not deleted.
 * One statement of index seeks, whatever the stream's length.
 */
export async function countUnreadAfter(
  db: Db,
  streamId: string,
  afterSeq: number,
  viewer: { except: number } | { only: number },
): Promise<number> {
  if ('only' in viewer) {
    const row = await db
      .selectNoFrom([
        ...rankSeeks(db, streamId, afterSeq, viewer.only, 'from'),
        deletedAfter(db, streamId, afterSeq, viewer).as('deleted'),
      ])
      .executeTakeFirstOrThrow();
    return countAfter(row.fromLast, row.fromAt, row.fromFirst) - Number(row.deleted ?? 0);
  }
  const row = await db
    .selectNoFrom([
      ...rankSeeks(db, streamId, afterSeq, undefined, 'all'),
      ...rankSeeks(db, streamId, afterSeq, viewer.except, 'own'),
      deletedAfter(db, streamId, afterSeq, viewer).as('deleted'),
    ])
    .executeTakeFirstOrThrow();
  return (
    countAfter(row.allLast, row.allAt, row.allFirst) -
    countAfter(row.ownLast, row.ownAt, row.ownFirst) -
    Number(row.deleted ?? 0)
  );
}

/** The latest TEXT entry that is not deleted, in a stream or one inbox conversation. */
export async function lastTextEntry(
  db: Db,
  streamId: string,
  peerId?: number,
): Promise<StreamEntry | undefined> {
  let query = db
    .selectFrom('text_entries')
    .select('seq')
    .where('stream_id', '=', streamId)
    .where('deleted', '=', 0);
  if (peerId !== undefined) query = query.where('peer_id', '=', peerId);
  const row = await query.orderBy('seq', 'desc').limit(1).executeTakeFirst();
  return row ? entryAt(db, streamId, row.seq) : undefined;
}

/** The entry at `seq`, if stored (and in the conversation with `peerId`, when given). */
export async function entryAt(
  db: Db,
  streamId: string,
  seq: number,
  peerId?: number,
): Promise<StreamEntry | undefined> {
  const [entry] = await entriesInWindow(
    db,
    { streamId, afterSeq: seq - 1, beforeSeq: seq + 1, peerId },
    1,
    false,
  );
  return entry;
}

export interface ReadPosition {
  seq: number;
  readAt: string | null;
}

export async function roomReadPosition(
  db: Db,
  roomId: number,
  userId: number,
): Promise<ReadPosition | undefined> {
  const row = await db
    .selectFrom('room_read_positions')
    .select(['seq', 'read_at'])
    .where('room_id', '=', roomId)
    .where('user_id', '=', userId)
    .executeTakeFirst();
  return row ? { seq: row.seq, readAt: row.read_at } : undefined;
}

/** Sets a member's read position outright: a join starts it at their "joined" entry. */
export async function startRoomReadPosition(
  db: Db,
  roomId: number,
  userId: number,
  seq: number,
  at: string,
): Promise<void> {
  await db
    .insertInto('room_read_positions')
    .values({ room_id: roomId, user_id: userId, seq, read_at: at })
    .onConflict((c) => c.columns(['room_id', 'user_id']).doUpdateSet({ seq, read_at: at }))
    .execute();
}

/** Moves a member's read position forward to `seq`; false when it already was there or beyond. */
export async function advanceRoomReadPosition(
  db: Db,
  roomId: number,
  userId: number,
  seq: number,
  at: string,
): Promise<boolean> {
  const result = await db
    .insertInto('room_read_positions')
    .values({ room_id: roomId, user_id: userId, seq, read_at: at })
    .onConflict((c) =>
      c
        .columns(['room_id', 'user_id'])
        .doUpdateSet({ seq, read_at: at })
        .where('room_read_positions.seq', '<', seq),
    )
    .executeTakeFirst();
  return Number(result.numInsertedOrUpdatedRows ?? 0n) > 0;
}

export interface ConversationRow {
  peerId: number;
  lastSeq: number;
  readSeq: number;
  readAt: string | null;
}

const conversationColumns = ['peer_id', 'last_seq', 'read_seq', 'read_at'] as const;

function toConversation(row: {
  peer_id: number;
  last_seq: number;
  read_seq: number;
  read_at: string | null;
}): ConversationRow {
  return { peerId: row.peer_id, lastSeq: row.last_seq, readSeq: row.read_seq, readAt: row.read_at };
}

/** The conversations of an inbox, the one with the latest entry first. */
export async function conversationsOf(db: Db, inboxId: string): Promise<ConversationRow[]> {
  const rows = await db
    .selectFrom('conversations')
    .select(conversationColumns)
    .where('stream_id', '=', inboxId)
    .orderBy('last_seq', 'desc')
    .execute();
  return rows.map(toConversation);
}

export async function conversation(
  db: Db,
  inboxId: string,
  peerId: number,
): Promise<ConversationRow | undefined> {
  const row = await db
    .selectFrom('conversations')
    .select(conversationColumns)
    .where('stream_id', '=', inboxId)
    .where('peer_id', '=', peerId)
    .executeTakeFirst();
  return row ? toConversation(row) : undefined;
}

/** Moves the inbox owner's read position in a conversation forward; false if it did not move. */
export async function advanceConversationRead(
  db: Db,
  inboxId: string,
  peerId: number,
  seq: number,
  at: string,
): Promise<boolean> {
  const result = await db
    .updateTable('conversations')
    .set({ read_seq: seq, read_at: at })
    .where('stream_id', '=', inboxId)
    .where('peer_id', '=', peerId)
    .where('read_seq', '<', seq)
    .executeTakeFirst();
  return result.numUpdatedRows > 0n;
}

/** Current members of a room, but `exceptUserId`, whose read position reached `seq`. */
export async function roomReaders(
  db: Db,
  roomId: number,
  seq: number,
  exceptUserId: number | null,
): Promise<UserRow[]> {
  let query = db
    .selectFrom('room_read_positions as rp')
    .innerJoin('memberships as mb', (join) =>
      join.onRef('mb.room_id', '=', 'rp.room_id').onRef('mb.user_id', '=', 'rp.user_id'),
    )
    .innerJoin('users', 'users.id', 'rp.user_id')
    .selectAll('users')
    .where('rp.room_id', '=', roomId)
    .where('rp.seq', '>=', seq);
  if (exceptUserId !== null) query = query.where('rp.user_id', '!=', exceptUserId);
  return query.orderBy('mb.joined_at', 'asc').orderBy('users.id', 'asc').execute();
}

/**
 * A member's unread TEXT messages in a room: not their own, not deleted, after their read
 * position. Cost is independent of the room's length (see countUnreadAfter); the benchmark
 * calls this directly.
 */
export async function countRoomUnread(
  db: Db,
  roomId: number,
  streamId: string,
  userId: number,
): Promise<number> {
  const position = await roomReadPosition(db, roomId, userId);
  return countUnreadAfter(db, streamId, position?.seq ?? 0, { except: userId });
}

/** Unread TEXT messages from `peerId` in the inbox owner's conversation with them. */
export async function countConversationUnread(
  db: Db,
  inboxId: string,
  ownerId: number,
  peerId: number,
  readSeq: number,
): Promise<number> {
  // Notes to self are one's own messages: never unread.
  if (peerId === ownerId) return 0;
  return countUnreadAfter(db, inboxId, readSeq, { only: peerId });
}
