import type { Events, StreamEvent } from '../pubsub/events.js';
import { type Consumer, type Followable, Puller } from '../pubsub/follow.js';
import type { BudgetedRead, LiveBudget } from '../pubsub/live-budget.js';
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
  /** Called once the consumer has taken an entry (pulled: once it asked for the next one). */
  onDelivered?: ((seq: number) => void) | undefined;
  /**
   * The consumer's budget for unsent live output (one graphql-ws connection): it bounds
   * the live queue instead of liveBufferBytes, and ends this read when it is exceeded.
   */
  budget?: LiveBudget | undefined;
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
 * first (held), replay storage in pages up to the head, then take what was held, skipping
 * what replay already gave. A gap in live events (an overflowed buffer, or publishes that
 * raced) is filled from storage, where every published entry already is.
 */
export function readStream(deps: StreamReaderDeps, options: StreamReadOptions): StreamRead {
  return new StreamRead(deps, options);
}

const RESYNC: StreamEvent = { type: 'resync' };
const DONE: IteratorResult<never> = { done: true, value: undefined };

/**
 * One subscriber's read, pushed to a consumer (follow) or pulled as an async iterator. It
 * runs only while there is something to do: idle and live, it is this object, its pub/sub
 * listener and its empty queue, with nothing pending.
 */
export class StreamRead implements Followable<StreamEntry>, BudgetedRead {
  readonly #deps: StreamReaderDeps;
  readonly #options: StreamReadOptions;
  readonly #queue: LiveQueue<StreamEvent>;
  readonly #unsubscribe: () => void;
  #consumer: Consumer<StreamEntry> | undefined;
  #puller: Puller<StreamEntry> | undefined;
  /** The seq of the last entry handed on. */
  #last: number;
  /** Replaying, reading storage, or waiting for the consumer: live events are held meanwhile. */
  #busy = true;
  #stopped = false;

  constructor(deps: StreamReaderDeps, options: StreamReadOptions) {
    this.#deps = deps;
    this.#options = options;
    this.#last = options.afterSeq;
    this.#queue = new LiveQueue<StreamEvent>(deps.liveBufferBytes, liveEventBytes, options.budget);
    this.#unsubscribe = deps.pubsub.subscribe('stream', options.streamId, (event) =>
      this.#onEvent(event),
    );
    options.budget?.watch(this);
  }

  follow(consumer: Consumer<StreamEntry>): void {
    this.#consumer = consumer;
    if (this.#stopped) consumer.end();
    else this.#after(this.#replay());
  }

  next(): Promise<IteratorResult<StreamEntry>> {
    if (!this.#puller) {
      this.#puller = new Puller<StreamEntry>();
      const first = this.#puller.next();
      this.follow(this.#puller);
      return first;
    }
    return this.#puller.next();
  }

  return(): Promise<IteratorResult<StreamEntry>> {
    this.#stop();
    this.#puller?.close();
    return Promise.resolve(DONE);
  }

  throw(): Promise<IteratorResult<StreamEntry>> {
    return this.return();
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  /** A cut-off consumer gets nothing more: stop listening and free the queue at once. */
  budgetExceeded(): void {
    this.#finish();
  }

  #stop(): void {
    if (this.#stopped) return;
    this.#stopped = true;
    this.#unsubscribe();
    this.#queue.close();
    this.#options.budget?.unwatch(this);
  }

  /** Ends the read from this side: the consumer is told (once; not after its own return()). */
  #finish(error?: unknown): void {
    if (this.#stopped) return;
    this.#stop();
    this.#consumer?.end(error);
  }

  #onEvent(event: StreamEvent): void {
    if (this.#busy) {
      this.#queue.push(event);
      return;
    }
    this.#busy = true;
    this.#take(event);
  }

  /** Handles `event`, then what is held, until one needs to wait (or none is left). */
  #take(first: StreamEvent | undefined): void {
    let event = first;
    while (event !== undefined && !this.#stopped) {
      let work: Promise<void> | undefined;
      try {
        work = this.#handle(event);
      } catch (error) {
        this.#finish(error);
        return;
      }
      if (work) {
        this.#after(work);
        return;
      }
      event = this.#held();
    }
    this.#busy = false;
  }

  /** Once `work` is done, takes what was held meanwhile. */
  #after(work: Promise<void>): void {
    work.then(
      () => {
        if (!this.#stopped) this.#take(this.#held());
      },
      (error: unknown) => this.#finish(error),
    );
  }

  #held(): StreamEvent | undefined {
    const next = this.#queue.take();
    if (next === undefined || next.kind === 'closed') return undefined;
    // Dropped from the queue: storage has every entry.
    return next.kind === 'lagged' ? RESYNC : next.item;
  }

  /** One live event: undefined when done with at once, else the work it started. */
  #handle(event: StreamEvent): Promise<void> | undefined {
    switch (event.type) {
      case 'closed':
        this.#finish();
        return undefined;
      case 'removed':
        if (event.userId === this.#options.endsWhenRemoved) this.#finish();
        return undefined;
      case 'resync':
        return this.#catchUp();
      case 'entry': {
        const { entry } = event;
        if (entry.seq <= this.#last) return undefined;
        if (entry.seq > this.#last + 1) return this.#fillUpTo(entry);
        return this.#hand(entry);
      }
    }
  }

  /** Hands `entry` on; a promise while the consumer is not ready for the next one. */
  #hand(entry: StreamEntry, own = false): Promise<void> | undefined {
    this.#last = entry.seq;
    const taken = (this.#consumer as Consumer<StreamEntry>).deliver(entry, own);
    if (taken === undefined) {
      this.#handed(entry.seq);
      return undefined;
    }
    return taken.then(() => this.#handed(entry.seq));
  }

  /** The consumer is done with the entry. Once stopped it may have been dropped unsent: an earlier position is the safe one. */
  #handed(seq: number): void {
    if (!this.#stopped) this.#options.onDelivered?.(seq);
  }

  /** The first read from storage: the backlog this subscription resumes with. */
  async #replay(): Promise<void> {
    const startedAt = performance.now();
    this.#deps.replay?.started();
    let messages = 0;
    try {
      messages = await this.#fromStorage(undefined);
    } finally {
      this.#deps.replay?.finished(messages, (performance.now() - startedAt) / 1000);
    }
  }

  /** Live events were dropped, or may have been lost on the way: storage has every entry. */
  async #catchUp(): Promise<void> {
    const { stillReadable } = this.#options;
    // A lost `removed` or `closed` would otherwise leave the read going.
    if (stillReadable && !(await stillReadable())) this.#finish();
    else await this.#fromStorage(undefined);
  }

  async #fillUpTo(entry: StreamEntry): Promise<void> {
    await this.#fromStorage(entry.seq);
    if (!this.#stopped) await this.#hand(entry);
  }

  /** Hands on the stored entries after the last one handed (before `beforeSeq`); how many. */
  async #fromStorage(beforeSeq: number | undefined): Promise<number> {
    const { db, pageSize } = this.#deps;
    let count = 0;
    for (;;) {
      const page = await entriesInWindow(
        db,
        { streamId: this.#options.streamId, afterSeq: this.#last, beforeSeq },
        pageSize,
        false,
      );
      for (const entry of page) {
        if (this.#stopped) return count;
        count += 1;
        const taken = this.#hand(entry, true);
        if (taken) await taken;
      }
      if (page.length < pageSize) return count;
    }
  }
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
