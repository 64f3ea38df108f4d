import { type ColumnDefinitionBuilder, type Kysely, sql } from 'kysely';
import { isPostgres } from '../src/storage/dialect.js';

// Frozen in time: a later change gets a new migration, never an edit here.
// On SQLite it reads as it always did; PostgreSQL gets 64-bit integers (SQLite's INTEGER)
// and identity ids where SQLite has AUTOINCREMENT.
// biome-ignore lint/suspicious/noExplicitAny: migrations must not depend on today's Database type
export async function up(db: Kysely<any>): Promise<void> {
  const pg = isPostgres(db);
  const int = pg ? 'bigint' : 'integer';
  const id = (c: ColumnDefinitionBuilder) =>
    pg ? c.primaryKey().generatedByDefaultAsIdentity() : c.primaryKey().autoIncrement();
  await db.schema
    .createTable('users')
    .addColumn('id', int, id)
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('name_key', 'text', (c) => c.notNull().unique())
    .addColumn('password_hash', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('presence')
    .addColumn('user_id', int, (c) => c.primaryKey().references('users.id').onDelete('cascade'))
    .addColumn('status', 'text', (c) => c.notNull().defaultTo('OFFLINE'))
    .addColumn('last_seen_at', 'text')
    .execute();
  await db.schema.createIndex('presence_status').on('presence').column('status').execute();

  await db.schema
    .createTable('rooms')
    .addColumn('id', int, id)
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('is_private', int, (c) => c.notNull())
    .addColumn('max_members', int, (c) => c.notNull())
    .addColumn('member_count', int, (c) => c.notNull().defaultTo(0))
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('created_by', int, (c) => c.references('users.id').onDelete('set null'))
    .execute();
  await db.schema.createIndex('rooms_private').on('rooms').columns(['is_private', 'id']).execute();

  await db.schema
    .createTable('memberships')
    .addColumn('room_id', int, (c) => c.notNull().references('rooms.id').onDelete('cascade'))
    .addColumn('user_id', int, (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('role', 'text', (c) => c.notNull())
    .addColumn('joined_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('memberships_pk', ['room_id', 'user_id'])
    .execute();
  await db.schema
    .createIndex('memberships_user')
    .on('memberships')
    .columns(['user_id', 'room_id'])
    .execute();

  await db.schema
    .createTable('streams')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('last_seq', int, (c) => c.notNull().defaultTo(0))
    .execute();
  await db.insertInto('streams').values({ id: 'broadcast', last_seq: 0 }).execute();

  await db.schema
    .createTable('messages')
    .addColumn('id', int, id)
    .addColumn('channel', 'text', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('room_id', int, (c) => c.references('rooms.id').onDelete('cascade'))
    .addColumn('sender_id', int, (c) => c.references('users.id').onDelete('set null'))
    .addColumn('recipient_id', int, (c) => c.references('users.id').onDelete('set null'))
    .addColumn('content', 'text', (c) => c.notNull())
    .addColumn('client_id', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('target_id', int, (c) => c.references('messages.id'))
    .addColumn('reply_to_id', int, (c) => c.references('messages.id'))
    .addColumn('edited_at', 'text')
    .addColumn('deleted_at', 'text')
    .execute();
  // Idempotency is a constraint, not a time window: one clientId per sender, forever.
  await db.schema
    .createIndex('messages_sender_client_id')
    .on('messages')
    .columns(['sender_id', 'client_id'])
    .unique()
    .execute();
  await db.schema.createIndex('messages_target').on('messages').column('target_id').execute();
  await db.schema.createIndex('messages_reply_to').on('messages').column('reply_to_id').execute();

  await db.schema
    .createTable('stream_entries')
    .addColumn('stream_id', 'text', (c) => c.notNull())
    .addColumn('seq', int, (c) => c.notNull())
    .addColumn('message_id', int, (c) => c.notNull().references('messages.id').onDelete('cascade'))
    .addColumn('peer_id', int)
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('stream_entries_pk', ['stream_id', 'seq'])
    .execute();
  await db.schema
    .createIndex('stream_entries_message')
    .on('stream_entries')
    .column('message_id')
    .execute();
  // A direct conversation's history pages through the viewer's inbox by peer.
  await db.schema
    .createIndex('stream_entries_peer')
    .on('stream_entries')
    .columns(['stream_id', 'peer_id', 'seq'])
    .where(sql.ref('peer_id'), 'is not', null)
    .execute();

  await db.schema
    .createTable('delivery_positions')
    .addColumn('user_id', int, (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('stream_id', 'text', (c) => c.notNull())
    .addColumn('seq', int, (c) => c.notNull())
    .addPrimaryKeyConstraint('delivery_positions_pk', ['user_id', 'stream_id'])
    .execute();
}

// biome-ignore lint/suspicious/noExplicitAny: see up()
export async function down(db: Kysely<any>): Promise<void> {
  for (const table of [
    'delivery_positions',
    'stream_entries',
    'messages',
    'streams',
    'memberships',
    'rooms',
    'presence',
    'users',
  ]) {
    await db.schema.dropTable(table).execute();
  }
}
