import { DomainError } from './errors.js';

/** Per-user token buckets: `ratePerSecond` refill, `burst` deep. Nothing stored. */
export class RateLimiter {
  readonly #buckets = new Map<number, { tokens: number; updatedAt: number }>();

  constructor(
    private readonly ratePerSecond: number,
    private readonly burst: number,
    private readonly clock: () => number = () => performance.now(),
  ) {}

  /** Takes one token or throws RATE_LIMITED with how long until one is there. */
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
      const retryAfterMs = Math.ceil(((1 - bucket.tokens) / this.ratePerSecond) * 1000);
      throw new DomainError('RATE_LIMITED', `too many messages; retry in ${retryAfterMs} ms`, {
        retryAfterMs,
      });
    }
    bucket.tokens -= 1;
    this.#buckets.set(userId, bucket);
  }

  /** Gives a token back when the send it paid for failed. */
  refund(userId: number): void {
    const bucket = this.#buckets.get(userId);
    if (bucket) bucket.tokens = Math.min(this.burst, bucket.tokens + 1);
  }
}
