import type { AppContext } from '../../core/context.js';
import { Mailer } from './mailer.js';
import { EMAIL_JOB, NotifyService } from './notify.service.js';
import { notifyRoutes } from './notify.routes.js';
import type { EmailInput } from './notify.types.js';

export { NotifyService } from './notify.service.js';
export type { NotificationInput, EmailInput, Notification } from './notify.types.js';

const EMAIL_ATTEMPTS = 5;

export function createNotifyModule(ctx: AppContext) {
  const mailer = new Mailer(() => ctx.config.get().smtp);
  const service = new NotifyService(ctx.db, ctx.clock, ctx.jobs, ctx.events, mailer);
  ctx.jobs.register<EmailInput & { deliveryId: number }>(
    EMAIL_JOB,
    (p, job) => service.deliverEmail(p, job.attempt, job.attempt >= EMAIL_ATTEMPTS),
    { maxAttempts: EMAIL_ATTEMPTS },
  );
  return { service, routes: notifyRoutes(service), close: () => mailer.close() };
}
export type NotifyModule = ReturnType<typeof createNotifyModule>;
