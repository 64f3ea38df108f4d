import type { Db } from '../storage/db.js';
import { pruneMessagesBefore } from '../storage/repositories/retention.js';

const DAY_MS = 86_400_000;
/** Small batches keep each write transaction short, so sends are never held up for long. */
const BATCH = 1_000;

/** With RETENTION_DAYS set, deletes older messages at start and then every `intervalMs`. */
export class RetentionJob {
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<void> = Promise.resolve();

  constructor(
    private readonly db: Db,
    private readonly retentionDays: number,
    private readonly intervalMs: number,
  ) {}

  async start(): Promise<void> {
    await this.prune();
    this.#timer = setInterval(() => {
      this.#running = this.prune().then(
        () => undefined,
        (error: unknown) => console.error('retention pruning failed', error),
      );
    }, this.intervalMs);
    this.#timer.unref();
  }

  /** Prunes everything older than the retention window; returns how many messages went. */
  async prune(now = Date.now()): Promise<number> {
    const cutoff = new Date(now - this.retentionDays * DAY_MS).toISOString();
    let total = 0;
    for (;;) {
      const pruned = await pruneMessagesBefore(this.db, cutoff, BATCH);
      total += pruned;
      if (pruned < BATCH) return total;
    }
  }

  async stop(): Promise<void> {
    clearInterval(this.#timer);
    await this.#running;
  }
}
