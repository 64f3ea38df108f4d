/** Keys per query: well under SQLite's bound-parameter limit. */
const MAX_BATCH = 500;

/**
 * Collects the keys asked for while one GraphQL result is being resolved and loads them
 * in one call (a page of 50 messages costs one reactions query, not 50). Nothing is
 * cached past the batch, so it is safe to share between requests and viewers, and every
 * subscription event reads the current state.
 */
export class BatchLoader<K, V> {
  #pending: Array<{ key: K; resolve: (value: V) => void; reject: (error: unknown) => void }> = [];

  constructor(private readonly loadMany: (keys: readonly K[]) => Promise<readonly V[]>) {}

  load(key: K): Promise<V> {
    return new Promise((resolve, reject) => {
      // Dispatch after the promise jobs now queued have run, as DataLoader does: sibling
      // fields resolved in the same pass join this batch.
      if (this.#pending.length === 0)
        void Promise.resolve().then(() => process.nextTick(() => this.#dispatch()));
      this.#pending.push({ key, resolve, reject });
    });
  }

  #dispatch(): void {
    const pending = this.#pending;
    this.#pending = [];
    for (let start = 0; start < pending.length; start += MAX_BATCH) {
      const batch = pending.slice(start, start + MAX_BATCH);
      this.loadMany(batch.map((item) => item.key)).then(
        (values) => {
          batch.forEach((item, index) => {
            item.resolve(values[index] as V);
          });
        },
        (error: unknown) => {
          for (const item of batch) item.reject(error);
        },
      );
    }
  }
}
