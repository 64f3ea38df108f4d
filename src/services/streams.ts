import type { Db } from '../storage/db.js';
import { entryExists, streamHead } from '../storage/repositories/streams.js';
import { badInput, DomainError } from './errors.js';

export const BROADCAST_STREAM = 'broadcast';
export const roomStream = (roomId: number): string => `room:${roomId}`;
export const inboxStream = (userId: number): string => `inbox:${userId}`;

/** Cursors are opaque to clients: base64url of `v1:<stream>:<seq>`. */
export function encodeCursor(streamId: string, seq: number): string {
  return Buffer.from(`v1:${streamId}:${seq}`).toString('base64url');
}

function decodeCursor(cursor: string): { streamId: string; seq: number } | undefined {
  if (!/^[A-Za-z0-9_-]{1,200}$/.test(cursor)) return undefined;
  const match = /^v1:((?:room|inbox):[1-9][0-9]*|broadcast):([1-9][0-9]{0,15})$/.exec(
    Buffer.from(cursor, 'base64url').toString('utf8'),
  );
  if (!match?.[1] || !match[2]) return undefined;
  return { streamId: match[1], seq: Number(match[2]) };
}

/**
 * The seq a cursor points at, once it is known to belong to this stream, to be at or
 * before its head, and to be within retained history.
 */
export async function seqOfCursor(
  db: Db,
  streamId: string,
  cursor: string,
  argument: string,
): Promise<number> {
  const decoded = decodeCursor(cursor);
  if (!decoded || decoded.streamId !== streamId) {
    throw badInput(`${argument} is not a cursor of this stream`, argument);
  }
  const head = (await streamHead(db, streamId)) ?? 0;
  if (decoded.seq > head) throw badInput(`${argument} points past the end of the stream`, argument);
  return decoded.seq;
}

/**
 * With retention on, a cursor whose next entry was pruned can no longer be resumed from
 * without a gap.
 */
export async function assertRetained(db: Db, streamId: string, afterSeq: number): Promise<void> {
  const firstWanted = afterSeq + 1;
  const head = (await streamHead(db, streamId)) ?? 0;
  if (firstWanted <= head && !(await entryExists(db, streamId, firstWanted))) {
    throw new DomainError(
      'CURSOR_EXPIRED',
      'the history after this cursor is no longer retained; fetch history',
    );
  }
}
