import type { AppContext } from '../../core/context.js';
import type { Db } from '../../core/db/db.js';
import type { NotifyService } from '../notify/index.js';
import type { IdentityTables } from './identity.types.js';
import { pruneSessions } from './sessions.repo.js';

export const REMINDER_JOB = 'identity.password-reminders';
export const SESSION_PRUNE_JOB = 'identity.prune-sessions';

/**
 * Daily: tell everyone whose password expires within `passwordReminderDays` (seed 004: 7 days
 * before), once per password — in the notification centre, and by e-mail when they have one.
 */
export async function sendPasswordReminders(ctx: AppContext, notify: NotifyService): Promise<number> {
  const db = ctx.db as Db<IdentityTables>;
  const sec = ctx.config.get().security;
  const now = ctx.clock.now();
  const horizon = new Date(now.getTime() + sec.passwordReminderDays * 86_400_000).toISOString();
  const due = await db
    .selectFrom('identity_users')
    .select(['id', 'username', 'email', 'password_expires_at', 'locale'])
    .where('status', '!=', 'disabled')
    .where('password_expires_at', '<=', horizon)
    .where('password_expires_at', '>', now.toISOString())
    .where('password_reminded_at', 'is', null)
    .execute();
  for (const u of due) {
    const day = u.password_expires_at.slice(0, 10);
    const zh = u.locale === 'zh-CN';
    const title = zh ? '密码即将过期' : 'Your password expires soon';
    const body = zh
      ? `您的 Gatehouse 密码将于 ${day} 过期,请在个人资料页面修改密码。`
      : `Your Gatehouse password expires on ${day}. Change it on your profile page to keep access.`;
    await db.transaction().execute(async (trx) => {
      await trx.updateTable('identity_users').set({ password_reminded_at: now.toISOString() }).where('id', '=', u.id).execute();
      await notify.notifyUser(trx, u.id, { kind: 'identity.password-expiring', title, body, link: '/profile', severity: 'warning' });
    });
    if (u.email) await notify.email({ to: u.email, subject: `Gatehouse: ${title}`, text: body });
  }
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
