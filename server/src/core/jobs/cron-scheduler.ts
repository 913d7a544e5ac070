import { Cron } from 'croner';
import type { Kysely } from 'kysely';
import type { Clock } from '../clock.js';
import type { JobQueue } from './job-queue.js';

interface JobsScheduleRow {
  name: string;
  cron: string;
  timezone: string;
  job_name: string;
  payload: string;
  enabled: number;
  next_run_at: string | null;
  last_run_at: string | null;
  last_error: string | null;
}
export interface SchedulesTables {
  jobs_schedules: JobsScheduleRow;
}

export interface ScheduleDef {
  name: string;
  cron: string;
  timezone?: string;
  job: string;
  payload?: Record<string, unknown>;
  enabled?: boolean;
}

type Logger = { error: (obj: object, msg: string) => void };

/**
 * The next fire time after `from`, in the schedule's time zone. Daylight-saving time, as croner 9
 * does it (core-cron.test.ts pins this down): a wall time that does not exist on the spring-forward
 * day fires once, shifted forward by the gap ('30 2 * * *' in America/New_York fires at 03:30 EDT);
 * a wall time that happens twice on the fall-back day fires once, at its first occurrence
 * ('30 1 * * *' fires at 01:30 EDT, not again at 01:30 EST). Schedules finer than an hour skip the
 * repeated hour ('*\/30 * * * *' runs 01:30 EDT, then 02:00 EST).
 */
export function nextCronRun(cron: string, timezone: string, from: Date): Date | null {
  return new Cron(cron, zoneOptions(timezone)).nextRun(from);
}

/** Throws a readable error for a bad expression or time zone. */
export function validateCron(cron: string, timezone: string): void {
  try {
    new Cron(cron, zoneOptions(timezone)).nextRun();
  } catch (e) {
    throw new Error(`Invalid schedule "${cron}" in time zone "${timezone}": ${(e as Error).message}`);
  }
}

/**
 * UTC has no daylight-saving rules, so croner's fixed offset gives the same fire times without
 * Intl: a server whose schedules are all in UTC (the default) never loads ICU's time-zone data,
 * several MB of resident memory.
 */
function zoneOptions(timezone: string): { timezone?: string; utcOffset?: number; paused: true } {
  return timezone === 'UTC' ? { utcOffset: 0, paused: true } : { timezone, paused: true };
}

/**
 * Cron schedules are rows; each tick claims due rows with a compare-and-set on `next_run_at` and
 * enqueues one job per fire. The compare-and-set makes a tick fire on exactly one instance when
 * several share a PostgreSQL database, on either queue backend. A tick missed while Gatehouse was
 * down fires once at start, not once per missed slot.
 */
export class CronScheduler {
  private timer?: NodeJS.Timeout;
  private lastError?: string;
  private ticking = false;

  constructor(
    private readonly db: Kysely<SchedulesTables>,
    private readonly queue: JobQueue,
    private readonly clock: Clock,
    private readonly log: Logger,
  ) {}

  async upsert(def: ScheduleDef): Promise<Date | null> {
    const timezone = def.timezone ?? 'UTC';
    validateCron(def.cron, timezone);
    const next = nextCronRun(def.cron, timezone, this.clock.now());
    const row = {
      cron: def.cron,
      timezone,
      job_name: def.job,
      payload: JSON.stringify(def.payload ?? {}),
      enabled: def.enabled === false ? 0 : 1,
      next_run_at: next?.toISOString() ?? null,
    };
    const existing = await this.db.selectFrom('jobs_schedules').selectAll().where('name', '=', def.name).executeTakeFirst();
    if (!existing) {
      // Instances starting together declare the same schedules: the first insert wins.
      await this.db
        .insertInto('jobs_schedules')
        .values({ name: def.name, ...row, last_run_at: null, last_error: null })
        .onConflict((oc) => oc.column('name').doNothing())
        .execute();
    } else if (
      existing.cron !== row.cron ||
      existing.timezone !== row.timezone ||
      existing.enabled !== row.enabled ||
      existing.payload !== row.payload ||
      existing.job_name !== row.job_name
    ) {
      await this.db.updateTable('jobs_schedules').set(row).where('name', '=', def.name).execute();
    }
    return next;
  }

  async remove(name: string): Promise<void> {
    await this.db.deleteFrom('jobs_schedules').where('name', '=', name).execute();
  }

  async nextRun(name: string): Promise<Date | null> {
    const row = await this.db.selectFrom('jobs_schedules').select(['next_run_at', 'enabled']).where('name', '=', name).executeTakeFirst();
    return row?.enabled && row.next_run_at ? new Date(row.next_run_at) : null;
  }

  start(intervalMs = 1000): void {
    if (this.timer) return;
    this.timer = setInterval(() => {
      // A slow database must not pile up ticks; the next interval picks up what this one missed.
      if (this.ticking) return;
      this.ticking = true;
      void this.tick().finally(() => (this.ticking = false));
    }, intervalMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  health(): { ok: boolean; detail?: string } {
    return { ok: !this.lastError, detail: this.lastError };
  }

  /** What a schedule did last and will do next (null when there is no such schedule). */
  async status(
    name: string,
  ): Promise<{ nextRunAt: string | null; lastRunAt: string | null; lastError: string | null; enabled: boolean } | null> {
    const r = await this.db.selectFrom('jobs_schedules').selectAll().where('name', '=', name).executeTakeFirst();
    return r ? { nextRunAt: r.next_run_at, lastRunAt: r.last_run_at, lastError: r.last_error, enabled: r.enabled === 1 } : null;
  }

  /** Fire every due schedule once. Never throws; returns how many fired. */
  async tick(): Promise<number> {
    let fired = 0;
    try {
      const now = this.clock.now();
      const due = await this.db
        .selectFrom('jobs_schedules')
        .selectAll()
        .where('enabled', '=', 1)
        .where('next_run_at', '<=', now.toISOString())
        .execute();
      for (const s of due) {
        if (await this.fire(s, now)) fired++;
      }
      this.lastError = undefined;
    } catch (e) {
      this.lastError = (e as Error).message;
      this.log.error({ err: e }, 'cron tick failed');
    }
    return fired;
  }

  /**
   * Claim one due schedule with a compare-and-set on next_run_at, then enqueue its job. A schedule
   * that cannot be fired keeps its error on its row and does not stop the others.
   */
  private async fire(s: JobsScheduleRow, now: Date): Promise<boolean> {
    const table = this.db.updateTable('jobs_schedules');
    let next: Date | null;
    try {
      next = nextCronRun(s.cron, s.timezone, now);
    } catch (e) {
      // A row written by an older version or by hand; disable it rather than fail every tick.
      await table
        .set({ enabled: 0, last_error: `invalid schedule: ${(e as Error).message}` })
        .where('name', '=', s.name)
        .execute();
      this.log.error({ err: e, schedule: s.name }, 'invalid cron schedule disabled');
      return false;
    }
    const claimed = await table
      .set({ next_run_at: next?.toISOString() ?? null, last_run_at: now.toISOString() })
      .where('name', '=', s.name)
      .where('next_run_at', '=', s.next_run_at)
      .executeTakeFirst();
    if (Number(claimed.numUpdatedRows) !== 1) return false; // another instance fired this tick
    try {
      await this.queue.enqueue(
        s.job_name,
        { ...JSON.parse(s.payload), scheduledFor: s.next_run_at },
        { dedupeKey: `cron:${s.name}:${s.next_run_at}` },
      );
      if (s.last_error) await table.set({ last_error: null }).where('name', '=', s.name).execute();
      return true;
    } catch (e) {
      // Give the tick back so the next tick (here or on another instance) tries again.
      const message = (e as Error).message;
      await table
        .set({ next_run_at: s.next_run_at, last_run_at: s.last_run_at, last_error: message })
        .where('name', '=', s.name)
        .where('next_run_at', next ? '=' : 'is', next?.toISOString() ?? null)
        .execute()
        .catch(() => undefined);
      this.log.error({ err: e, schedule: s.name }, 'cron tick could not enqueue its job; will retry');
      return false;
    }
  }
}
