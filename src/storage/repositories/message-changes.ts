import { sql } from 'kysely';
import type { MessageRow } from '../database.js';
import type { Db } from '../db.js';
import { isPostgres } from '../dialect.js';
import type { StreamEntry } from './streams.js';

/**
 * Locks a message to the end of the caller's transaction on PostgreSQL, so two changes of
 * it (on any instance) run one after the other: a second delete sees the first. SQLite runs
 * one write transaction at a time already.
 */
export async function lockMessage(db: Db, id: number): Promise<void> {
  if (!isPostgres(db)) return;
  await db.selectFrom('messages').select('id').where('id', '=', id).forNoKeyUpdate().execute();
}

export async function findMessageById(db: Db, id: number): Promise<MessageRow | undefined> {
  return db.selectFrom('messages').selectAll().where('id', '=', id).executeTakeFirst();
}

/** Every stream a message sits in (two inboxes for a direct message), with its peer there. */
export async function placesOfMessage(
  db: Db,
  messageId: number,
): Promise<Array<{ streamId: string; peerId: number | null }>> {
  const rows = await db
    .selectFrom('stream_entries')
    .select(['stream_id', 'peer_id'])
    .where('message_id', '=', messageId)
    .orderBy('stream_id')
    .execute();
  return rows.map((row) => ({ streamId: row.stream_id, peerId: row.peer_id }));
}

/** The entries of these messages in one stream, for those that sit in it. */
export async function entriesOfMessages(
  db: Db,
  streamId: string,
  messageIds: readonly number[],
): Promise<StreamEntry[]> {
  if (messageIds.length === 0) return [];
  const rows = await db
    .selectFrom('stream_entries as e')
    .innerJoin('messages as m', 'm.id', 'e.message_id')
    .selectAll('m')
    .select('e.seq as entry_seq')
    .where('e.stream_id', '=', streamId)
    .where('e.message_id', 'in', messageIds)
    .execute();
  return rows.map(({ entry_seq, ...message }) => ({ streamId, seq: entry_seq, message }));
}

/** The first change of this kind written for a message (a repeated delete answers it). */
export async function firstChangeOf(
  db: Db,
  targetId: number,
  kind: 'DELETE',
): Promise<MessageRow | undefined> {
  return db
    .selectFrom('messages')
    .selectAll()
    .where('target_id', '=', targetId)
    .where('kind', '=', kind)
    .orderBy('id')
    .limit(1)
    .executeTakeFirst();
}

export async function setContent(
  db: Db,
  messageId: number,
  content: string,
  editedAt: string,
): Promise<void> {
  await db
    .updateTable('messages')
    .set({ content, edited_at: editedAt })
    .where('id', '=', messageId)
    .execute();
}

/**
 * A deleted message keeps its place in the stream but not its words: its text, the text
 * of every edit to it, and its reactions go (the search index follows by trigger).
 */
export async function markDeleted(db: Db, messageId: number, deletedAt: string): Promise<void> {
  await db
    .updateTable('messages')
    .set({ content: '', deleted_at: deletedAt })
    .where('id', '=', messageId)
    .execute();
  await db
    .updateTable('messages')
    .set({ content: '' })
    .where('target_id', '=', messageId)
    .where('kind', '=', 'EDIT')
    .execute();
  await db.deleteFrom('reactions').where('message_id', '=', messageId).execute();
}

export async function findReaction(
  db: Db,
  messageId: number,
  userId: number,
  emoji: string,
): Promise<{ entry_id: number | null } | undefined> {
  return db
    .selectFrom('reactions')
    .select('entry_id')
    .where('message_id', '=', messageId)
    .where('user_id', '=', userId)
    .where('emoji', '=', emoji)
    .executeTakeFirst();
}

export async function insertReaction(
  db: Db,
  reaction: { messageId: number; userId: number; emoji: string; entryId: number; at: string },
): Promise<void> {
  await db
    .insertInto('reactions')
    .values({
      message_id: reaction.messageId,
      user_id: reaction.userId,
      emoji: reaction.emoji,
      entry_id: reaction.entryId,
      created_at: reaction.at,
    })
    .execute();
}

export async function deleteReaction(
  db: Db,
  messageId: number,
  userId: number,
  emoji: string,
): Promise<void> {
  await db
    .deleteFrom('reactions')
    .where('message_id', '=', messageId)
    .where('user_id', '=', userId)
    .where('emoji', '=', emoji)
    .execute();
}

export interface ReactionCountRow {
  message_id: number;
  emoji: string;
  count: number;
  viewer_reacted: number;
}

/** Per message and emoji: how many, and whether the viewer is one; first added first. */
export async function reactionCounts(
  db: Db,
  messageIds: readonly number[],
  viewerId: number,
): Promise<ReactionCountRow[]> {
  if (messageIds.length === 0) return [];
  return (
    db
      .selectFrom('reactions')
      .select([
        'message_id',
        'emoji',
        // Reads the same on PostgreSQL, where count is a bigint and max takes no boolean.
        sql<number>`cast(count(*) as integer)`.as('count'),
        sql<number>`max(case when user_id = ${viewerId} then 1 else 0 end)`.as('viewer_reacted'),
      ])
      .where('message_id', 'in', messageIds)
      .groupBy(['message_id', 'emoji'])
      // Entry ids break ties within a millisecond: they follow commit order.
      .orderBy(sql`min(created_at)`)
      .orderBy(sql`min(entry_id)`)
      .orderBy('emoji')
      .execute()
  );
}

/** Replies that are not deleted, per message. */
export async function replyCounts(
  db: Db,
  messageIds: readonly number[],
): Promise<Map<number, number>> {
  if (messageIds.length === 0) return new Map();
  const rows = await db
    .selectFrom('messages')
    .select(['reply_to_id', sql<number>`cast(count(*) as integer)`.as('count')])
    .where('reply_to_id', 'in', messageIds)
    .where('deleted_at', 'is', null)
    .groupBy('reply_to_id')
    .execute();
  return new Map(rows.map((row) => [row.reply_to_id as number, row.count]));
}

/** Replies to `rootId` in one stream (not deleted), after `afterSeq`, oldest first. */
export async function repliesInStream(
  db: Db,
  window: { streamId: string; rootId: number; afterSeq?: number | undefined; limit: number },
): Promise<StreamEntry[]> {
  let query = db
    .selectFrom('messages as m')
    .innerJoin('stream_entries as e', 'e.message_id', 'm.id')
    .selectAll('m')
    .select('e.seq as entry_seq')
    .where('m.reply_to_id', '=', window.rootId)
    .where('m.deleted_at', 'is', null)
    .where('e.stream_id', '=', window.streamId);
  if (window.afterSeq !== undefined) query = query.where('e.seq', '>', window.afterSeq);
  const rows = await query.orderBy('e.seq').limit(window.limit).execute();
  return rows.map(({ entry_seq, ...message }) => ({
    streamId: window.streamId,
    seq: entry_seq,
    message,
  }));
}
