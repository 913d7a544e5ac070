import type { AppContext } from '../../core/context.js';
import { nextCronRun, validateCron } from '../../core/jobs/index.js';
import { InvalidSchedule } from './automation.errors.js';
import type { TaskRow } from './automation.types.js';

/** The job a scheduled task's tick enqueues (its handler is registered by the task runner). */
export const FIRE_JOB = 'automation.task.fire';
export const scheduleName = (taskId: number) => `automation.task.${taskId}`;

const NICKNAMES = /^@(yearly|annually|monthly|weekly|daily|hourly)$/;

/**
 * A task schedule is a five-field cron expression (minute resolution; croner's optional seconds
 * field is refused) or a nickname such as @daily, in an IANA time zone. One that can never fire
 * ('0 0 31 2 *') is refused too.
 */
export function checkSchedule(cron: string, timezone: string, now: Date): void {
  const fields = cron.trim().split(/\s+/);
  if (!NICKNAMES.test(cron.trim()) && fields.length !== 5) {
    throw new InvalidSchedule(
      { schedule: cron, timezone },
      `Invalid schedule "${cron}": give five fields (minute hour day-of-month month day-of-week) or @hourly, @daily, @weekly, @monthly, @yearly.`,
    );
  }
  try {
    validateCron(cron, timezone);
  } catch (e) {
    throw new InvalidSchedule({ schedule: cron, timezone }, (e as Error).message);
  }
  if (!nextCronRun(cron, timezone, now)) throw new InvalidSchedule({ schedule: cron, timezone }, `The schedule "${cron}" never fires.`);
}

/** The next fire time as the cron expression says (used to filter lists by next run). */
export function nextByCron(row: Pick<TaskRow, 'schedule' | 'timezone' | 'enabled'>, now: Date): string | null {
  if (!row.schedule || !row.enabled) return null;
  try {
    return nextCronRun(row.schedule, row.timezone, now)?.toISOString() ?? null;
  } catch {
    return null;
  }
}

/**
 * Keep the scheduler in step with a task: an enabled task with a schedule has a cron schedule
 * row, any other task has none. Called after the task's transaction commits (the scheduler writes
 * through its own connection), and for every task at start, which heals a crash in between.
 */
export async function applySchedule(ctx: AppContext, row: Pick<TaskRow, 'id' | 'schedule' | 'timezone' | 'enabled'>): Promise<void> {
  if (row.enabled && row.schedule) {
    await ctx.scheduler.upsert({
      name: scheduleName(row.id),
      cron: row.schedule,
      timezone: row.timezone,
      job: FIRE_JOB,
      payload: { taskId: row.id },
    });
  } else {
    await ctx.scheduler.remove(scheduleName(row.id));
  }
}

export async function nextRunAt(ctx: AppContext, row: Pick<TaskRow, 'id' | 'schedule' | 'enabled'>): Promise<string | null> {
  if (!row.schedule || !row.enabled) return null;
  return (await ctx.scheduler.nextRun(scheduleName(row.id)))?.toISOString() ?? null;
}
