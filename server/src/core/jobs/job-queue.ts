/**
 * The one interface for background work (DESIGN.md "Background work"). A job is a named handler
 * plus a JSON payload; it is retried with capped exponential backoff until it succeeds or runs out
 * of attempts, and its last error is stored. Handlers must be idempotent: a crash mid-run means the
 * job runs again.
 */
export interface JobContext {
  jobId: string;
  attempt: number;
}

export type JobHandler<P = any> = (payload: P, ctx: JobContext) => Promise<void>;

export interface RegisterOptions {
  /** Total tries, the first included. */
  maxAttempts?: number;
  /**
   * How long one attempt may run before it counts as failed ("timed out") and is retried. In
   * PostgreSQL mode pg-boss also expires an attempt whose instance died, a minute after this.
   * Default 15 min.
   */
  timeoutMs?: number;
}

export interface EnqueueOptions {
  runAt?: Date;
  /** While a job with this key is waiting to run (queued or waiting for a retry), enqueuing another is a no-op. */
  dedupeKey?: string;
  maxAttempts?: number;
}

export type JobState = 'queued' | 'running' | 'succeeded' | 'failed';

/** One job as either backend reports it, for tests, health and operators. */
export interface JobInfo {
  id: string;
  name: string;
  state: JobState;
  payload: Record<string, unknown>;
  /** Attempts started so far. */
  attempts: number;
  maxAttempts: number;
  /** When it runs next (queued), or when the current or last attempt was due. */
  runAt: string;
  lastError: string | null;
  createdAt: string;
  finishedAt: string | null;
}

export interface JobQueueHealth {
  ok: boolean;
  backend: 'sqlite' | 'pg-boss';
  detail?: string;
}

export interface JobQueue {
  register<P>(name: string, handler: JobHandler<P>, opts?: RegisterOptions): void;
  /** Returns the new job's id, or null when a waiting job with the same dedupe key already exists. */
  enqueue(name: string, payload?: Record<string, unknown>, opts?: EnqueueOptions): Promise<string | null>;
  getJob(id: string): Promise<JobInfo | null>;
  /** Newest first; for tests and operators. */
  listJobs(filter?: { name?: string; state?: JobState; limit?: number }): Promise<JobInfo[]>;
  /** Delete succeeded and failed jobs that finished before `before` (the retention job). */
  pruneFinished(before: Date): Promise<number>;
  start(): Promise<void>;
  /** Stop taking jobs and wait for the running ones (bounded), then release resources. */
  stop(): Promise<void>;
  health(): JobQueueHealth;
  /**
   * Run every job that is due by the queue's clock and wait for them, again and again until none is
   * left (tests and the CLI use it; a ManualClock decides what "due" means).
   */
  drain(): Promise<number>;
}

export const DEFAULT_MAX_ATTEMPTS = 5;
export const DEFAULT_TIMEOUT_MS = 15 * 60_000;

/** Delay before the retry that follows attempt `attempt`: 5 s, 10 s, 20 s … capped at 10 minutes. */
export function backoffMs(attempt: number): number {
  return Math.min(5_000 * 2 ** Math.max(0, attempt - 1), 600_000);
}

/**
 * Run one attempt, giving up after `timeoutMs`: the attempt then counts as failed ("timed out") and
 * frees its slot. A promise cannot be cancelled, so a handler that ignores the timeout may still
 * finish later; handlers are idempotent for that reason too.
 */
export async function withTimeout<T>(work: Promise<T>, timeoutMs: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${timeoutMs} ms`)), timeoutMs);
    timer.unref();
  });
  try {
    return await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Errors are stored as text; anything thrown becomes a bounded, readable message. */
export function errorText(e: unknown): string {
  if (e === undefined || e === null) return `failed without an error (${String(e)})`;
  const s = e instanceof Error ? e.message || e.name : typeof e === 'string' ? e : (JSON.stringify(e) ?? String(e));
  return s.slice(0, 4000);
}
