import type { MessageRow, NewMessage } from '../database.js';
import type { Db } from '../db.js';

export async function insertMessage(db: Db, message: NewMessage): Promise<MessageRow> {
  return db.insertInto('messages').values(message).returningAll().executeTakeFirstOrThrow();
}

export async function findByClientId(
  db: Db,
  senderId: number,
  clientId: string,
): Promise<MessageRow | undefined> {
  return db
    .selectFrom('messages')
    .selectAll()
    .where('sender_id', '=', senderId)
    .where('client_id', '=', clientId)
    .executeTakeFirst();
}
