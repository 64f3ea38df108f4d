import type { MessageRow } from '../storage/database.js';
import type { Db } from '../storage/db.js';
import {
  entriesOfMessages,
  reactionCounts,
  replyCounts,
} from '../storage/repositories/message-changes.js';
import type { StreamEntry } from '../storage/repositories/streams.js';
import { BatchLoader } from './batch-loader.js';

export interface ReactionCount {
  emoji: string;
  count: number;
  viewerReacted: boolean;
}

/**
 * The current state of messages as a result is resolved (targets, reactions, reply
 * counts), read fresh and batched: a page or a replayed entry shows what holds now.
 */
export class MessageStateService {
  readonly #entries: BatchLoader<{ streamId: string; messageId: number }, StreamEntry | undefined>;
  readonly #reactions: BatchLoader<{ viewerId: number; messageId: number }, ReactionCount[]>;
  readonly #replyCounts: BatchLoader<number, number>;

  constructor(db: Db) {
    this.#entries = new BatchLoader(async (keys) => {
      const found = new Map<string, StreamEntry>();
      for (const [streamId, ids] of groupBy(
        keys,
        (key) => key.streamId,
        (key) => key.messageId,
      ))
        for (const entry of await entriesOfMessages(db, streamId, ids))
          found.set(`${streamId}\u0000${entry.message.id}`, entry);
      return keys.map((key) => found.get(`${key.streamId}\u0000${key.messageId}`));
    });
    this.#reactions = new BatchLoader(async (keys) => {
      const found = new Map<string, ReactionCount[]>();
      for (const [viewerId, ids] of groupBy(
        keys,
        (key) => key.viewerId,
        (key) => key.messageId,
      ))
        for (const row of await reactionCounts(db, ids, viewerId)) {
          const key = `${viewerId}\u0000${row.message_id}`;
          const list = found.get(key) ?? [];
          list.push({
            emoji: row.emoji,
            count: row.count,
            viewerReacted: row.viewer_reacted === 1,
          });
          found.set(key, list);
        }
      return keys.map((key) => found.get(`${key.viewerId}\u0000${key.messageId}`) ?? []);
    });
    this.#replyCounts = new BatchLoader(async (ids) => {
      const counts = await replyCounts(db, [...new Set(ids)]);
      return ids.map((id) => counts.get(id) ?? 0);
    });
  }

  /** A message at its place in one stream, read now (undefined once pruned or gone). */
  entryIn(streamId: string, messageId: number): Promise<StreamEntry | undefined> {
    return this.#entries.load({ streamId, messageId });
  }

  reactions(viewerId: number, message: MessageRow): Promise<ReactionCount[]> {
    // Only a TEXT message that is not deleted has reactions.
    if (message.kind !== 'TEXT' || message.deleted_at !== null) return Promise.resolve([]);
    return this.#reactions.load({ viewerId, messageId: message.id });
  }

  replyCount(message: MessageRow): Promise<number> {
    // Threads are one level deep: a reply has none.
    if (message.kind !== 'TEXT' || message.reply_to_id !== null) return Promise.resolve(0);
    return this.#replyCounts.load(message.id);
  }
}

function groupBy<K, G, V>(
  keys: readonly K[],
  group: (key: K) => G,
  value: (key: K) => V,
): Map<G, V[]> {
  const groups = new Map<G, Set<V>>();
  for (const key of keys) {
    const set = groups.get(group(key)) ?? new Set<V>();
    set.add(value(key));
    groups.set(group(key), set);
  }
  return new Map([...groups].map(([name, set]) => [name, [...set]]));
}
