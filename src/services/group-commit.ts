import type { Db } from '../storage/db.js';
import { isPostgres } from '../storage/dialect.js';

type Work<T> = (trx: Db) => Promise<T>;

type Outcome = { ok: true; value: unknown } | { ok: false; error: unknown };

interface Queued {
  work: Work<unknown>;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

/** Writes per transaction at most: one batch holds the connection this long, no longer. */
const MAX_BATCH = 256;

/**
 * Group commit: the writes queued while the event loop turns share one transaction, so
 * one commit (one fsync) acknowledges all of them, each only once it has committed. One
 * that fails is undone alone and fails alone (the batch is redone with a savepoint per
 * write); the others commit. If the commit itself fails, every write of the batch fails.
 * A write may so run twice: it must only write through `trx`.
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

  async #commit(batch: Queued[]): Promise<Outcome[]> {
    const [only] = batch;
    // Alone, a write needs no savepoint: its failure rolls back the transaction.
    if (only && batch.length === 1) {
      const value = await this.db.transaction().execute((trx) => only.work(trx));
      return [{ ok: true, value }];
    }
    // Writes rarely fail (a rule said no, a clientId raced): first all of them in one
    // transaction with no savepoint each; only if one fails, all again, each under its own.
    const optimistic = await this.#inOneTransaction(batch, false).catch(() => undefined);
    return optimistic ?? this.#inOneTransaction(batch, true);
  }

  /** The whole batch in one transaction: any failure rolls all back unless each has a savepoint. */
  async #inOneTransaction(batch: Queued[], savepoints: boolean): Promise<Outcome[]> {
    const trx = await this.db.startTransaction().execute();
    try {
      const outcomes: Outcome[] = [];
      for (const item of batch) {
        if (!savepoints) {
          outcomes.push({ ok: true, value: await item.work(trx) });
          continue;
        }
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
