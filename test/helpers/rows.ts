import { currentSchema } from '../../src/storage/migrate.js';
import type { TestServer } from './server.js';

/** Makes every message up to `lastId` (and its stream entries) look `days` old, as if sent back then. */
export async function backdate(server: TestServer, lastId: string, days: number): Promise<void> {
  const db = server.openDb();
  try {
    const createdAt = new Date(Date.now() - days * 86_400_000).toISOString();
    const id = Number(lastId);
    await db.updateTable('messages').set({ created_at: createdAt }).where('id', '<=', id).execute();
    await db
      .updateTable('stream_entries')
      .set({ created_at: createdAt })
      .where('message_id', '<=', id)
      .execute();
  } finally {
    await db.destroy();
  }
}

/** Rows in every table of the server's storage: what a write would change. */
export async function rowCounts(server: TestServer): Promise<Record<string, number>> {
  const db = server.openDb();
  try {
    const counts: Record<string, number> = {};
    // PostgreSQL lists the tables of every schema in the database; only this server's count.
    const schema = await currentSchema(db);
    const tables = await db.introspection.getTables();
    for (const { name } of tables.filter((table) => table.schema === schema)) {
      const row = await db
        .selectFrom(name as 'messages')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .executeTakeFirstOrThrow();
      counts[name] = Number(row.n);
    }
    return counts;
  } finally {
    await db.destroy();
  }
}
