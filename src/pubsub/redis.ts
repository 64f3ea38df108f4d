import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { MemoryPubSub } from './memory.js';
import type { PubSub } from './pubsub.js';

export interface RedisPubSubOptions<Events extends Record<string, unknown>> {
  readonly prefix: string;
  /**
   * Per topic, what local listeners receive when they may have missed messages (Redis
   * pub/sub is at-most-once): once their channel is subscribed, after a reconnect, and when
   * a publish to it failed. A topic without one is ephemeral: a loss is just a loss.
   */
  readonly resync: { readonly [K in keyof Events]?: Events[K] };
  /** Topics that never leave the instance: no channel, no publish to Redis. */
  readonly localTopics: ReadonlySet<keyof Events & string>;
}

interface Channel {
  readonly topic: string;
  readonly key: string;
  listeners: number;
}

interface Envelope {
  /** The publishing instance, which has already delivered it to its own listeners. */
  o: string;
  e: unknown;
}

/**
 * Pub/sub across instances: one Redis channel per (topic, key) with local listeners,
 * subscribed with the first and unsubscribed with the last, on one subscriber connection.
 * A publish reaches this instance's listeners at once (through MemoryPubSub: synchronous,
 * never throwing, no queue) and the others' through Redis; each instance skips its own echo,
 * so every listener gets an event once.
 */
export class RedisPubSub<Events extends Record<string, unknown>> implements PubSub<Events> {
  readonly #local = new MemoryPubSub<Events>();
  readonly #origin = randomUUID();
  readonly #channels = new Map<string, Channel>();
  /** Channels a publish failed on: their remote listeners are told to resync once Redis is back. */
  readonly #unsent = new Set<string>();
  /** Set once up: each later 'ready' is a reconnect. The start may have seen the first. */
  #subscriberWasReady: boolean;
  #publisherWasReady: boolean;

  constructor(
    private readonly publisher: Redis,
    private readonly subscriber: Redis,
    private readonly options: RedisPubSubOptions<Events>,
  ) {
    this.#subscriberWasReady = subscriber.status === 'ready';
    this.#publisherWasReady = publisher.status === 'ready';
    subscriber.on('message', (channel: string, message: string) => this.#receive(channel, message));
    subscriber.on('ready', () => {
      if (this.#subscriberWasReady) this.#resubscribe();
      this.#subscriberWasReady = true;
    });
    publisher.on('ready', () => {
      if (this.#publisherWasReady) this.#flushUnsent();
      this.#publisherWasReady = true;
    });
  }

  publish<K extends keyof Events & string>(topic: K, key: string, event: Events[K]): void {
    this.#local.publish(topic, key, event);
    if (!this.options.localTopics.has(topic))
      this.#send(topic, this.#channelName(topic, key), event);
  }

  subscribe<K extends keyof Events & string>(
    topic: K,
    key: string,
    listener: (event: Events[K]) => void,
  ): () => void {
    const off = this.#local.subscribe(topic, key, listener);
    if (this.options.localTopics.has(topic)) return off;
    const name = this.#channelName(topic, key);
    let channel = this.#channels.get(name);
    if (!channel) {
      channel = { topic, key, listeners: 0 };
      this.#channels.set(name, channel);
      this.#listen([name]);
    }
    channel.listeners += 1;
    const subscribed = channel;
    let active = true;
    return () => {
      if (!active) return;
      active = false;
      off();
      subscribed.listeners -= 1;
      if (subscribed.listeners > 0 || this.#channels.get(name) !== subscribed) return;
      this.#channels.delete(name);
      // Sent after any pending SUBSCRIBE on the same connection, so the order holds.
      this.subscriber.unsubscribe(name).catch(() => undefined);
    };
  }

  async close(): Promise<void> {
    await this.#local.close();
    this.#channels.clear();
    await Promise.allSettled([this.subscriber.quit(), this.publisher.quit()]);
  }

  #channelName(topic: string, key: string): string {
    return `${this.options.prefix}ps:${topic}:${key}`;
  }

  #send(topic: string, name: string, event: unknown): void {
    const envelope: Envelope = { o: this.#origin, e: event };
    this.publisher.publish(name, JSON.stringify(envelope)).catch(() => {
      if (this.#resyncEvent(topic) !== undefined) this.#unsent.add(name);
    });
  }

  #receive(name: string, message: string): void {
    const channel = this.#channels.get(name);
    if (!channel) return;
    let envelope: Envelope;
    try {
      envelope = JSON.parse(message) as Envelope;
    } catch {
      return;
    }
    if (envelope.o === this.#origin) return;
    this.#local.publish(channel.topic, channel.key, envelope.e as Events[string]);
  }

  /** Subscribes, then tells the channels' listeners to catch up on what came before. */
  #listen(names: string[]): void {
    if (names.length === 0) return;
    this.subscriber.subscribe(...names).then(
      () => {
        for (const name of names) this.#resyncLocal(name);
      },
      // The connection is down: the reconnect subscribes every channel again.
      () => undefined,
    );
  }

  #resubscribe(): void {
    this.#listen([...this.#channels.keys()]);
  }

  #flushUnsent(): void {
    const names = [...this.#unsent];
    this.#unsent.clear();
    for (const name of names) {
      const topic = name.slice(`${this.options.prefix}ps:`.length).split(':', 1)[0] ?? '';
      const event = this.#resyncEvent(topic);
      if (event !== undefined) this.#send(topic, name, event);
    }
  }

  #resyncLocal(name: string): void {
    const channel = this.#channels.get(name);
    if (!channel) return;
    const event = this.#resyncEvent(channel.topic);
    if (event !== undefined) this.#local.publish(channel.topic, channel.key, event);
  }

  #resyncEvent(topic: string): Events[string] | undefined {
    return (this.options.resync as Record<string, Events[string] | undefined>)[topic];
  }
}
