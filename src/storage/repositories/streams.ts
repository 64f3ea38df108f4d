import type { MessageRow } from '../database.js';
import type { Db } from '../db.js';
import { prepared } from '../prepared.js';

/** A message at its place in one stream. */
export interface StreamEntry {
  streamId: string;
  seq: number;
  message: MessageRow;
}

export async function createStream(db: Db, streamId: string): Promise<void> {
  await db
    .insertInto('streams')
    .values({ id: streamId, last_seq: 0 })
    .onConflict((c) => c.doNothing())
    .execute();
}

/**
 * Hands out the stream's next seq inside the caller's transaction: the row write locks
 * the stream to commit (on PostgreSQL too, across instances), so seq order is commit
 * order, with no gap, and a reader never sees seq N+1 before N is committed.
 */
const nextSeqQuery = prepared((db: Db, a: { streamId: string }) =>
  db
    .updateTable('streams')
    .set((eb) => ({ last_seq: eb('last_seq', '+', 1) }))
    .where('id', '=', a.streamId)
    .returning('last_seq'),
);

export async function nextSeq(db: Db, streamId: string): Promise<number> {
  const [row] = (await nextSeqQuery(db, { streamId })).rows;
  if (!row) throw new Error(`no stream ${streamId}`);
  return row.last_seq;
}

/** A stream a message goes into, with the inbox peer it is filed under there (or null). */
export interface Placement {
  streamId: string;
  peerId: number | null;
}

/**
 * Places a stored message in its streams inside the caller's transaction: every seq is
 * taken (row lock held to commit) before any entry is written, in stream id order, so two
 * writers of the same two inboxes (A to B, B to A) never wait on each other in a cycle.
 * Seqs come back in the order of `placements`.
 */
export async function placeMessage(
  db: Db,
  messageId: number,
  placements: readonly Placement[],
  createdAt: string,
): Promise<Array<{ streamId: string; seq: number }>> {
  const seqs = new Map<string, number>();
  for (const streamId of placements.map((p) => p.streamId).sort())
    seqs.set(streamId, await nextSeq(db, streamId));
  const placed: Array<{ streamId: string; seq: number }> = [];
  for (const { streamId, peerId } of placements) {
    const seq = seqs.get(streamId);
    if (seq === undefined) throw new Error(`no seq taken for ${streamId}`);
    await insertEntry(db, { streamId, seq, messageId, peerId, createdAt });
    placed.push({ streamId, seq });
  }
  return placed;
}

const headQuery = prepared((db: Db, a: { streamId: string }) =>
  db.selectFrom('streams').select('last_seq').where('id', '=', a.streamId),
);

export async function streamHead(db: Db, streamId: string): Promise<number | undefined> {
  return (await headQuery(db, { streamId })).rows[0]?.last_seq;
}

interface NewEntry {
  streamId: string;
  seq: number;
  messageId: number;
  peerId: number | null;
  createdAt: string;
}

const insertEntry = prepared((db: Db, entry: NewEntry) =>
  db.insertInto('stream_entries').values({
    stream_id: entry.streamId,
    seq: entry.seq,
    message_id: entry.messageId,
    peer_id: entry.peerId,
    created_at: entry.createdAt,
  }),
);

function entriesOf(db: Db, streamId: string) {
  return db
    .selectFrom('stream_entries as e')
    .innerJoin('messages as m', 'm.id', 'e.message_id')
    .selectAll('m')
    .select(['e.stream_id as entry_stream_id', 'e.seq as entry_seq'])
    .where('e.stream_id', '=', streamId);
}

type JoinedRow = MessageRow & { entry_stream_id: string; entry_seq: number };

/** The row is the message as it is: copying it without the entry's two columns costs more than they do. */
function toEntry(row: JoinedRow): StreamEntry {
  return { streamId: row.entry_stream_id, seq: row.entry_seq, message: row };
}

/** Bounds of a page: seq strictly between `after` and `before`, optionally one inbox peer. */
export interface EntryWindow {
  streamId: string;
  afterSeq?: number | undefined;
  beforeSeq?: number | undefined;
  peerId?: number | undefined;
}

/** Which bounds a window has: each combination is one prepared query. */
function shapeOf(window: EntryWindow): string {
  const has = (value: number | undefined) => (value === undefined ? '-' : '+');
  return has(window.afterSeq) + has(window.beforeSeq) + has(window.peerId);
}

/** A prepared query per window shape (and whatever else `key` adds), made when first asked for. */
function byShape<Query>(make: (shape: string, key: string) => Query) {
  const queries = new Map<string, Query>();
  return (shape: string, key = '') => {
    let query = queries.get(shape + key);
    if (!query) {
      query = make(shape, key);
      queries.set(shape + key, query);
    }
    return query;
  };
}

type WindowArgs = Required<EntryWindow> & { limit: number };

const pageQuery = byShape((shape, order) =>
  prepared((db: Db, a: WindowArgs) => {
    let query = entriesOf(db, a.streamId);
    if (shape[0] === '+') query = query.where('e.seq', '>', a.afterSeq);
    if (shape[1] === '+') query = query.where('e.seq', '<', a.beforeSeq);
    if (shape[2] === '+') query = query.where('e.peer_id', '=', a.peerId);
    return query.orderBy('e.seq', order === 'desc' ? 'desc' : 'asc').limit(a.limit);
  }),
);

const windowArgs = (window: EntryWindow, limit: number): WindowArgs => ({
  streamId: window.streamId,
  afterSeq: window.afterSeq ?? 0,
  beforeSeq: window.beforeSeq ?? 0,
  peerId: window.peerId ?? 0,
  limit,
});

/** The first `limit` entries of the window (oldest first), or its last `limit` when fromEnd. */
export async function entriesInWindow(
  db: Db,
  window: EntryWindow,
  limit: number,
  fromEnd: boolean,
): Promise<StreamEntry[]> {
  const query = pageQuery(shapeOf(window), fromEnd ? 'desc' : 'asc');
  const { rows } = await query(db, windowArgs(window, limit));
  const entries = rows.map(toEntry);
  return fromEnd ? entries.reverse() : entries;
}

const anyQuery = byShape((shape) =>
  prepared((db: Db, a: WindowArgs) => {
    let query = db.selectFrom('stream_entries').select('seq').where('stream_id', '=', a.streamId);
    if (shape[0] === '+') query = query.where('seq', '>', a.afterSeq);
    if (shape[1] === '+') query = query.where('seq', '<', a.beforeSeq);
    if (shape[2] === '+') query = query.where('peer_id', '=', a.peerId);
    return query.limit(a.limit);
  }),
);

export async function anyEntryInWindow(db: Db, window: EntryWindow): Promise<boolean> {
  const { rows } = await anyQuery(shapeOf(window))(db, windowArgs(window, 1));
  return rows.length > 0;
}

/** The entry of a message in one stream (a direct message has one per inbox). */
export async function entryOfMessage(
  db: Db,
  streamId: string,
  messageId: number,
): Promise<StreamEntry | undefined> {
  const row = await entriesOf(db, streamId)
    .where('e.message_id', '=', messageId)
    .executeTakeFirst();
  return row ? toEntry(row) : undefined;
}

/** Whether the entry at `seq` is still stored (retention prunes old ones). */
export async function entryExists(db: Db, streamId: string, seq: number): Promise<boolean> {
  const row = await db
    .selectFrom('stream_entries')
    .select('seq')
    .where('stream_id', '=', streamId)
    .where('seq', '=', seq)
    .executeTakeFirst();
  return row !== undefined;
}
