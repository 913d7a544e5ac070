import { sql, type Kysely } from 'kysely';
import type { Clock } from '../clock.js';
import { isUniqueViolation } from '../db/db.js';
import {
  backoffMs,
  DEFAULT_MAX_ATTEMPTS,
  DEFAULT_TIMEOUT_MS,
  errorText,
  withTimeout,
  type EnqueueOptions,
  type JobHandler,
  type JobInfo,
  type JobQueue,
  type JobQueueHealth,
  type JobState,
  type RegisterOptions,
} from './job-queue.js';

interface JobsQueueTable {
  id: number;
  name: string;
  payload: string;
  state: JobState;
  run_at: string;
  attempts: number;
  max_attempts: number;
  dedupe_key: string | null;
  last_error: string | null;
  created_at: string;
  started_at: string | null;
  finished_at: string | null;
}
export interface JobsTables {
  jobs_queue: JobsQueueTable;
}

type Logger = { error: (obj: object, msg: string) => void };

/** How long stop() waits for running handlers before giving up on them (they run again at start). */
const STOP_WAIT_MS = 8_000;
/** drain() stops after this many rounds, so a handler that always enqueues more cannot hang a test. */
const MAX_DRAIN_ROUNDS = 1000;

const toInfo = (r: JobsQueueTable): JobInfo => ({
  id: String(r.id),
  name: r.name,
  state: r.state,
  payload: JSON.parse(r.payload) as Record<string, unknown>,
  attempts: r.attempts,
  maxAttempts: r.max_attempts,
  runAt: r.run_at,
  lastError: r.last_error,
  createdAt: r.created_at,
  finishedAt: r.finished_at,
});

/**
 * A durable in-process runner over the `jobs_queue` table: the SQLite-mode backend. One process
 * owns the file, so claiming is a plain conditional update, and rows left `running` when the
 * queue is opened can only belong to a process that died: recover() queues them again.
 */
export class SqliteJobQueue implements JobQueue {
  private readonly handlers = new Map<string, { fn: JobHandler; opts: RegisterOptions }>();
  private timer?: NodeJS.Timeout;
  private running = 0;
  private stopped = true;
  private lastError?: string;
  private readonly inflight = new Set<Promise<void>>();

  constructor(
    private readonly db: Kysely<JobsTables>,
    private readonly clock: Clock,
    private readonly log: Logger,
    private readonly opts: { pollMs?: number; concurrency?: number } = {},
  ) {}

  register<P>(name: string, handler: JobHandler<P>, opts: RegisterOptions = {}): void {
    this.handlers.set(name, { fn: handler as JobHandler, opts });
  }

  async enqueue(name: string, payload: Record<string, unknown> = {}, opts: EnqueueOptions = {}): Promise<string | null> {
    const now = this.clock.now();
    let id: number;
    try {
      const row = await this.db
        .insertInto('jobs_queue')
        .values({
          name,
          payload: JSON.stringify(payload),
          state: 'queued',
          run_at: (opts.runAt ?? now).toISOString(),
          attempts: 0,
          max_attempts: opts.maxAttempts ?? this.handlers.get(name)?.opts.maxAttempts ?? DEFAULT_MAX_ATTEMPTS,
          dedupe_key: opts.dedupeKey ?? null,
          created_at: now.toISOString(),
        } as never)
        .returning('id')
        .executeTakeFirstOrThrow();
      id = row.id;
    } catch (e) {
      if (opts.dedupeKey && isUniqueViolation(e)) return null;
      throw e;
    }
    if (!this.stopped) setImmediate(() => void this.poll());
    return String(id);
  }

  /** Queue again what a dead process left running. Called once when the queue is opened. */
  async recover(): Promise<number> {
    const rows = await this.db.selectFrom('jobs_queue').select(['id', 'dedupe_key']).where('state', '=', 'running').execute();
    for (const r of rows) {
      await this.db
        .updateTable('jobs_queue')
        .set({ state: 'queued', last_error: 'interrupted: Gatehouse stopped while this job was running' })
        .where('id', '=', r.id)
        .execute()
        .catch(async (e: unknown) => {
          // A newer job with the same dedupe key is already waiting; it does the work instead.
          if (!isUniqueViolation(e)) throw e;
          await this.finish(r.id, 'failed', 'interrupted, and superseded by a newer job with the same dedupe key');
        });
    }
    return rows.length;
  }

  async start(): Promise<void> {
    if (!this.stopped) return;
    this.stopped = false;
    this.timer = setInterval(() => void this.poll(), this.opts.pollMs ?? 1000);
    this.timer.unref();
    setImmediate(() => void this.poll());
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    await Promise.race([Promise.allSettled([...this.inflight]), new Promise((r) => setTimeout(r, STOP_WAIT_MS).unref())]);
  }

  health(): JobQueueHealth {
    return { ok: !this.lastError, backend: 'sqlite', detail: this.lastError };
  }

  async drain(): Promise<number> {
    let total = 0;
    for (let round = 0; round < MAX_DRAIN_ROUNDS; round++) {
      const ran = await this.runDue(1000);
      await Promise.allSettled([...this.inflight]);
      total += ran;
      if (ran === 0) break;
    }
    return total;
  }

  async getJob(id: string): Promise<JobInfo | null> {
    if (!/^\d+$/.test(id)) return null;
    const row = await this.db.selectFrom('jobs_queue').selectAll().where('id', '=', Number(id)).executeTakeFirst();
    return row ? toInfo(row) : null;
  }

  async listJobs(filter: { name?: string; state?: JobState; limit?: number } = {}): Promise<JobInfo[]> {
    let q = this.db.selectFrom('jobs_queue').selectAll();
    if (filter.name) q = q.where('name', '=', filter.name);
    if (filter.state) q = q.where('state', '=', filter.state);
    const rows = await q
      .orderBy('id', 'desc')
      .limit(filter.limit ?? 100)
      .execute();
    return rows.map(toInfo);
  }

  async pruneFinished(before: Date): Promise<number> {
    const r = await this.db
      .deleteFrom('jobs_queue')
      .where('state', 'in', ['succeeded', 'failed'])
      .where('finished_at', '<', before.toISOString())
      .executeTakeFirst();
    return Number(r.numDeletedRows);
  }

  private async poll(): Promise<void> {
    if (this.stopped) return;
    try {
      await this.runDue(Math.max(0, (this.opts.concurrency ?? 4) - this.running));
      this.lastError = undefined;
    } catch (e) {
      // A loop never throws: remember the problem for /health and try again on the next tick.
      this.lastError = errorText(e);
      this.log.error({ err: e }, 'job poll failed');
    }
  }

  private async runDue(limit: number): Promise<number> {
    if (limit <= 0) return 0;
    const now = this.clock.now().toISOString();
    const names = [...this.handlers.keys()];
    if (!names.length) return 0;
    const due = await this.db
      .selectFrom('jobs_queue')
      .selectAll()
      .where('state', '=', 'queued')
      .where('run_at', '<=', now)
      .where('name', 'in', names)
      .orderBy('run_at')
      .orderBy('id')
      .limit(limit)
      .execute();
    let claimed = 0;
    for (const job of due) {
      const res = await this.db
        .updateTable('jobs_queue')
        .set({ state: 'running', started_at: now, attempts: sql`attempts + 1` as never })
        .where('id', '=', job.id)
        .where('state', '=', 'queued')
        .executeTakeFirst();
      if (Number(res.numUpdatedRows) !== 1) continue;
      claimed++;
      const p = this.execute(job, job.attempts + 1).finally(() => this.inflight.delete(p));
      this.inflight.add(p);
    }
    return claimed;
  }

  /** One attempt. Never throws: the outcome is written to the row. */
  private async execute(job: JobsQueueTable, attempt: number): Promise<void> {
    this.running++;
    try {
      const h = this.handlers.get(job.name)!;
      await withTimeout(h.fn(JSON.parse(job.payload), { jobId: String(job.id), attempt }), h.opts.timeoutMs ?? DEFAULT_TIMEOUT_MS);
      await this.finish(job.id, 'succeeded', null);
    } catch (e) {
      await this.failed(job, attempt, e).catch((err: unknown) => {
        // The database refused the bookkeeping; the row stays `running` and recover() picks it up.
        this.lastError = errorText(err);
        this.log.error({ err, job: job.name }, 'could not record a job failure');
      });
    } finally {
      this.running--;
    }
  }

  private async failed(job: JobsQueueTable, attempt: number, e: unknown): Promise<void> {
    const message = errorText(e);
    const retry = attempt < job.max_attempts;
    this.log.error({ err: e, job: job.name, attempt }, retry ? 'job failed; will retry' : 'job failed for good');
    if (!retry) return this.finish(job.id, 'failed', message);
    const runAt = new Date(this.clock.now().getTime() + backoffMs(attempt)).toISOString();
    try {
      await this.db
        .updateTable('jobs_queue')
        .set({ state: 'queued', last_error: message, run_at: runAt })
        .where('id', '=', job.id)
        .execute();
    } catch (err) {
      if (!isUniqueViolation(err)) throw err;
      await this.finish(job.id, 'failed', `${message} (not retried: a newer job with the same dedupe key is waiting)`);
    }
  }

  private async finish(id: number, state: 'succeeded' | 'failed', lastError: string | null): Promise<void> {
    await this.db
      .updateTable('jobs_queue')
      .set({ state, finished_at: this.clock.now().toISOString(), last_error: lastError })
      .where('id', '=', id)
      .execute();
  }
}
