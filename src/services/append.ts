import type { NewMessage } from '../storage/database.js';
import type { Db } from '../storage/db.js';
import { insertMessage } from '../storage/repositories/messages.js';
import { placeMessage, type StreamEntry } from '../storage/repositories/streams.js';
import { now } from './viewer.js';

/** Stores a message and gives it the next seq of one stream, inside the caller's transaction. */
export async function appendToStream(
  trx: Db,
  streamId: string,
  message: Omit<NewMessage, 'created_at'>,
): Promise<StreamEntry> {
  const createdAt = now();
  const stored = await insertMessage(trx, { ...message, created_at: createdAt });
  const [placed] = await placeMessage(trx, stored.id, [{ streamId, peerId: null }], createdAt);
  if (!placed) throw new Error(`message ${stored.id} was placed in no stream`);
  return { ...placed, message: stored };
}
