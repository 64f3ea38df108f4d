import { DomainError } from './errors.js';

/** A per-user budget for sends: in this process, or shared by every instance (Redis). */
export interface SendLimiter {
  /** Takes one token or throws RATE_LIMITED with how long until one is there. */
  take(userId: number): void | Promise<void>;
  /** Gives a token back when the send it paid for failed. */
  refund(userId: number): void | Promise<void>;
}

export function rateLimited(retryAfterMs: number): DomainError {
  return new DomainError('RATE_LIMITED', `too many messages; retry in ${retryAfterMs} ms`, {
    retryAfterMs,
  });
}

/** Per-user token buckets: `ratePerSecond` refill, `burst` deep. Nothing stored. */
export class RateLimiter implements SendLimiter {
  readonly #buckets = new Map<number, { tokens: number; updatedAt: number }>();

  constructor(
    private readonly ratePerSecond: number,
    private readonly burst: number,
    private readonly clock: () => number = () => performance.now(),
  ) {}

  take(userId: number): void {
    const at = this.clock();
    const bucket = this.#buckets.get(userId) ?? { tokens: this.burst, updatedAt: at };
    bucket.tokens = Math.min(
      this.burst,
      bucket.tokens + ((at - bucket.updatedAt) / 1000) * this.ratePerSecond,
    );
    bucket.updatedAt = at;
    if (bucket.tokens < 1) {
      this.#buckets.set(userId, bucket);
      throw rateLimited(Math.ceil(((1 - bucket.tokens) / this.ratePerSecond) * 1000));
    }
    bucket.tokens -= 1;
    this.#buckets.set(userId, bucket);
  }

  refund(userId: number): void {
    const bucket = this.#buckets.get(userId);
    if (bucket) bucket.tokens = Math.min(this.burst, bucket.tokens + 1);
  }
}
