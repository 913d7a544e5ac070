import { Cron } from 'croner';

/**
 * Cron preview in the browser with the same library and rules the server uses (core/jobs and
 * task-schedule.ts): five fields or a nickname such as @daily, in an IANA time zone.
 */

const NICKNAMES = /^@(yearly|annually|monthly|weekly|daily|hourly)$/;

export type Preview = { ok: true; runs: Date[] } | { ok: false; reason: 'fields' | 'invalid' | 'never' };

export function previewSchedule(expr: string, timezone: string, count = 3, from = new Date()): Preview {
  const cron = expr.trim();
  if (!NICKNAMES.test(cron) && cron.split(/\s+/).length !== 5) return { ok: false, reason: 'fields' };
  try {
    const runs = new Cron(cron, { timezone, paused: true }).nextRuns(count, from);
    return runs.length ? { ok: true, runs } : { ok: false, reason: 'never' };
  } catch {
    return { ok: false, reason: 'invalid' };
  }
}
