import { sql } from 'kysely';
import type { MessageRow } from '../database.js';
import type { Db } from '../db.js';
import type { StreamEntry } from './streams.js';

export interface MessageSearch {
  viewerId: number;
  /** Plain words, each matched as a quoted FTS term: all must match, no operator is read. */
  words: readonly string[];
  roomId?: number | undefined;
  /** Keyset paging, newest first: only messages with a smaller id. */
  beforeId?: number | undefined;
  limit: number;
}

/**
 * The one full-text query (SQLite FTS5, porter stemming): TEXT messages the viewer may
 * read (public rooms, rooms they are in, their own conversations, broadcasts), not
 * deleted, newest first, each at its place in the stream the viewer reads it on.
 * A PostgreSQL version (tsvector + GIN) takes the same arguments and answers the same rows.
 */
export async function searchMessages(db: Db, search: MessageSearch): Promise<StreamEntry[]> {
  const match = search.words.map((word) => `"${word.replaceAll('"', '""')}"`).join(' ');
  const inbox = `inbox:${search.viewerId}`;
  const { rows } = await sql<MessageRow & { entry_stream_id: string; entry_seq: number }>`
    SELECT m.*, e.stream_id AS entry_stream_id, e.seq AS entry_seq
    FROM messages_fts AS f
    JOIN messages AS m ON m.id = f.rowid
    JOIN stream_entries AS e ON e.message_id = m.id AND e.stream_id = CASE m.channel
      WHEN 'ROOM' THEN 'room:' || m.room_id
      WHEN 'DIRECT' THEN ${inbox}
      ELSE 'broadcast' END
    WHERE messages_fts MATCH ${match}
      AND m.kind = 'TEXT'
      AND m.deleted_at IS NULL
      AND (m.channel = 'BROADCAST'
        OR (m.channel = 'DIRECT' AND (m.sender_id = ${search.viewerId} OR m.recipient_id = ${search.viewerId}))
        OR (m.channel = 'ROOM' AND m.room_id IN (
          SELECT id FROM rooms WHERE is_private = 0
          UNION SELECT room_id FROM memberships WHERE user_id = ${search.viewerId})))
      ${search.roomId === undefined ? sql`` : sql`AND m.room_id = ${search.roomId}`}
      ${search.beforeId === undefined ? sql`` : sql`AND f.rowid < ${search.beforeId}`}
    -- By the index's own rowid: FTS5 then walks matches newest first and stops at the
    -- limit, instead of sorting every match (0.4 ms instead of 24 ms for 50k matches).
    ORDER BY f.rowid DESC
    LIMIT ${search.limit}
  `.execute(db);
  return rows.map(({ entry_stream_id, entry_seq, ...message }) => ({
    streamId: entry_stream_id,
    seq: entry_seq,
    message,
  }));
}
