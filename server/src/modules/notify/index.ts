import type { FastifyPluginAsync } from 'fastify';
import type { AppContext } from '../../core/context.js';
import { channelsRoutes } from './channels.routes.js';
import { ChannelsService } from './channels.service.js';
import { DeliveryRunner } from './delivery.service.js';
import { Mailer } from './mailer.js';
import { notifyRoutes } from './notify.routes.js';
import { EMAIL_JOB, NotifyService } from './notify.service.js';
import { DELIVER_JOB, Publisher, type DeliverPayload } from './publish.service.js';
import { closeTelegramAgent } from './senders/telegram.sender.js';
import type { AuditSink, EmailInput } from './notify.types.js';

export { NotifyService } from './notify.service.js';
export { TEMPLATES, renderText } from './templates.js';
export { dingtalkSign } from './senders/dingtalk.sender.js';
export { feishuSign } from './senders/feishu.sender.js';
export { webhookSignature } from './senders/webhook.sender.js';
export { NOTIFY_EVENTS, CHANNEL_TYPES } from './notify.types.js';
export type {
  NotificationInput,
  EmailInput,
  Notification,
  PublishInput,
  NotifyEvent,
  Recipient,
  RecipientDirectory,
  Severity,
  Channel,
  Delivery,
} from './notify.types.js';

const EMAIL_ATTEMPTS = 5;

export function createNotifyModule(ctx: AppContext, deps: { audit: AuditSink }) {
  ctx.permissions.declare({
    code: 'notify.manage',
    module: 'notify',
    description: 'Manage notification channels, send test messages and read the delivery log',
    descriptionZh: '管理通知渠道、发送测试消息、查看投递记录',
    scoped: false,
  });
  const mailer = new Mailer(() => ctx.config.get().smtp);
  const base = { db: ctx.db, dialect: ctx.dialect, clock: ctx.clock, config: ctx.config, jobs: ctx.jobs, mailer };
  // The centre belongs to the service; the callback runs only after both exist.
  const publisher: Publisher = new Publisher({
    ...base,
    log: ctx.log,
    centre: (trx, userId, n): Promise<number> => service.notifyUser(trx, userId, n),
  });
  const service: NotifyService = new NotifyService(ctx.db, ctx.clock, ctx.jobs, ctx.events, mailer, publisher);
  const runner = new DeliveryRunner({ ...base, secrets: ctx.secrets });
  const channels = new ChannelsService(ctx, deps.audit, publisher);
  ctx.jobs.register<EmailInput & { deliveryId: number }>(
    EMAIL_JOB,
    (p, job) => service.deliverEmail(p, job.attempt, job.attempt >= EMAIL_ATTEMPTS),
    { maxAttempts: EMAIL_ATTEMPTS },
  );
  // Each attempt is bounded by notify.webhookTimeoutMs (HTTP) or the SMTP timeouts; this is a backstop.
  ctx.jobs.register<DeliverPayload>(DELIVER_JOB, (p, job) => runner.run(p, job.attempt), { timeoutMs: 5 * 60_000 });
  const routes: FastifyPluginAsync = async (app) => {
    await app.register(notifyRoutes(service));
    await app.register(channelsRoutes(channels));
  };
  return {
    service,
    channels,
    routes,
    close: () => {
      mailer.close();
      closeTelegramAgent();
    },
  };
}
export type NotifyModule = ReturnType<typeof createNotifyModule>;
