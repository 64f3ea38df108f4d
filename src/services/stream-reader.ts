import type { Events, StreamEvent } from '../pubsub/events.js';
import type { LiveBudget } from '../pubsub/live-budget.js';
import { LiveQueue } from '../pubsub/live-queue.js';
import type { PubSub } from '../pubsub/pubsub.js';
import type { Db } from '../storage/db.js';
import { entriesInWindow, type StreamEntry } from '../storage/repositories/streams.js';

export interface StreamReaderDeps {
  db: Db;
  pubsub: PubSub<Events>;
  /** Entries read from storage per query while replaying. */
  pageSize: number;
  /**
   * Bytes of live events (see liveEventBytes) a subscriber without a LiveBudget may hold
   * before it drops them and falls back to storage.
   */
  liveBufferBytes: number;
  /** Told when a subscription starts and ends replaying from storage (metrics). */
  replay?: ReplayObserver;
}

export interface ReplayObserver {
  started(): void;
  finished(messages: number, seconds: number): void;
}

export interface StreamReadOptions {
  streamId: string;
  /** Everything after this seq is delivered: stored first, then live. */
  afterSeq: number;
  /** A `removed` event for this user ends the read (a private room they left). */
  endsWhenRemoved?: number | undefined;
  /**
   * Asked before catching up from storage after live events were dropped or may have been
   * lost: a lost `removed` or `closed` would otherwise leave the read going. False ends it.
   */
  stillReadable?: (() => Promise<boolean>) | undefined;
  /** Called once an entry has been handed on and the consumer asked for the next one. */
  onDelivered?: ((seq: number) => void) | undefined;
  /**
   * The consumer's budget for unsent live output (one graphql-ws connection): it bounds
   * the live queue instead of liveBufferBytes, and ends this read when it is exceeded.
   */
  budget?: LiveBudget | undefined;
}

/**
 * A consumer that takes a live entry at once, inside the publish (the graphql-ws transport
 * writing it to its socket), and says whether it did. It is offered an entry only while
 * the reader waits on live events with nothing queued and the entry is the next seq, so
 * order and gap-freedom hold; what it declines goes through the queue as before. This
 * spares each subscriber of each event the generator's and the iterator's promise jobs.
 */
export type PushConsumer = (entry: StreamEntry) => boolean;

export const attachPush = Symbol('attachPush');

export interface StreamRead extends AsyncIterableIterator<StreamEntry> {
  [attachPush](consumer: PushConsumer): void;
}

/**
 * Approximately what a live event costs to hold and send: the content's UTF-8 size plus
 * the rest of a `next` message (ids, cursor, timestamps, JSON framing).
 */
export function liveEventBytes(event: StreamEvent): number {
  const MESSAGE_OVERHEAD = 512;
  return event.type === 'entry'
    ? Buffer.byteLength(event.entry.message.content) + MESSAGE_OVERHEAD
    : 64;
}

/**
 * Offline replay, then live, with no gap and no duplicate: subscribe to live events
 * first (buffered), replay storage in pages up to the head, then drain the buffer,
 * skipping what replay already gave. A gap in live events (an overflowed buffer, or
 * publishes that raced) is filled from storage, where every published entry already is.
 */
export function readStream(deps: StreamReaderDeps, options: StreamReadOptions): StreamRead {
  const queue = new LiveQueue<StreamEvent>(deps.liveBufferBytes, liveEventBytes, options.budget);
  let push: PushConsumer | undefined;
  let stopped = false;
  let last = options.afterSeq;
  const unsubscribe = deps.pubsub.subscribe('stream', options.streamId, (event) => {
    if (
      push &&
      event.type === 'entry' &&
      queue.waiting &&
      !stopped &&
      event.entry.seq === last + 1 &&
      push(event.entry)
    ) {
      last = event.entry.seq;
      options.onDelivered?.(last);
      return;
    }
    queue.push(event);
  });
  const stop = () => {
    stopped = true;
    unsubscribe();
    queue.close();
  };
  // A cut-off consumer gets nothing more: stop listening and free the queue at once, even
  // while this reader waits for the consumer to take the entry it is sending.
  const offBudget = options.budget?.onExceeded(stop);

  // Around each `yield` (inline, not a generator per entry: this runs per subscriber per event).
  const handing = (entry: StreamEntry): boolean => {
    if (stopped) return false;
    last = entry.seq;
    return true;
  };
  // Resumed: the consumer has finished with this entry (it pulls after the write). Once
  // stopped it may have been dropped unsent: an earlier position is the safe one.
  const handed = (entry: StreamEntry): void => {
    if (!stopped) options.onDelivered?.(entry.seq);
  };

  async function* fromStorage(beforeSeq: number | undefined): AsyncGenerator<StreamEntry> {
    for (;;) {
      const page = await entriesInWindow(
        deps.db,
        { streamId: options.streamId, afterSeq: last, beforeSeq },
        deps.pageSize,
        false,
      );
      for (const entry of page) {
        if (!handing(entry)) return;
        yield entry;
        handed(entry);
      }
      if (page.length < deps.pageSize) return;
    }
  }

  /** The first read from storage: the backlog this subscription resumes with. */
  async function* replay(): AsyncGenerator<StreamEntry> {
    const startedAt = performance.now();
    let messages = 0;
    deps.replay?.started();
    try {
      for await (const entry of fromStorage(undefined)) {
        messages += 1;
        yield entry;
      }
    } finally {
      deps.replay?.finished(messages, (performance.now() - startedAt) / 1000);
    }
  }

  async function* run(): AsyncGenerator<StreamEntry> {
    try {
      yield* replay();
      for (;;) {
        const next = await queue.next();
        if (next.kind === 'closed') return;
        const event = next.kind === 'lagged' ? undefined : next.item;
        // Dropped from the queue, or maybe lost on the way: storage has every entry.
        if (event === undefined || event.type === 'resync') {
          if (options.stillReadable && !(await options.stillReadable())) return;
          yield* fromStorage(undefined);
          continue;
        }
        if (event.type === 'closed') return;
        if (event.type === 'removed') {
          if (event.userId === options.endsWhenRemoved) return;
          continue;
        }
        const { seq } = event.entry;
        if (seq <= last) continue;
        if (seq > last + 1) yield* fromStorage(seq);
        if (!handing(event.entry)) return;
        yield event.entry;
        handed(event.entry);
      }
    } finally {
      offBudget?.();
      stop();
    }
  }

  return Object.assign(cancellable(run(), stop), {
    [attachPush]: (consumer: PushConsumer) => {
      push = consumer;
    },
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
