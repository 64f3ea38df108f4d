import type { MessageRow, NewMessage } from '../database.js';
import type { Db } from '../db.js';
import { prepared } from '../prepared.js';

// Every column given (null where the message has none): one prepared shape for all kinds.
const insertMessageQuery = prepared((db: Db, m: NewMessage) =>
  db
    .insertInto('messages')
    .values({
      channel: m.channel,
      kind: m.kind,
      room_id: m.room_id,
      sender_id: m.sender_id,
      recipient_id: m.recipient_id,
      content: m.content,
      client_id: m.client_id,
      created_at: m.created_at,
      target_id: m.target_id,
      reply_to_id: m.reply_to_id,
      edited_at: m.edited_at,
      deleted_at: m.deleted_at,
    })
    .returningAll(),
);

export async function insertMessage(db: Db, message: NewMessage): Promise<MessageRow> {
  const [row] = (await insertMessageQuery(db, message)).rows;
  if (!row) throw new Error('insert into messages returned no row');
  return row;
}

const byClientIdQuery = prepared((db: Db, a: { senderId: number; clientId: string }) =>
  db
    .selectFrom('messages')
    .selectAll()
    .where('sender_id', '=', a.senderId)
    .where('client_id', '=', a.clientId),
);

export async function findByClientId(
  db: Db,
  senderId: number,
  clientId: string,
): Promise<MessageRow | undefined> {
  return (await byClientIdQuery(db, { senderId, clientId })).rows[0];
}
