import { type Kysely, sql } from 'kysely';

// Frozen in time: a later change gets a new migration, never an edit here.
// The per-sender and per-peer seeks of text_entries (unread counts, the send trigger's
// sender_rank, a conversation's last message) must use these indexes, not walk the primary
// key back from the stream's end. Without table statistics SQLite preferred the primary key
// (it covers the columns read), so a member who rarely or never sends cost a scan of the
// whole stream: 0.46 s in a room of a million (bench/unread-count.ts). Covering indexes win.
// biome-ignore lint/suspicious/noExplicitAny: migrations must not depend on today's Database type
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('text_entries_sender').execute();
  await db.schema
    .createIndex('text_entries_sender')
    .on('text_entries')
    .columns(['stream_id', 'sender_id', 'seq', 'sender_rank'])
    .execute();
  await db.schema.dropIndex('text_entries_peer').execute();
  await db.schema
    .createIndex('text_entries_peer')
    .on('text_entries')
    .columns(['stream_id', 'peer_id', 'seq', 'deleted'])
    .where(sql.ref('peer_id'), 'is not', null)
    .execute();
}

// biome-ignore lint/suspicious/noExplicitAny: see up()
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('text_entries_peer').execute();
  await db.schema
    .createIndex('text_entries_peer')
    .on('text_entries')
    .columns(['stream_id', 'peer_id', 'seq'])
    .where(sql.ref('peer_id'), 'is not', null)
    .execute();
  await db.schema.dropIndex('text_entries_sender').execute();
  await db.schema
    .createIndex('text_entries_sender')
    .on('text_entries')
    .columns(['stream_id', 'sender_id', 'seq'])
    .execute();
}
