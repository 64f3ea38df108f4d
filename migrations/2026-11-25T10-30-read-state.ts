import { type Kysely, sql } from 'kysely';
import { isPostgres } from '../src/storage/dialect.js';

// Frozen in time: a later change gets a new migration, never an edit here.
// Read state, and what keeps unread counts cheap however long a stream grows.
// The three triggers are SQLite's as they always were, and the same three in PL/pgSQL.
// biome-ignore lint/suspicious/noExplicitAny: migrations must not depend on today's Database type
export async function up(db: Kysely<any>): Promise<void> {
  const pg = isPostgres(db);
  const int = pg ? 'bigint' : 'integer';
  // One row per TEXT entry of a stream, with prefix counts: how many TEXT entries, and how many
  // of this sender's, the stream holds up to and including this one. Counting what lies after
  // a read position is then two index seeks (last rank minus rank at the position), not a scan.
  await db.schema
    .createTable('text_entries')
    .addColumn('stream_id', 'text', (c) => c.notNull())
    .addColumn('seq', int, (c) => c.notNull())
    .addColumn('message_id', int, (c) => c.notNull().references('messages.id').onDelete('cascade'))
    .addColumn('sender_id', int)
    .addColumn('peer_id', int)
    .addColumn('text_rank', int, (c) => c.notNull())
    .addColumn('sender_rank', int, (c) => c.notNull())
    .addColumn('deleted', int, (c) => c.notNull().defaultTo(0))
    .addPrimaryKeyConstraint('text_entries_pk', ['stream_id', 'seq'])
    // Clustered on (stream_id, seq): one b-tree less to write on every send.
    .$call((table) => (pg ? table : table.modifyEnd(sql`without rowid`)))
    .execute();
  await db.schema
    .createIndex('text_entries_sender')
    .on('text_entries')
    .columns(['stream_id', 'sender_id', 'seq'])
    .execute();
  await db.schema
    .createIndex('text_entries_peer')
    .on('text_entries')
    .columns(['stream_id', 'peer_id', 'seq'])
    .where(sql.ref('peer_id'), 'is not', null)
    .execute();
  await db.schema
    .createIndex('text_entries_message')
    .on('text_entries')
    .column('message_id')
    .execute();
  // Deleted messages are few: counting those after a read position walks only them.
  await db.schema
    .createIndex('text_entries_deleted')
    .on('text_entries')
    .columns(['stream_id', 'seq', 'sender_id'])
    .where(sql.ref('deleted'), '=', 1)
    .execute();

  // A member's read position in a room: the seq of the last entry they have read.
  await db.schema
    .createTable('room_read_positions')
    .addColumn('room_id', int, (c) => c.notNull().references('rooms.id').onDelete('cascade'))
    .addColumn('user_id', int, (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('seq', int, (c) => c.notNull())
    .addColumn('read_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('room_read_positions_pk', ['room_id', 'user_id'])
    .execute();

  // One row per inbox and peer: the conversation's latest entry (kept by a trigger) and the
  // inbox owner's read position in it (0: before its first message).
  await db.schema
    .createTable('conversations')
    .addColumn('stream_id', 'text', (c) => c.notNull())
    .addColumn('peer_id', int, (c) => c.notNull())
    .addColumn('last_seq', int, (c) => c.notNull())
    .addColumn('read_seq', int, (c) => c.notNull().defaultTo(0))
    .addColumn('read_at', 'text')
    .addPrimaryKeyConstraint('conversations_pk', ['stream_id', 'peer_id'])
    .execute();
  await db.schema
    .createIndex('conversations_recent')
    .on('conversations')
    .columns(['stream_id', 'last_seq'])
    .execute();

  await backfill(db);

  // Kept in step by triggers, so that every path that writes entries (sends, replies, bulk
  // loads) and every path that deletes a message keeps the counts right.
  if (pg) return postgresTriggers(db);
  await sql`
    CREATE TRIGGER text_entries_on_insert AFTER INSERT ON stream_entries
    WHEN (SELECT kind FROM messages WHERE id = NEW.message_id) = 'TEXT'
    BEGIN
      INSERT INTO text_entries
        (stream_id, seq, message_id, sender_id, peer_id, text_rank, sender_rank, deleted)
      SELECT NEW.stream_id, NEW.seq, NEW.message_id, m.sender_id, NEW.peer_id,
        coalesce((SELECT t.text_rank FROM text_entries t WHERE t.stream_id = NEW.stream_id
          ORDER BY t.seq DESC LIMIT 1), 0) + 1,
        coalesce((SELECT t.sender_rank FROM text_entries t WHERE t.stream_id = NEW.stream_id
          AND t.sender_id = m.sender_id ORDER BY t.seq DESC LIMIT 1), 0) + 1,
        m.deleted_at IS NOT NULL
      FROM messages m WHERE m.id = NEW.message_id;
    END`.execute(db);
  await sql`
    CREATE TRIGGER text_entries_on_delete AFTER UPDATE OF deleted_at ON messages
    WHEN NEW.deleted_at IS NOT NULL AND OLD.deleted_at IS NULL
    BEGIN
      UPDATE text_entries SET deleted = 1 WHERE message_id = NEW.id;
    END`.execute(db);
  await sql`
    CREATE TRIGGER conversations_on_insert AFTER INSERT ON stream_entries
    WHEN NEW.peer_id IS NOT NULL
    BEGIN
      INSERT INTO conversations (stream_id, peer_id, last_seq) VALUES (NEW.stream_id, NEW.peer_id, NEW.seq)
      ON CONFLICT (stream_id, peer_id) DO UPDATE SET last_seq = max(last_seq, excluded.last_seq);
    END`.execute(db);
}

/**
 * The same three triggers in PL/pgSQL. The prefix counts read the stream's last TEXT entry:
 * the sender holds the stream's row lock (nextSeq), so that entry is the committed latest.
 */
// biome-ignore lint/suspicious/noExplicitAny: see up()
async function postgresTriggers(db: Kysely<any>): Promise<void> {
  await sql`
    CREATE FUNCTION text_entries_on_insert() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      INSERT INTO text_entries
        (stream_id, seq, message_id, sender_id, peer_id, text_rank, sender_rank, deleted)
      SELECT NEW.stream_id, NEW.seq, NEW.message_id, m.sender_id, NEW.peer_id,
        coalesce((SELECT t.text_rank FROM text_entries t WHERE t.stream_id = NEW.stream_id
          ORDER BY t.seq DESC LIMIT 1), 0) + 1,
        coalesce((SELECT t.sender_rank FROM text_entries t WHERE t.stream_id = NEW.stream_id
          AND t.sender_id = m.sender_id ORDER BY t.seq DESC LIMIT 1), 0) + 1,
        CASE WHEN m.deleted_at IS NULL THEN 0 ELSE 1 END
      FROM messages m WHERE m.id = NEW.message_id AND m.kind = 'TEXT';
      RETURN NULL;
    END $$`.execute(db);
  await sql`
    CREATE TRIGGER text_entries_on_insert AFTER INSERT ON stream_entries
    FOR EACH ROW EXECUTE FUNCTION text_entries_on_insert()`.execute(db);
  await sql`
    CREATE FUNCTION text_entries_on_delete() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      UPDATE text_entries SET deleted = 1 WHERE message_id = NEW.id;
      RETURN NULL;
    END $$`.execute(db);
  await sql`
    CREATE TRIGGER text_entries_on_delete AFTER UPDATE OF deleted_at ON messages
    FOR EACH ROW WHEN (NEW.deleted_at IS NOT NULL AND OLD.deleted_at IS NULL)
    EXECUTE FUNCTION text_entries_on_delete()`.execute(db);
  await sql`
    CREATE FUNCTION conversations_on_insert() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      INSERT INTO conversations (stream_id, peer_id, last_seq)
      VALUES (NEW.stream_id, NEW.peer_id, NEW.seq)
      ON CONFLICT (stream_id, peer_id)
      DO UPDATE SET last_seq = greatest(conversations.last_seq, excluded.last_seq);
      RETURN NULL;
    END $$`.execute(db);
  await sql`
    CREATE TRIGGER conversations_on_insert AFTER INSERT ON stream_entries
    FOR EACH ROW WHEN (NEW.peer_id IS NOT NULL) EXECUTE FUNCTION conversations_on_insert()`.execute(
    db,
  );
}

/** What a database written before this migration already holds. */
// biome-ignore lint/suspicious/noExplicitAny: see up()
async function backfill(db: Kysely<any>): Promise<void> {
  // SQLite stores a comparison as 0 or 1; PostgreSQL's is a boolean.
  const deleted = isPostgres(db)
    ? sql`CASE WHEN m.deleted_at IS NULL THEN 0 ELSE 1 END`
    : sql`m.deleted_at IS NOT NULL`;
  await sql`
    INSERT INTO text_entries
      (stream_id, seq, message_id, sender_id, peer_id, text_rank, sender_rank, deleted)
    SELECT e.stream_id, e.seq, e.message_id, m.sender_id, e.peer_id,
      row_number() OVER (PARTITION BY e.stream_id ORDER BY e.seq),
      row_number() OVER (PARTITION BY e.stream_id, m.sender_id ORDER BY e.seq),
      ${deleted}
    FROM stream_entries e JOIN messages m ON m.id = e.message_id
    WHERE m.kind = 'TEXT'`.execute(db);
  await sql`
    INSERT INTO conversations (stream_id, peer_id, last_seq)
    SELECT stream_id, peer_id, max(seq) FROM stream_entries
    WHERE peer_id IS NOT NULL GROUP BY stream_id, peer_id`.execute(db);
  // A member's read position starts at their own latest "<name> joined".
  await sql`
    INSERT INTO room_read_positions (room_id, user_id, seq, read_at)
    SELECT mb.room_id, mb.user_id,
      coalesce((SELECT max(e.seq) FROM stream_entries e JOIN messages m ON m.id = e.message_id
        WHERE e.stream_id = 'room:' || mb.room_id AND m.kind = 'SYSTEM'
          AND m.content = u.name || ' joined'), 0),
      mb.joined_at
    FROM memberships mb JOIN users u ON u.id = mb.user_id`.execute(db);
}

// biome-ignore lint/suspicious/noExplicitAny: see up()
export async function down(db: Kysely<any>): Promise<void> {
  const pg = isPostgres(db);
  for (const [trigger, table] of [
    ['conversations_on_insert', 'stream_entries'],
    ['text_entries_on_delete', 'messages'],
    ['text_entries_on_insert', 'stream_entries'],
  ] as const) {
    await (pg
      ? sql`DROP TRIGGER ${sql.id(trigger)} ON ${sql.id(table)}`
      : sql`DROP TRIGGER ${sql.id(trigger)}`
    ).execute(db);
    if (pg) await sql`DROP FUNCTION ${sql.id(trigger)}()`.execute(db);
  }
  for (const table of ['conversations', 'room_read_positions', 'text_entries']) {
    await db.schema.dropTable(table).execute();
  }
}
