/**
 * How many bytes of live output one consumer (a graphql-ws connection) may hold unsent,
 * shared by all of its subscriptions. Live events are pushed at the publisher's pace, so a
 * reader that stops reading would otherwise grow its queues without end; past the limit
 * the consumer is cut off instead, and resumes from storage with a cursor.
 */
export interface LiveBudget {
  /**
   * Counts `bytes` of live output as held. False when that puts the consumer over its
   * limit: it is then being cut off (see onExceeded) and the bytes are not counted.
   */
  charge(bytes: number): boolean;
  /** The bytes were taken from a queue, or dropped with it. */
  release(bytes: number): void;
  /** Tells `read` once the limit is passed (at once if it already was), unless unwatched first. */
  watch(read: BudgetedRead): void;
  unwatch(read: BudgetedRead): void;
}

/** A read that queues live output under a budget: it stops once the budget is exceeded. */
export interface BudgetedRead {
  budgetExceeded(): void;
}

/**
 * A budget over the queued live events plus what the socket itself has not sent yet
 * (`unsentBytes`, e.g. ws's bufferedAmount). Past `limitBytes` it calls `exceeded` once
 * (the transport closes the connection), then stops every registered subscription so
 * that nothing more is queued for it.
 */
export class ConnectionBudget implements LiveBudget {
  #held = 0;
  #exceeded = false;
  readonly #reads = new Set<BudgetedRead>();

  constructor(
    private readonly limitBytes: number,
    private readonly unsentBytes: () => number,
    private readonly exceeded: () => void,
  ) {}

  charge(bytes: number): boolean {
    if (this.#exceeded) return false;
    if (this.#held + bytes + this.unsentBytes() > this.limitBytes) {
      this.#exceed();
      return false;
    }
    this.#held += bytes;
    return true;
  }

  release(bytes: number): void {
    this.#held = Math.max(0, this.#held - bytes);
  }

  /** Cuts the consumer off now, as if it had passed the limit (no-op once cut off). */
  cutOff(): void {
    if (!this.#exceeded) this.#exceed();
  }

  watch(read: BudgetedRead): void {
    if (this.#exceeded) read.budgetExceeded();
    else this.#reads.add(read);
  }

  unwatch(read: BudgetedRead): void {
    this.#reads.delete(read);
  }

  #exceed(): void {
    this.#exceeded = true;
    this.exceeded();
    const reads = [...this.#reads];
    this.#reads.clear();
    for (const read of reads) read.budgetExceeded();
  }
}
