import type { Db } from '../storage/db.js';
import {
  anyEntryInWindow,
  type EntryWindow,
  entriesInWindow,
  type StreamEntry,
} from '../storage/repositories/streams.js';
import { badInput } from './errors.js';
import { assertRetained, seqOfCursor } from './streams.js';
import { validPageSize } from './validation.js';

export interface PageArgs {
  first?: number | null | undefined;
  after?: string | null | undefined;
  last?: number | null | undefined;
  before?: string | null | undefined;
}

export interface HistoryPage {
  entries: StreamEntry[];
  hasNextPage: boolean;
  hasPreviousPage: boolean;
  /** An edge's cursor when it is not the entry's stream cursor (a search result's). */
  edgeCursor?: (entry: StreamEntry) => string;
}

const DEFAULT_PAGE = 50;

/**
 * Relay paging over one stream (optionally one inbox peer): the window is strictly
 * between `after` and `before`; `first` takes from its start, `last` from its end
 * (both: first, then the last of those). Edges are oldest first; the page flags say
 * whether the window holds more on either side of what was returned.
 */
export async function historyPage(
  db: Db,
  streamId: string,
  args: PageArgs,
  options: { peerId?: number | undefined; retention: boolean },
): Promise<HistoryPage> {
  const first = validPageSize(args.first, 'first');
  const last = validPageSize(args.last, 'last');
  const afterSeq = args.after ? await seqOfCursor(db, streamId, args.after, 'after') : undefined;
  const beforeSeq = args.before
    ? await seqOfCursor(db, streamId, args.before, 'before')
    : undefined;
  if (afterSeq !== undefined && beforeSeq !== undefined && beforeSeq <= afterSeq) {
    throw badInput('before must come after after', 'before');
  }
  if (options.retention && afterSeq !== undefined) await assertRetained(db, streamId, afterSeq);
  const window: EntryWindow = { streamId, afterSeq, beforeSeq, peerId: options.peerId };

  let entries: StreamEntry[];
  if (first !== undefined) {
    entries = await entriesInWindow(db, window, first, false);
    if (last !== undefined) entries = entries.slice(-last);
  } else {
    entries = await entriesInWindow(db, window, last ?? DEFAULT_PAGE, true);
  }
  const start = entries[0];
  const end = entries.at(-1);
  if (!start || !end) return { entries, hasNextPage: false, hasPreviousPage: false };
  const [hasPreviousPage, hasNextPage] = await Promise.all([
    anyEntryInWindow(db, { ...window, beforeSeq: start.seq }),
    anyEntryInWindow(db, { ...window, afterSeq: end.seq }),
  ]);
  return { entries, hasNextPage, hasPreviousPage };
}
