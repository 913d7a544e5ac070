import PgBoss from 'pg-boss';
import { CompiledQuery, sql, type Kysely, type Transaction } from 'kysely';
import type { Clock } from '../clock.js';
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

type AnyDb = Kysely<any> | Transaction<any>;
type Logger = { error: (obj: object, msg: string) => void };

export interface PgBossQueueOptions {
  /** The PostgreSQL schema pg-boss owns; kept apart from Gatehouse's tables. */
  schema?: string;
  pollMs?: number;
  concurrency?: number;
}

/** One row of pg-boss's job (or archive) table, as our own queries read it. */
interface BossRow {
  id: string;
  name: string;
  data: Record<string, unknown> | null;
  state: 'created' | 'retry' | 'active' | 'completed' | 'cancelled' | 'failed';
  retry_count: number;
  retry_limit: number;
  start_after: string;
  started_on: string | null;
  created_on: string;
  completed_on: string | null;
  output: unknown;
}

const STATE: Record<BossRow['state'], JobState> = {
  created: 'queued',
  retry: 'queued',
  active: 'running',
  completed: 'succeeded',
  cancelled: 'failed',
  failed: 'failed',
};
const STOP_WAIT_MS = 8_000;
const MAX_DRAIN_ROUNDS = 1000;
/** Waiting jobs older than this (past their run-at) are archived by pg-boss unrun. */
const KEEP_WAITING_DAYS = 30;

/** pg-boss runs its SQL through our Kysely pool (or an open transaction), so it needs no pool of its own. */
function bossDb(db: AnyDb): PgBoss.Db {
  return {
    async executeSql(text: string, values?: unknown[]) {
      const r = await db.executeQuery(CompiledQuery.raw(text, values ?? []));

      return { rows: r.rows as any[] };
    },
  };
}

/** Our failures store {message}; pg-boss's own (timeouts, shutdown) store {value: {message}} or {value: "text"}. */
function outputError(output: unknown): string | null {
  const o = output as { message?: unknown; value?: unknown } | null;
  if (!o || typeof o !== 'object') return null;
  if (typeof o.message === 'string') return o.message;
  const v = o.value as { message?: unknown } | string | undefined;
  if (typeof v === 'string') return v;
  if (v && typeof v.message === 'string') return v.message;
  return null;
}

function toInfo(r: BossRow): JobInfo {
  const state = STATE[r.state];
  return {
    id: r.id,
    name: r.name,
    state,
    payload: r.data ?? {},
    attempts: r.started_on ? r.retry_count + 1 : 0,
    maxAttempts: r.retry_limit + 1,
    runAt: r.start_after,
    lastError: state === 'succeeded' ? null : outputError(r.output),
    createdAt: r.created_on,
    finishedAt: r.completed_on,
  };
}

/**
 * The PostgreSQL-mode backend: pg-boss owns the storage (its own schema), enqueuing, completion,
 * failure bookkeeping with the error kept in the job's output, expiry of attempts whose instance
 * died, archiving and deletion. Claiming is our statement, modelled on pg-boss's fetch (FOR UPDATE
 * SKIP LOCKED, so several instances never take the same job) but comparing run-at with the
 * queue's Clock instead of the database's now(): the live loop and drain() share that one path,
 * and tests move time with a ManualClock. Retry delays are ours too (backoffMs), as on SQLite.
 */
export class PgBossJobQueue implements JobQueue {
  private readonly boss: PgBoss;
  private readonly schema: string;
  private readonly handlers = new Map<string, { fn: JobHandler; opts: RegisterOptions }>();
  private readonly queues = new Map<string, Promise<void>>();
  private creating: Promise<void> = Promise.resolve();
  private readonly inflight = new Set<Promise<void>>();
  private timer?: NodeJS.Timeout;
  private running = 0;
  private stopped = true;
  private opened = false;
  private lastError?: string;

  constructor(
    private readonly db: Kysely<any>,
    private readonly clock: Clock,
    private readonly log: Logger,
    private readonly opts: PgBossQueueOptions = {},
  ) {
    this.schema = opts.schema ?? 'gatehouse_jobs';
    if (!/^[a-z_][a-z0-9_]{0,49}$/.test(this.schema)) throw new Error(`Bad job schema name: ${this.schema}`);
    // schedule: false — cron stays ours (cron-scheduler.ts); pg-boss's clock-driven cron could not follow a ManualClock.
    // deleteAfterDays is only a backstop: the system.retention job prunes finished jobs per config.
    this.boss = new PgBoss({ db: bossDb(db), schema: this.schema, schedule: false, supervise: true, migrate: true, deleteAfterDays: 3650 });
    // An 'error' event without a listener would crash the process; keep it for /health instead.
    this.boss.on('error', (e: Error) => {
      this.lastError = errorText(e);
      this.log.error({ err: e }, 'pg-boss maintenance failed');
    });
  }

  /** Install or migrate pg-boss's schema and start its maintenance. Called once when the app is built. */
  async open(): Promise<void> {
    // pg-boss serialises its own install with an advisory lock, yet instances starting together
    // still collide on CREATE SCHEMA ("duplicate key … pg_namespace"). Holding our own lock around
    // start() makes the later ones find the schema installed.
    await this.db.transaction().execute(async (trx) => {
      await sql`select pg_advisory_xact_lock(hashtextextended(${`${this.schema}:install`}, 0))`.execute(trx);
      await this.boss.start();
    });
    this.opened = true;
  }

  register<P>(name: string, handler: JobHandler<P>, opts: RegisterOptions = {}): void {
    this.handlers.set(name, { fn: handler as JobHandler, opts });
  }

  async enqueue(name: string, payload: Record<string, unknown> = {}, opts: EnqueueOptions = {}): Promise<string | null> {
    await this.ensureQueue(name);
    const reg = this.handlers.get(name)?.opts ?? {};
    const send: PgBoss.SendOptions = {
      startAfter: (opts.runAt ?? this.clock.now()).toISOString(),
      retryLimit: Math.max(1, opts.maxAttempts ?? reg.maxAttempts ?? DEFAULT_MAX_ATTEMPTS) - 1,
      // Used only when pg-boss itself retries an attempt that timed out; our failures set their own delay.
      retryDelay: 5,
      retryBackoff: true,
      // Our own timeout fails a hung attempt first; pg-boss's expiry is for attempts whose instance died.
      expireInSeconds: Math.ceil((reg.timeoutMs ?? DEFAULT_TIMEOUT_MS) / 1000) + 60,
      retentionDays: KEEP_WAITING_DAYS,
    };
    let id: string | null;
    if (!opts.dedupeKey) {
      id = await this.boss.send(name, payload, send);
    } else {
      id = await this.sendDeduped(name, payload, send, opts.dedupeKey);
    }
    if (id && !this.stopped) setImmediate(() => void this.poll());
    return id;
  }

  /**
   * pg-boss's singleton policies do not mean "one waiting job per key" (`short` ignores jobs waiting
   * for a retry and applies to the whole queue), so the check is ours: an advisory lock on the key
   * serialises enqueuers across instances, then the insert runs in the same transaction.
   */
  private async sendDeduped(name: string, payload: Record<string, unknown>, send: PgBoss.SendOptions, key: string): Promise<string | null> {
    return this.db.transaction().execute(async (trx) => {
      await sql`select pg_advisory_xact_lock(hashtextextended(${`${this.schema}:${name}:${key}`}, 0))`.execute(trx);
      const waiting = await sql`select 1 from ${sql.id(this.schema, 'job')}
        where name = ${name} and singleton_key = ${key} and state < 'active' limit 1`.execute(trx);
      if (waiting.rows.length) return null;
      return this.boss.send(name, payload, { ...send, singletonKey: key, db: bossDb(trx) });
    });
  }

  /**
   * pg-boss keeps one partition per queue. Creating two at once deadlocks (each adds a foreign key
   * to the queue table another one is inserting into), so creation is serialised: in this process
   * by a promise chain, across instances by an advisory lock.
   */
  private ensureQueue(name: string): Promise<void> {
    let p = this.queues.get(name);
    if (!p) {
      p = this.creating.then(() => this.createQueue(name));
      this.creating = p.catch(() => undefined);
      p.catch(() => this.queues.delete(name));
      this.queues.set(name, p);
    }
    return p;
  }

  private async createQueue(name: string): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      await sql`select pg_advisory_xact_lock(hashtextextended(${`${this.schema}:create-queue`}, 0))`.execute(trx);
      const found = await sql`select 1 from ${sql.id(this.schema, 'queue')} where name = ${name}`.execute(trx);
      if (found.rows.length) return;
      await sql`select ${sql.id(this.schema, 'create_queue')}(${name}, ${JSON.stringify({ policy: 'standard' })}::json)`.execute(trx);
    });
  }

  async start(): Promise<void> {
    if (!this.stopped) return;
    if (!this.opened) await this.open();
    this.stopped = false;
    this.timer = setInterval(() => void this.poll(), this.opts.pollMs ?? 1000);
    this.timer.unref();
    setImmediate(() => void this.poll());
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    await Promise.race([Promise.allSettled([...this.inflight]), new Promise((r) => setTimeout(r, STOP_WAIT_MS).unref())]);
    // Attempts still running after the wait are left active; pg-boss expires and retries them.
    if (this.opened) await this.boss.stop({ graceful: false, close: false, wait: true }).catch(() => undefined);
    this.opened = false;
  }

  health(): JobQueueHealth {
    return { ok: !this.lastError, backend: 'pg-boss', detail: this.lastError };
  }

  async drain(): Promise<number> {
    // Attempts whose instance died are retried once their timeout has passed (pg-boss's expiry).
    await this.boss.expire();
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
    if (!/^[0-9a-f-]{36}$/i.test(id)) return null;
    for (const table of ['job', 'archive']) {
      const r = await sql<BossRow>`select * from ${sql.id(this.schema, table)} where id = ${id}::uuid`.execute(this.db);
      if (r.rows[0]) return toInfo(r.rows[0]);
    }
    return null;
  }

  async listJobs(filter: { name?: string; state?: JobState; limit?: number } = {}): Promise<JobInfo[]> {
    const states = filter.state
      ? Object.entries(STATE)
          .filter(([, s]) => s === filter.state)
          .map(([b]) => b)
      : null;
    const r = await sql<BossRow>`select * from ${sql.id(this.schema, 'job')}
      where name not like '\\_\\_%' escape '\\'
      ${filter.name ? sql`and name = ${filter.name}` : sql``}
      ${states ? sql`and state::text in (${sql.join(states)})` : sql``}
      order by created_on desc, id desc limit ${filter.limit ?? 100}`.execute(this.db);
    return r.rows.map(toInfo);
  }

  async pruneFinished(before: Date): Promise<number> {
    let n = 0;
    for (const table of ['job', 'archive']) {
      const r = await sql`delete from ${sql.id(this.schema, table)}
        where state in ('completed', 'failed', 'cancelled') and completed_on < ${before.toISOString()}::timestamptz`.execute(this.db);
      n += Number(r.numAffectedRows ?? 0);
    }
    return n;
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

  /** Claim up to `limit` due jobs of the registered kinds and start them. */
  private async runDue(limit: number): Promise<number> {
    const names = [...this.handlers.keys()];
    if (limit <= 0 || !names.length) return 0;
    for (const n of names) await this.ensureQueue(n);
    const job = sql.id(this.schema, 'job');
    const claimed = await sql<BossRow>`
      with next as (
        select name, id from ${job}
        where name = any(${names}::text[]) and state < 'active' and start_after <= ${this.clock.now().toISOString()}::timestamptz
        order by priority desc, start_after, created_on, id
        limit ${limit}
        for update skip locked
      )
      update ${job} j set
        state = 'active',
        started_on = now(),
        retry_count = case when j.started_on is not null then j.retry_count + 1 else j.retry_count end
      from next
      where j.name = next.name and j.id = next.id
      returning j.*`.execute(this.db);
    for (const row of claimed.rows) {
      const p = this.execute(row).finally(() => this.inflight.delete(p));
      this.inflight.add(p);
    }
    return claimed.rows.length;
  }

  /** One attempt. Never throws: the outcome goes to pg-boss's row. */
  private async execute(row: BossRow): Promise<void> {
    const attempt = row.retry_count + 1;
    this.running++;
    try {
      const h = this.handlers.get(row.name)!;
      await withTimeout(h.fn(row.data ?? {}, { jobId: row.id, attempt }), h.opts.timeoutMs ?? DEFAULT_TIMEOUT_MS);
      await this.db.transaction().execute(async (trx) => {
        await this.boss.complete(row.name, row.id, null as unknown as object, { db: bossDb(trx) });
        await this.stampFinished(trx, row, 'completed');
      });
    } catch (e) {
      await this.failed(row, attempt, e).catch((err: unknown) => {
        // The row stays active; pg-boss's expiry retries it after the timeout.
        this.lastError = errorText(err);
        this.log.error({ err, job: row.name }, 'could not record a job failure');
      });
    } finally {
      this.running--;
    }
  }

  private async failed(row: BossRow, attempt: number, e: unknown): Promise<void> {
    const message = errorText(e);
    const retry = attempt <= row.retry_limit;
    this.log.error({ err: e, job: row.name, attempt }, retry ? 'job failed; will retry' : 'job failed for good');
    const runAt = new Date(this.clock.now().getTime() + backoffMs(attempt)).toISOString();
    await this.db.transaction().execute(async (trx) => {
      // pg-boss decides retry or failed from retry_count/retry_limit and keeps {message} as output…
      await this.boss.fail(row.name, row.id, { message, attempt }, { db: bossDb(trx) });
      // …and the delay before the retry follows our clock, like the SQLite runner.
      await sql`update ${sql.id(this.schema, 'job')} set start_after = ${runAt}::timestamptz
        where name = ${row.name} and id = ${row.id}::uuid and state = 'retry'`.execute(trx);
      await this.stampFinished(trx, row, 'failed');
    });
  }

  /** Finish times follow the queue's clock, as on SQLite, so retention cut-offs mean the same on both. */
  private async stampFinished(trx: AnyDb, row: BossRow, state: 'completed' | 'failed'): Promise<void> {
    await sql`update ${sql.id(this.schema, 'job')} set completed_on = ${this.clock.now().toISOString()}::timestamptz
      where name = ${row.name} and id = ${row.id}::uuid and state = ${state}`.execute(trx);
  }
}
