import type { AppContext } from '../../core/context.js';
import type { Db } from '../../core/db/db.js';
import type { NotifyService } from '../notify/index.js';
import type { IdentityTables } from './identity.types.js';
import { pruneSessions } from './sessions.repo.js';

export const REMINDER_JOB = 'identity.password-reminders';
export const SESSION_PRUNE_JOB = 'identity.prune-sessions';

/**
 * Daily: tell everyone whose password expires within `passwordReminderDays` (seed 004: 7 days
 * before), once per password — in the notification centre, and by e-mail when they have one
 * (notify.publish picks their language and address).
 */
export async function sendPasswordReminders(ctx: AppContext, notify: NotifyService): Promise<number> {
  const db = ctx.db as Db<IdentityTables>;
  const sec = ctx.config.get().security;
  const now = ctx.clock.now();
  const horizon = new Date(now.getTime() + sec.passwordReminderDays * 86_400_000).toISOString();
  const due = await db
    .selectFrom('identity_users')
    .select(['id', 'username', 'password_expires_at'])
    .where('status', '!=', 'disabled')
    .where('password_expires_at', '<=', horizon)
    .where('password_expires_at', '>', now.toISOString())
    .where('password_reminded_at', 'is', null)
    .execute();
  for (const u of due) {
    // The reminder commits with the mark, so a failed run reminds again tomorrow, never twice.
    await db.transaction().execute(async (trx) => {
      await trx.updateTable('identity_users').set({ password_reminded_at: now.toISOString() }).where('id', '=', u.id).execute();
      await notify.publish(trx, {
        event: 'password.expiring',
        kind: 'identity.password-expiring',
        recipients: [u.id],
        severity: 'warning',
        link: '/profile',
        vars: { username: u.username, expiresOn: u.password_expires_at.slice(0, 10) },
      });
    });
  }
  await notify.settled();
  return due.length;
}

export function registerIdentityJobs(ctx: AppContext, notify: NotifyService) {
  ctx.jobs.register(REMINDER_JOB, async () => {
    await sendPasswordReminders(ctx, notify);
  });
  ctx.jobs.register(SESSION_PRUNE_JOB, async () => {
    await pruneSessions(ctx.db, new Date(ctx.clock.now().getTime() - 30 * 86_400_000).toISOString());
  });
  return async () => {
    await ctx.scheduler.upsert({ name: REMINDER_JOB, cron: '0 8 * * *', timezone: ctx.config.get().timezone, job: REMINDER_JOB });
    await ctx.scheduler.upsert({
      name: SESSION_PRUNE_JOB,
      cron: '15 4 * * *',
      timezone: ctx.config.get().timezone,
      job: SESSION_PRUNE_JOB,
    });
  };
}
