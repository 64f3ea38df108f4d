/**
 * What a push-driven read hands its items to, one at a time. An idle subscriber then costs
 * its state only: no pending promise, no suspended generator per subscriber.
 */
export interface Consumer<T> {
  /**
   * Takes one item. A promise when the consumer cannot take the next one before it settles
   * (a write waiting on a backed-up socket); the read holds what comes meanwhile. A rejected
   * promise fails the read. `own`: no other consumer is handed this same object (it was
   * read from storage for this read alone), so nothing made from it can be shared.
   */
  deliver(item: T, own?: boolean): void | Promise<void>;
  /** The read is over: the source ended (no error), or it failed. Not called after return(). */
  end(error?: unknown): void;
}

/** An async iterator that can instead push its items to one consumer (never both). */
export interface Followable<T> extends AsyncIterableIterator<T> {
  /** Starts pushing to `consumer`; return() stops it. */
  follow(consumer: Consumer<T>): void;
}

export function isFollowable<T>(source: AsyncIterator<T>): source is Followable<T> {
  return typeof (source as Partial<Followable<T>>).follow === 'function';
}

const DONE: IteratorResult<never> = { done: true, value: undefined };

/**
 * The consumer of a pulled read: an item resolves the waiting next(), and counts as taken
 * (its delivery settles) when next() is called again: the consumer has finished with it.
 */
export class Puller<T> implements Consumer<T> {
  #waiting:
    | { resolve: (result: IteratorResult<T>) => void; reject: (error: unknown) => void }
    | undefined;
  /** Delivered before next() asked (the read does not, but may). */
  #given: { item: T } | undefined;
  #taken: (() => void) | undefined;
  #ended: { error: unknown } | undefined;

  next(): Promise<IteratorResult<T>> {
    const taken = this.#taken;
    this.#taken = undefined;
    taken?.();
    const given = this.#given;
    if (given) {
      this.#given = undefined;
      return Promise.resolve({ done: false, value: given.item });
    }
    const ended = this.#ended;
    if (ended) {
      // A failure is thrown once, then the iterator is done, like a generator's.
      this.#ended = { error: undefined };
      return ended.error === undefined ? Promise.resolve(DONE) : Promise.reject(ended.error);
    }
    return new Promise((resolve, reject) => {
      this.#waiting = { resolve, reject };
    });
  }

  deliver(item: T): Promise<void> {
    const waiting = this.#waiting;
    this.#waiting = undefined;
    if (waiting) waiting.resolve({ done: false, value: item });
    else this.#given = { item };
    return new Promise((resolve) => {
      this.#taken = resolve;
    });
  }

  end(error?: unknown): void {
    this.#ended = { error };
    const waiting = this.#waiting;
    this.#waiting = undefined;
    if (!waiting) return;
    this.#ended = { error: undefined };
    if (error === undefined) waiting.resolve(DONE);
    else waiting.reject(error);
  }

  /** The consumer returned: a waiting next() is done, and a read waiting on it goes on to stop. */
  close(): void {
    this.end();
    this.#given = undefined;
    const taken = this.#taken;
    this.#taken = undefined;
    taken?.();
  }
}
