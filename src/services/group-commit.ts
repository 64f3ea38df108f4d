import type { Db } from '../storage/db.js';
import { isPostgres } from '../storage/dialect.js';

type Work<T> = (trx: Db) => Promise<T>;

interface Queued {
  work: Work<unknown>;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

/** Writes per transaction at most: one batch holds the connection this long, no longer. */
const MAX_BATCH = 256;

/**
 * Group commit: the writes queued while the event loop turns share one transaction, so
 * one commit (one fsync) acknowledges all of them, each only once it has committed. Each
 * runs under its own savepoint, so one that fails is undone alone and fails alone; the
 * others commit. If the commit itself fails, every write of the batch fails.
 */
export class GroupCommit {
  #queue: Queued[] = [];
  #scheduled = false;
  /**
   * SQLite has one writer and pays an fsync per commit: batching is the win. On PostgreSQL
   * a batch would hold the row locks of many streams in arrival order, which can deadlock
   * with another instance's batch; there each write commits alone, in parallel on the pool.
   */
  readonly #batches: boolean;

  constructor(private readonly db: Db) {
    this.#batches = !isPostgres(db);
  }

  run<T>(work: Work<T>): Promise<T> {
    if (!this.#batches) return this.db.transaction().execute(work);
    return new Promise<T>((resolve, reject) => {
      this.#queue.push({ work, resolve: resolve as (value: unknown) => void, reject });
      this.#schedule();
    });
  }

  #schedule(): void {
    if (this.#scheduled) return;
    this.#scheduled = true;
    // After the I/O of this turn: every send read from a socket meanwhile joins the batch.
    setImmediate(() => void this.#flush());
  }

  async #flush(): Promise<void> {
    const batch = this.#queue.splice(0, MAX_BATCH);
    try {
      const outcomes = await this.#commit(batch);
      batch.forEach((item, index) => {
        const outcome = outcomes[index];
        if (outcome?.ok) item.resolve(outcome.value);
        else item.reject(outcome?.error);
      });
    } catch (error) {
      // Nothing of this batch was written.
      for (const item of batch) item.reject(error);
    } finally {
      this.#scheduled = false;
      if (this.#queue.length > 0) this.#schedule();
    }
  }

  async #commit(
    batch: Queued[],
  ): Promise<Array<{ ok: true; value: unknown } | { ok: false; error: unknown }>> {
    const [only] = batch;
    // Alone, a write needs no savepoint: its failure rolls back the transaction.
    if (only && batch.length === 1) {
      const value = await this.db.transaction().execute((trx) => only.work(trx));
      return [{ ok: true, value }];
    }
    const trx = await this.db.startTransaction().execute();
    try {
      const outcomes: Array<{ ok: true; value: unknown } | { ok: false; error: unknown }> = [];
      for (const item of batch) {
        const point = await trx.savepoint('group_write').execute();
        try {
          const value = await item.work(point);
          await point.releaseSavepoint('group_write').execute();
          outcomes.push({ ok: true, value });
        } catch (error) {
          await point.rollbackToSavepoint('group_write').execute();
          await point.releaseSavepoint('group_write').execute();
          outcomes.push({ ok: false, error });
        }
      }
      await trx.commit().execute();
      return outcomes;
    } catch (error) {
      await trx
        .rollback()
        .execute()
        .catch(() => undefined);
      throw error;
    }
  }
}
