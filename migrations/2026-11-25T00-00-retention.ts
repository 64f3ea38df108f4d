import type { Kysely } from 'kysely';

// RETENTION_DAYS prunes messages by age: these let the pruning job find them without a scan.
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.createIndex('messages_created_at').on('messages').column('created_at').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('messages_created_at').execute();
}
