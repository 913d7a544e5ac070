import { AppError } from './errors.js';

/**
 * A token bucket per key (a user id): `perMinute` tokens refill evenly, and a full bucket allows a
 * burst of a quarter minute's worth. Kept in memory: a limit protects the system behind Gatehouse
 * (Jenkins) from one busy user, it is not an accounting record.
 */
export class RateLimiter {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();

  constructor(
    private readonly perMinute: () => number,
    private readonly now: () => number = Date.now,
  ) {}

  /** Take one token or throw 429 with Retry-After. */
  take(key: string | number): void {
    const rate = this.perMinute() / 60_000;
    const burst = Math.max(1, Math.ceil(this.perMinute() / 4));
    const t = this.now();
    const k = String(key);
    const b = this.buckets.get(k) ?? { tokens: burst, at: t };
    b.tokens = Math.min(burst, b.tokens + (t - b.at) * rate);
    b.at = t;
    if (b.tokens < 1) {
      this.buckets.set(k, b);
      const waitS = Math.max(1, Math.ceil((1 - b.tokens) / rate / 1000));
      throw new AppError(
        'RATE_LIMITED',
        429,
        `Too many calls to Jenkins; try again in ${waitS} s.`,
        { retryAfterSeconds: waitS },
        { 'retry-after': String(waitS) },
      );
    }
    b.tokens -= 1;
    this.buckets.set(k, b);
    if (this.buckets.size > 10_000) this.prune(t);
  }

  private prune(t: number): void {
    for (const [k, b] of this.buckets) if (t - b.at > 120_000) this.buckets.delete(k);
  }
}
