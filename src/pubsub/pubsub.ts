/** Topic-keyed publish/subscribe; listeners run synchronously and never throw into the publisher. */
export interface PubSub<Events extends Record<string, unknown>> {
  publish<K extends keyof Events & string>(topic: K, key: string, event: Events[K]): void;
  subscribe<K extends keyof Events & string>(
    topic: K,
    key: string,
    listener: (event: Events[K]) => void,
  ): () => void;
  close(): Promise<void>;
}
