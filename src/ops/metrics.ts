import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';

/**
 * The server's Prometheus instruments, on a registry of its own: several apps run in one
 * test process, and prom-client's global registry would mix (and refuse) their metrics.
 */
export class Metrics {
  readonly registry = new Registry();
  readonly connections = new Gauge({
    name: 'switchboard_websocket_connections',
    help: 'Open WebSocket connections (graphql-ws)',
    registers: [this.registry],
  });
  readonly subscriptions = new Gauge({
    name: 'switchboard_subscriptions',
    help: 'Active GraphQL subscriptions, by root field',
    labelNames: ['field'] as const,
    registers: [this.registry],
  });
  readonly sends = new Counter({
    name: 'switchboard_sends_total',
    help: 'Messages sent successfully, by channel',
    labelNames: ['channel'] as const,
    registers: [this.registry],
  });
  /** Counted per delivery in plain numbers (deliveryCounter), added to the counter when scraped. */
  readonly #uncountedDeliveries = new Map<string, { count: number }>();
  readonly deliveries = new Counter({
    name: 'switchboard_deliveries_total',
    help: 'Subscription events handed to clients, by root field',
    labelNames: ['field'] as const,
    registers: [this.registry],
    collect: () => this.#collectDeliveries(),
  });
  readonly slowConsumerCloses = new Counter({
    name: 'switchboard_slow_consumer_closes_total',
    help: 'graphql-ws connections closed with 4413 for holding too much unsent live output',
    registers: [this.registry],
  });
  readonly replaysInProgress = new Gauge({
    name: 'switchboard_replays_in_progress',
    help: 'Subscriptions still replaying their backlog from storage',
    registers: [this.registry],
  });
  readonly replayedMessages = new Counter({
    name: 'switchboard_replayed_messages_total',
    help: 'Messages delivered from storage by offline replay',
    registers: [this.registry],
  });
  readonly replayBacklog = new Histogram({
    name: 'switchboard_replay_backlog_messages',
    help: 'Messages a subscription replayed before going live',
    buckets: [0, 1, 10, 100, 1_000, 10_000, 100_000, 1_000_000],
    registers: [this.registry],
  });
  readonly replaySpeed = new Histogram({
    name: 'switchboard_replay_messages_per_second',
    help: 'Replay speed of each replay of at least one message',
    buckets: [10, 100, 1_000, 5_000, 10_000, 50_000, 100_000],
    registers: [this.registry],
  });
  readonly replayDuration = new Histogram({
    name: 'switchboard_replay_seconds',
    help: 'Time a subscription spent replaying before going live',
    buckets: [0.001, 0.01, 0.1, 0.5, 1, 5, 30, 120],
    registers: [this.registry],
  });
  readonly dbQueries = new Histogram({
    name: 'switchboard_db_query_seconds',
    help: 'Database query time, from compilation to result',
    buckets: [0.0001, 0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1],
    registers: [this.registry],
  });

  /** Open connections right now, for the admin `stats` query. */
  #openConnections = 0;

  /** Counts one root field's deliveries: called per subscriber per event, so only a sum here. */
  deliveryCounter(field: string): () => void {
    let cell = this.#uncountedDeliveries.get(field);
    if (!cell) {
      cell = { count: 0 };
      this.#uncountedDeliveries.set(field, cell);
    }
    const counted = cell;
    return () => {
      counted.count += 1;
    };
  }

  #collectDeliveries(): void {
    for (const [field, cell] of this.#uncountedDeliveries) {
      if (cell.count === 0) continue;
      this.deliveries.inc({ field }, cell.count);
      cell.count = 0;
    }
  }

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: 'switchboard_' });
  }

  connectionOpened(): void {
    this.#openConnections += 1;
    this.connections.inc();
  }

  connectionClosed(): void {
    this.#openConnections -= 1;
    this.connections.dec();
  }

  get openConnections(): number {
    return this.#openConnections;
  }

  /** What the stream reader reports when a subscription starts and ends its replay. */
  readonly replay = {
    started: (): void => this.replaysInProgress.inc(),
    finished: (messages: number, seconds: number): void => {
      this.replaysInProgress.dec();
      this.replayedMessages.inc(messages);
      this.replayBacklog.observe(messages);
      this.replayDuration.observe(seconds);
      if (messages > 0 && seconds > 0) this.replaySpeed.observe(messages / seconds);
    },
  };

  text(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}
