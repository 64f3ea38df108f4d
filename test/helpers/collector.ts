/** Collects what a callback receives; `until(n)` resolves once n items have arrived. */
export interface Collector<T> {
  readonly items: T[];
  push(item: T): void;
  until(count: number): Promise<T[]>;
}

export function collector<T>(): Collector<T> {
  const items: T[] = [];
  const waiters: Array<{ count: number; resolve: (items: T[]) => void }> = [];
  return {
    items,
    push(item) {
      items.push(item);
      for (const waiter of [...waiters]) {
        if (items.length < waiter.count) continue;
        waiters.splice(waiters.indexOf(waiter), 1);
        waiter.resolve(items.slice());
      }
    },
    until(count) {
      if (items.length >= count) return Promise.resolve(items.slice());
      return new Promise((resolve) => waiters.push({ count, resolve }));
    },
  };
}

/** A promise and its resolver, to wait on an event instead of sleeping. */
export function deferred<T = void>(): { promise: Promise<T>; resolve: (value: T) => void } {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}
