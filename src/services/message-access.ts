import type { MessageRow } from '../storage/database.js';
import type { Db } from '../storage/db.js';
import { findMessageById } from '../storage/repositories/message-changes.js';
import { findRoomById, isMember } from '../storage/repositories/rooms.js';
import { badInput, forbidden, notFound } from './errors.js';
import { BROADCAST_STREAM, inboxStream, roomStream } from './streams.js';
import { parseId } from './validation.js';
import type { Viewer } from './viewer.js';

/** The stream a viewer reads a message on: its room, the viewer's inbox, or broadcast. */
export function streamSeenBy(viewer: Viewer, message: MessageRow): string {
  if (message.channel === 'ROOM' && message.room_id !== null) return roomStream(message.room_id);
  if (message.channel === 'DIRECT') return inboxStream(viewer.id);
  return BROADCAST_STREAM;
}

/** For a direct message: the other party of its conversation, seen from `userId`. */
export function peerOf(message: MessageRow, userId: number): number | null {
  return message.sender_id === userId ? message.recipient_id : message.sender_id;
}

/**
 * A message the viewer may read, or NOT_FOUND: a missing id, a private room they are not
 * in and someone else's conversation all look the same (SEMANTICS.md).
 */
export async function readableMessage(
  db: Db,
  viewer: Viewer,
  messageId: string,
): Promise<MessageRow> {
  const id = parseId(messageId);
  const message = id === undefined ? undefined : await findMessageById(db, id);
  if (!message) throw notFound('message');
  if (message.channel === 'DIRECT') {
    if (message.sender_id !== viewer.id && message.recipient_id !== viewer.id)
      throw notFound('message');
  } else if (message.channel === 'ROOM') {
    const room = message.room_id === null ? undefined : await findRoomById(db, message.room_id);
    if (!room || (room.is_private && !(await isMember(db, room.id, viewer.id))))
      throw notFound('message');
  }
  return message;
}

export type Action = 'edit' | 'delete' | 'react' | 'reply';

/**
 * The checks every change of a message shares (FEATURES.md): it is readable, a room's
 * changes are for its members, broadcasts take reactions and replies from admins only,
 * and only a TEXT message is a target. Deleted targets are left to the caller.
 */
export async function actionableMessage(
  db: Db,
  viewer: Viewer,
  messageId: string,
  action: Action,
): Promise<MessageRow> {
  const message = await readableMessage(db, viewer, messageId);
  if (message.channel === 'ROOM' && message.room_id !== null) {
    if (!(await isMember(db, message.room_id, viewer.id)))
      throw forbidden('only members change messages in a room');
  }
  if (message.channel === 'BROADCAST' && (action === 'react' || action === 'reply')) {
    if (!viewer.isAdmin) throw forbidden('only admins react or reply to broadcasts');
  }
  if (message.kind !== 'TEXT') throw badInput('only TEXT messages can be changed', 'messageId');
  return message;
}

export function assertNotDeleted(message: MessageRow): void {
  if (message.deleted_at !== null) throw badInput('the message was deleted', 'messageId');
}
