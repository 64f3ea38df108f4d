import { type Kysely, SqliteAdapter, sql } from 'kysely';

// Frozen in time: a later change gets a new migration, never an edit here.
// biome-ignore lint/suspicious/noExplicitAny: migrations must not depend on today's Database type
export async function up(db: Kysely<any>): Promise<void> {
  // Who has which emoji on which message: the current state the REACTION/UNREACTION entries
  // led to, so a message's reactions are one indexed read, not a replay of its stream.
  await db.schema
    .createTable('reactions')
    .addColumn('message_id', 'integer', (c) =>
      c.notNull().references('messages.id').onDelete('cascade'),
    )
    .addColumn('user_id', 'integer', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('emoji', 'text', (c) => c.notNull())
    // The REACTION entry that added it: a repeated addReaction answers that entry.
    .addColumn('entry_id', 'integer', (c) => c.references('messages.id').onDelete('set null'))
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('reactions_pk', ['message_id', 'user_id', 'emoji'])
    .execute();
  await db.schema.createIndex('reactions_entry').on('reactions').column('entry_id').execute();

  if (!(db.getExecutor().adapter instanceof SqliteAdapter)) return;
  // Full-text search over TEXT messages, kept in step by triggers, so every write path
  // (send, edit, delete, retention, room deletion) updates it in its own transaction.
  // External content: the text lives once, in messages; the index holds only tokens.
  await sql`CREATE VIRTUAL TABLE messages_fts USING fts5(
    content, content = 'messages', content_rowid = 'id', tokenize = 'porter unicode61'
  )`.execute(db);
  await sql`CREATE TRIGGER messages_fts_insert AFTER INSERT ON messages
    WHEN new.kind = 'TEXT' BEGIN
      INSERT INTO messages_fts (rowid, content) VALUES (new.id, new.content);
    END`.execute(db);
  await sql`CREATE TRIGGER messages_fts_delete AFTER DELETE ON messages
    WHEN old.kind = 'TEXT' BEGIN
      INSERT INTO messages_fts (messages_fts, rowid, content) VALUES ('delete', old.id, old.content);
    END`.execute(db);
  await sql`CREATE TRIGGER messages_fts_update AFTER UPDATE OF content ON messages
    WHEN old.kind = 'TEXT' BEGIN
      INSERT INTO messages_fts (messages_fts, rowid, content) VALUES ('delete', old.id, old.content);
      INSERT INTO messages_fts (rowid, content) VALUES (new.id, new.content);
    END`.execute(db);
  await sql`INSERT INTO messages_fts (rowid, content)
    SELECT id, content FROM messages WHERE kind = 'TEXT'`.execute(db);
}

// biome-ignore lint/suspicious/noExplicitAny: see up()
export async function down(db: Kysely<any>): Promise<void> {
  if (db.getExecutor().adapter instanceof SqliteAdapter) {
    for (const trigger of ['messages_fts_insert', 'messages_fts_delete', 'messages_fts_update'])
      await sql`DROP TRIGGER ${sql.id(trigger)}`.execute(db);
    await sql`DROP TABLE messages_fts`.execute(db);
  }
  await db.schema.dropTable('reactions').execute();
}
