import type { LiveBudget } from './live-budget.js';

export type QueueResult<T> = { kind: 'item'; item: T } | { kind: 'lagged' } | { kind: 'closed' };

/**
 * One subscriber's buffer of live events, measured in units of `weigh` (1 per item by
 * default, or approximate bytes). Without a budget it never grows past `capacity`: on
 * overflow it drops what it holds and reports `lagged` once, and the reader catches up
 * from storage, which has everything. So a stalled reader costs bounded memory and loses
 * nothing. With a budget (shared by one connection's subscriptions) the budget is the
 * bound instead: past it the connection is cut off and this queue closed.
 */
export class LiveQueue<T> {
  // Allocated on the first held item: most queues of idle subscribers never hold one.
  #items: T[] | undefined;
  #weights: number[] | undefined;
  #head = 0;
  #held = 0;
  #lagged = false;
  #closed = false;
  #waiter: ((result: QueueResult<T>) => void) | undefined;

  constructor(
    private readonly capacity: number,
    private readonly weigh: (item: T) => number = () => 1,
    private readonly budget?: LiveBudget,
  ) {}

  push(item: T): void {
    if (this.#closed) return;
    const waiter = this.#waiter;
    if (waiter) {
      // Taken at once: never held, so never counted.
      this.#waiter = undefined;
      waiter({ kind: 'item', item });
      return;
    }
    const weight = this.weigh(item);
    if (this.budget) {
      // Over budget, the budget's owner closes this queue (and its connection).
      if (!this.budget.charge(weight)) return;
    } else if (this.#held + weight > this.capacity) {
      this.#drop();
      this.#lagged = true;
      return;
    }
    this.#items ??= [];
    this.#weights ??= [];
    this.#items.push(item);
    this.#weights.push(weight);
    this.#held += weight;
  }

  next(): Promise<QueueResult<T>> {
    const taken = this.take();
    if (taken) return Promise.resolve(taken);
    return new Promise((resolve) => {
      this.#waiter = resolve;
    });
  }

  /** What next() would give at once; undefined when it would wait (empty and open). */
  take(): QueueResult<T> | undefined {
    if (this.#lagged) {
      this.#lagged = false;
      return { kind: 'lagged' };
    }
    const items = this.#items;
    if (items && this.#head < items.length) {
      const item = items[this.#head] as T;
      const weight = this.#weights?.[this.#head] as number;
      this.#head += 1;
      this.#held -= weight;
      this.budget?.release(weight);
      if (this.#head === items.length) this.#reset();
      return { kind: 'item', item };
    }
    return this.#closed ? { kind: 'closed' } : undefined;
  }

  /** Ends the queue; what it still holds is dropped, so a stopped reader frees its memory. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#drop();
    const waiter = this.#waiter;
    this.#waiter = undefined;
    waiter?.({ kind: 'closed' });
  }

  #drop(): void {
    this.budget?.release(this.#held);
    this.#reset();
  }

  #reset(): void {
    this.#items = undefined;
    this.#weights = undefined;
    this.#head = 0;
    this.#held = 0;
  }
}
