/**
 * Injected failures for the next matching Bot API calls (reference §8.5): 429 with retry_after,
 * 403 blocked, 500, 409, or a slow answer. Without `method` a fault skips getUpdates, because a
 * parked long poll would otherwise swallow a fault meant for the next sendMessage.
 */
import { ApiError, E } from './errors.js';
import type { FaultSpec } from './types.js';

interface Armed extends FaultSpec {
  remaining: number;
}

export type FaultOutcome = { delayMs: number } | ApiError | null;

export class Faults {
  private armed: Armed[] = [];

  add(spec: FaultSpec): void {
    this.armed.push({ ...spec, remaining: spec.times ?? 1 });
  }

  clear(): void {
    this.armed = [];
  }

  /** Consumes one use of the first fault that matches this (lower-cased) method. */
  take(method: string): FaultOutcome {
    const f = this.armed.find((a) => a.remaining > 0 && (a.method ? a.method.toLowerCase() === method : method !== 'getupdates'));
    if (!f) return null;
    f.remaining--;
    this.armed = this.armed.filter((a) => a.remaining > 0);
    switch (f.kind) {
      case 'slow':
        return { delayMs: f.delayMs ?? 1000 };
      case '429':
        return E.tooMany(f.retryAfter ?? 1);
      case '403':
        return E.blocked();
      case '409':
        return E.otherGetUpdates();
      default:
        return E.internal('emulated fault');
    }
  }
}
