import { createHash } from 'node:crypto';
import type { Db } from '../storage/db.js';
import { searchMessages } from '../storage/repositories/search.js';
import type { StreamEntry } from '../storage/repositories/streams.js';
import { badInput } from './errors.js';
import type { HistoryPage } from './history.js';
import type { RoomService } from './rooms.js';
import { validPageSize } from './validation.js';
import type { Viewer } from './viewer.js';

const MAX_QUERY_LENGTH = 200;
const DEFAULT_PAGE = 50;
/** A word is what the FTS tokenizer would index: a run holding a letter or a digit. */
const HAS_WORD_CHARACTER = /[\p{L}\p{N}]/u;

/** Full-text search over what the viewer may read, newest first. */
export class SearchService {
  constructor(
    private readonly db: Db,
    private readonly rooms: RoomService,
  ) {}

  async search(
    viewer: Viewer,
    query: string,
    args: {
      roomId?: string | null | undefined;
      first?: number | null | undefined;
      after?: string | null | undefined;
    },
  ): Promise<HistoryPage> {
    const words = validQuery(query);
    const limit = validPageSize(args.first, 'first') ?? DEFAULT_PAGE;
    const roomId = args.roomId ? (await this.rooms.visibleRoom(viewer, args.roomId)).id : undefined;
    // A cursor belongs to one query: the same words in the same room.
    const queryKey = createHash('sha256')
      .update(JSON.stringify([words, roomId ?? null]))
      .digest('base64url')
      .slice(0, 16);
    const beforeId = args.after ? decodeSearchCursor(args.after, queryKey) : undefined;
    const rows = await searchMessages(this.db, {
      viewerId: viewer.id,
      words,
      roomId,
      beforeId,
      limit: limit + 1,
    });
    return {
      entries: rows.slice(0, limit),
      hasNextPage: rows.length > limit,
      // Forward paging only: nothing lies between `after` and the first edge.
      hasPreviousPage: false,
      edgeCursor: (entry: StreamEntry) => encodeSearchCursor(queryKey, entry.message.id),
    };
  }
}

/** Plain words, 1-200 characters: split on white space; operators are words like others. */
function validQuery(query: string): string[] {
  const trimmed = query.trim();
  const length = [...trimmed].length;
  if (length < 1 || length > MAX_QUERY_LENGTH)
    throw badInput(`query must be 1-${MAX_QUERY_LENGTH} characters`, 'query');
  const words = trimmed.split(/\s+/u).filter((word) => HAS_WORD_CHARACTER.test(word));
  if (words.length === 0) throw badInput('query must hold at least one word', 'query');
  return words;
}

function encodeSearchCursor(queryKey: string, messageId: number): string {
  return Buffer.from(`s1:${queryKey}:${messageId}`).toString('base64url');
}

function decodeSearchCursor(cursor: string, queryKey: string): number {
  const match = /^s1:([A-Za-z0-9_-]{16}):([1-9][0-9]{0,15})$/.exec(
    /^[A-Za-z0-9_-]{1,200}$/.test(cursor) ? Buffer.from(cursor, 'base64url').toString('utf8') : '',
  );
  if (!match || match[1] !== queryKey || !match[2])
    throw badInput('after is not a cursor of this search', 'after');
  return Number(match[2]);
}
