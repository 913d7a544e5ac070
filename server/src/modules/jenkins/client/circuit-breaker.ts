/**
 * Circuit breaker per Jenkins connection. After `failureThreshold` consecutive failed calls
 * (network errors, timeouts, 5xx — a 4xx proves Jenkins is alive) it opens and calls fail fast;
 * once `resetMs` has passed one trial call goes through (half-open): success closes the circuit,
 * failure opens it again for another `resetMs`.
 */
export type BreakerState = 'closed' | 'open' | 'half-open';

export type Admission = 'normal' | 'trial';

export class CircuitBreaker {
  private failures = 0;
  private openedAt: number | null = null;
  private trialRunning = false;

  constructor(
    private readonly failureThreshold: number,
    private readonly resetMs: number,
    private readonly now: () => number,
  ) {}

  state(): BreakerState {
    if (this.openedAt === null) return 'closed';
    return this.now() - this.openedAt >= this.resetMs ? 'half-open' : 'open';
  }

  /** null = refused (fail fast); otherwise how the call is admitted. */
  admit(): Admission | null {
    const s = this.state();
    if (s === 'closed') return 'normal';
    // While half-open exactly one call probes Jenkins; the others still fail fast.
    if (s === 'open' || this.trialRunning) return null;
    this.trialRunning = true;
    return 'trial';
  }

  success(): void {
    this.failures = 0;
    this.openedAt = null;
    this.trialRunning = false;
  }

  failure(admission: Admission): void {
    if (admission === 'trial') this.trialRunning = false;
    this.failures++;
    if (admission === 'trial' || this.failures >= this.failureThreshold) this.openedAt = this.now();
  }

  /** A call that ended without telling anything about Jenkins' health (e.g. aborted by us). */
  release(admission: Admission): void {
    if (admission === 'trial') this.trialRunning = false;
  }
}
