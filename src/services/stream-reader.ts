import type { Events, StreamEvent } from '../pubsub/events.js';
import { LiveQueue } from '../pubsub/live-queue.js';
import type { PubSub } from '../pubsub/pubsub.js';
import type { Db } from '../storage/db.js';
import { entriesInWindow, type StreamEntry } from '../storage/repositories/streams.js';

export interface StreamReaderDeps {
  db: Db;
  pubsub: PubSub<Events>;
  /** Entries read from storage per query while replaying. */
  pageSize: number;
  /** Live events a subscriber may hold before it falls back to storage. */
  liveBuffer: number;
}

export interface StreamReadOptions {
  streamId: string;
  /** Everything after this seq is delivered: stored first, then live. */
  afterSeq: number;
  /** A `removed` event for this user ends the read (a private room they left). */
  endsWhenRemoved?: number | undefined;
  /** Called once an entry has been handed on and the consumer asked for the next one. */
  onDelivered?: ((seq: number) => void) | undefined;
}

/**
 * Offline replay, then live, with no gap and no duplicate: subscribe to live events
 * first (buffered), replay storage in pages up to the head, then drain the buffer,
 * skipping what replay already gave. A gap in live events (an overflowed buffer, or
 * publishes that raced) is filled from storage, where every published entry already is.
 */
export function readStream(
  deps: StreamReaderDeps,
  options: StreamReadOptions,
): AsyncIterableIterator<StreamEntry> {
  const queue = new LiveQueue<StreamEvent>(deps.liveBuffer);
  const unsubscribe = deps.pubsub.subscribe('stream', options.streamId, (event) =>
    queue.push(event),
  );
  let last = options.afterSeq;

  async function* deliver(entry: StreamEntry): AsyncGenerator<StreamEntry> {
    last = entry.seq;
    yield entry;
    // Resumed: the consumer has finished with this entry (graphql-ws pulls after the write).
    options.onDelivered?.(entry.seq);
  }

  async function* fromStorage(beforeSeq: number | undefined): AsyncGenerator<StreamEntry> {
    for (;;) {
      const page = await entriesInWindow(
        deps.db,
        { streamId: options.streamId, afterSeq: last, beforeSeq },
        deps.pageSize,
        false,
      );
      for (const entry of page) yield* deliver(entry);
      if (page.length < deps.pageSize) return;
    }
  }

  async function* run(): AsyncGenerator<StreamEntry> {
    try {
      yield* fromStorage(undefined);
      for (;;) {
        const next = await queue.next();
        if (next.kind === 'closed') return;
        if (next.kind === 'lagged') {
          yield* fromStorage(undefined);
          continue;
        }
        const event = next.item;
        if (event.type === 'closed') return;
        if (event.type === 'removed') {
          if (event.userId === options.endsWhenRemoved) return;
          continue;
        }
        const { seq } = event.entry;
        if (seq <= last) continue;
        if (seq > last + 1) yield* fromStorage(seq);
        yield* deliver(event.entry);
      }
    } finally {
      unsubscribe();
      queue.close();
    }
  }

  return cancellable(run(), () => {
    unsubscribe();
    queue.close();
  });
}

/**
 * An async generator cannot be stopped while it awaits; `return()` would wait for the
 * next live event. Closing its source first lets the await settle at once.
 */
export function cancellable<T>(
  generator: AsyncGenerator<T>,
  cancel: () => void,
): AsyncIterableIterator<T> {
  return {
    next: () => generator.next(),
    return: (value?: unknown) => {
      cancel();
      return generator.return(value as T);
    },
    throw: (error?: unknown) => {
      cancel();
      return generator.throw(error);
    },
    [Symbol.asyncIterator]() {
      return this;
    },
  };
}
