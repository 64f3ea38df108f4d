import { type Kysely, SqliteAdapter, sql } from 'kysely';
import { isPostgres } from '../src/storage/dialect.js';

// Frozen in time: a later change gets a new migration, never an edit here.
// biome-ignore lint/suspicious/noExplicitAny: migrations must not depend on today's Database type
export async function up(db: Kysely<any>): Promise<void> {
  const int = isPostgres(db) ? 'bigint' : 'integer';
  // Who has which emoji on which message: the current state the REACTION/UNREACTION entries
  // led to, so a message's reactions are one indexed read, not a replay of its stream.
  await db.schema
    .createTable('reactions')
    .addColumn('message_id', int, (c) => c.notNull().references('messages.id').onDelete('cascade'))
    .addColumn('user_id', int, (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('emoji', 'text', (c) => c.notNull())
    // The REACTION entry that added it: a repeated addReaction answers that entry.
    .addColumn('entry_id', int, (c) => c.references('messages.id').onDelete('set null'))
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('reactions_pk', ['message_id', 'user_id', 'emoji'])
    .execute();
  await db.schema.createIndex('reactions_entry').on('reactions').column('entry_id').execute();

  if (isPostgres(db)) return postgresSearch(db);
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

/**
 * PostgreSQL's full-text search in place of FTS5: an expression GIN index over TEXT messages,
 * so every write path keeps it in step with no trigger. Its configuration is English
 * stemming without stop words, as FTS5's porter tokenizer (every word is searchable).
 */
// biome-ignore lint/suspicious/noExplicitAny: see up()
async function postgresSearch(db: Kysely<any>): Promise<void> {
  await sql`CREATE TEXT SEARCH DICTIONARY switchboard_stem (TEMPLATE = snowball, LANGUAGE = english)`.execute(
    db,
  );
  await sql`CREATE TEXT SEARCH CONFIGURATION switchboard (COPY = english)`.execute(db);
  await sql`ALTER TEXT SEARCH CONFIGURATION switchboard
    ALTER MAPPING FOR asciiword, asciihword, hword_asciipart, word, hword, hword_part
    WITH switchboard_stem`.execute(db);
  await sql`CREATE INDEX messages_fts ON messages
    USING gin (to_tsvector('switchboard', content)) WHERE kind = 'TEXT'`.execute(db);
}

// biome-ignore lint/suspicious/noExplicitAny: see up()
export async function down(db: Kysely<any>): Promise<void> {
  if (isPostgres(db)) {
    await sql`DROP INDEX messages_fts`.execute(db);
    await sql`DROP TEXT SEARCH CONFIGURATION switchboard`.execute(db);
    await sql`DROP TEXT SEARCH DICTIONARY switchboard_stem`.execute(db);
  }
  if (db.getExecutor().adapter instanceof SqliteAdapter) {
    for (const trigger of ['messages_fts_insert', 'messages_fts_delete', 'messages_fts_update'])
      await sql`DROP TRIGGER ${sql.id(trigger)}`.execute(db);
    await sql`DROP TABLE messages_fts`.execute(db);
  }
  await db.schema.dropTable('reactions').execute();
}
