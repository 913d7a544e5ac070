/**
 * Fault injection and the request log, so a client's retries, timeouts and circuit breaker can be
 * tested, and a test can assert that nothing (or exactly what) was sent to Jenkins.
 */
export type FaultMode =
  /** Answer with this status and an HTML error body. */
  | { status: number }
  /** Destroy the socket without answering (ECONNRESET / "socket hang up"). */
  | 'reset'
  /** Never answer (the client's timeout fires). */
  | 'hang';

export interface Fault {
  mode: FaultMode;
  /** Only requests whose path (below the context path) matches. */
  match?: RegExp | ((entry: RequestLogEntry) => boolean);
  remaining: number;
}

export interface RequestLogEntry {
  at: number;
  method: string;
  /** Raw path below the context path, without the query. */
  path: string;
  query: Record<string, string>;
  headers: Record<string, string>;
  body: string;
  /** Who the request authenticated as and how (token/password/session/anonymous/invalid). */
  user: string;
  via: string;
  status: number | null;
  fault: string | null;
}

export class Faults {
  latencyMs = 0;
  latencyMatch: RegExp | null = null;
  down: FaultMode | null = null;
  private queue: Fault[] = [];

  failNext(n: number, mode: FaultMode = { status: 500 }, match?: Fault['match']): void {
    this.queue.push({ mode, match, remaining: n });
  }

  clear(): void {
    this.queue = [];
    this.down = null;
    this.latencyMs = 0;
    this.latencyMatch = null;
  }

  /** The fault to apply to this request, consuming one use. */
  take(entry: RequestLogEntry): FaultMode | null {
    if (this.down) return this.down;
    for (const f of this.queue) {
      const ok = !f.match || (f.match instanceof RegExp ? f.match.test(entry.path) : f.match(entry));
      if (!ok || f.remaining <= 0) continue;
      f.remaining--;
      this.queue = this.queue.filter((x) => x.remaining > 0);
      return f.mode;
    }
    return null;
  }

  delayFor(path: string): number {
    if (!this.latencyMs) return 0;
    return !this.latencyMatch || this.latencyMatch.test(path) ? this.latencyMs : 0;
  }
}
