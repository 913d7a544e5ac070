/**
 * Time for the emulator. Simulated work (quiet periods, script sleeps, executor pick-up) is scaled
 * by `timeScale` so tests can run a 30-second pipeline in 30 ms; timestamps stay real wall-clock
 * milliseconds, as Jenkins reports them.
 */
export class Clock {
  private timers = new Set<NodeJS.Timeout>();
  private disposed = false;

  constructor(public timeScale = 1) {}

  now(): number {
    return Date.now();
  }

  /** Real milliseconds a simulated delay takes. */
  scaled(ms: number): number {
    return Math.max(0, Math.round(ms * this.timeScale));
  }

  /** Runs `fn` after `ms` simulated milliseconds. */
  after(ms: number, fn: () => void): () => void {
    if (this.disposed) return () => {};
    const t = setTimeout(() => {
      this.timers.delete(t);
      fn();
    }, this.scaled(ms));
    this.timers.add(t);
    return () => {
      clearTimeout(t);
      this.timers.delete(t);
    };
  }

  /** Unscaled real-time timer (latency injection, retention): not affected by timeScale. */
  afterReal(ms: number, fn: () => void): void {
    if (this.disposed) return;
    const t = setTimeout(() => {
      this.timers.delete(t);
      fn();
    }, ms);
    this.timers.add(t);
  }

  /** Sleeps `ms` simulated milliseconds; resolves early (to false) when `signal` aborts. */
  sleep(ms: number, signal?: AbortSignal): Promise<boolean> {
    return new Promise((resolve) => {
      if (signal?.aborted) return resolve(false);
      const cancel = this.after(ms, () => {
        signal?.removeEventListener('abort', onAbort);
        resolve(true);
      });
      const onAbort = () => {
        cancel();
        resolve(false);
      };
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  dispose(): void {
    this.disposed = true;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
  }
}
