import type { PubSub } from './pubsub.js';

type Listener = (event: never) => void;

/**
 * The embedded default: a map of listener sets. Unlike an EventTarget with a bounded
 * repeater per subscriber, publishing never queues here and never throws: each
 * subscriber owns its buffer and its overflow policy (see LiveQueue).
 */
export class MemoryPubSub<Events extends Record<string, unknown>> implements PubSub<Events> {
  readonly #listeners = new Map<string, Set<Listener>>();

  publish<K extends keyof Events & string>(topic: K, key: string, event: Events[K]): void {
    const listeners = this.#listeners.get(`${topic}\u0000${key}`);
    if (!listeners) return;
    for (const listener of listeners) {
      try {
        (listener as (event: Events[K]) => void)(event);
      } catch (error) {
        // One broken subscriber must not stop delivery to the others.
        queueMicrotask(() => {
          throw error;
        });
      }
    }
  }

  subscribe<K extends keyof Events & string>(
    topic: K,
    key: string,
    listener: (event: Events[K]) => void,
  ): () => void {
    const id = `${topic}\u0000${key}`;
    let listeners = this.#listeners.get(id);
    if (!listeners) {
      listeners = new Set();
      this.#listeners.set(id, listeners);
    }
    listeners.add(listener as Listener);
    return () => {
      const current = this.#listeners.get(id);
      if (!current) return;
      current.delete(listener as Listener);
      if (current.size === 0) this.#listeners.delete(id);
    };
  }

  async close(): Promise<void> {
    this.#listeners.clear();
  }
}
