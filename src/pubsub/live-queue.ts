export type QueueResult<T> = { kind: 'item'; item: T } | { kind: 'lagged' } | { kind: 'closed' };

/**
 * One subscriber's buffer of live events. It never grows past `capacity`: on overflow it
 * drops what it holds and reports `lagged` once, and the reader catches up from storage,
 * which has everything. So a stalled reader costs bounded memory and loses nothing.
 */
export class LiveQueue<T> {
  #items: T[] = [];
  #head = 0;
  #lagged = false;
  #closed = false;
  #waiter: ((result: QueueResult<T>) => void) | undefined;

  constructor(private readonly capacity: number) {}

  push(item: T): void {
    if (this.#closed) return;
    const waiter = this.#waiter;
    if (waiter) {
      this.#waiter = undefined;
      waiter({ kind: 'item', item });
      return;
    }
    if (this.#items.length - this.#head >= this.capacity) {
      this.#items = [];
      this.#head = 0;
      this.#lagged = true;
      return;
    }
    this.#items.push(item);
  }

  next(): Promise<QueueResult<T>> {
    if (this.#lagged) {
      this.#lagged = false;
      return Promise.resolve({ kind: 'lagged' });
    }
    if (this.#head < this.#items.length) {
      const item = this.#items[this.#head] as T;
      this.#head += 1;
      if (this.#head === this.#items.length) {
        this.#items = [];
        this.#head = 0;
      }
      return Promise.resolve({ kind: 'item', item });
    }
    if (this.#closed) return Promise.resolve({ kind: 'closed' });
    return new Promise((resolve) => {
      this.#waiter = resolve;
    });
  }

  close(): void {
    this.#closed = true;
    const waiter = this.#waiter;
    this.#waiter = undefined;
    waiter?.({ kind: 'closed' });
  }
}
