import type { Db } from '../storage/db.js';
import { advancePositions, readPosition } from '../storage/repositories/positions.js';

/**
 * Delivery positions, kept in memory and written in batches: one statement per flush,
 * not one write per delivered message. Flushed on a timer, on disconnect and on stop.
 */
export class DeliveryPositions {
  readonly #pending = new Map<string, { userId: number; streamId: string; seq: number }>();
  readonly #timer: NodeJS.Timeout;
  #flushing: Promise<void> = Promise.resolve();

  constructor(
    private readonly db: Db,
    flushIntervalMs: number,
  ) {
    this.#timer = setInterval(() => void this.flush(), flushIntervalMs);
    this.#timer.unref();
  }

  record(userId: number, streamId: string, seq: number): void {
    const key = `${userId}\u0000${streamId}`;
    const current = this.#pending.get(key);
    if (!current || current.seq < seq) this.#pending.set(key, { userId, streamId, seq });
  }

  /** The furthest position known, stored or still pending. */
  async position(userId: number, streamId: string): Promise<number | undefined> {
    const pending = this.#pending.get(`${userId}\u0000${streamId}`)?.seq;
    const stored = await readPosition(this.db, userId, streamId);
    if (pending === undefined) return stored;
    return stored === undefined ? pending : Math.max(pending, stored);
  }

  /** Forgets what is pending for a stream: a join resets the position there. */
  forget(userId: number, streamId: string): void {
    this.#pending.delete(`${userId}\u0000${streamId}`);
  }

  flush(): Promise<void> {
    this.#flushing = this.#flushing.then(async () => {
      if (this.#pending.size === 0) return;
      const batch = [...this.#pending.values()];
      this.#pending.clear();
      try {
        await advancePositions(this.db, batch);
      } catch {
        // Keep them for the next flush; a position only ever moves forward.
        for (const p of batch) this.record(p.userId, p.streamId, p.seq);
      }
    });
    return this.#flushing;
  }

  async stop(): Promise<void> {
    clearInterval(this.#timer);
    await this.flush();
  }
}
