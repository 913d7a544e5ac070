import type { Clock } from '../../core/clock.js';
import type { ConfigStore } from '../../core/config/config.loader.js';
import type { SecretBox } from '../../core/crypto/secret-box.js';
import type { Db, Dialect } from '../../core/db/db.js';
import { backoffMs, type JobQueue } from '../../core/jobs/job-queue.js';
import * as channels from './channels.repo.js';
import type { Mailer } from './mailer.js';
import * as repo from './notify.repo.js';
import { DELIVER_JOB, type DeliverPayload } from './publish.service.js';
import { sendDingtalk } from './senders/dingtalk.sender.js';
import { sendFeishu } from './senders/feishu.sender.js';
import { excerpt, networkError, type SendInput, type SendOutcome } from './senders/http.js';
import { sendSlack } from './senders/slack.sender.js';
import { sendTelegram } from './senders/telegram.sender.js';
import { sendWebhook } from './senders/webhook.sender.js';
import { sendWecom } from './senders/wecom.sender.js';
import type { ChannelConfig, ChannelRow, DeliveryMessage, DeliveryRow, NotifyTables } from './notify.types.js';

type Outcome = SendOutcome | { skipped: string };

const RECHECK_MS = 5_000;

export interface RunnerDeps {
  db: Db<NotifyTables>;
  dialect: Dialect;
  clock: Clock;
  config: ConfigStore;
  jobs: JobQueue;
  secrets: SecretBox;
  mailer: Mailer;
}

/**
 * The `notify.deliver` job: one attempt at one delivery, and its outcome in the delivery log.
 * Transient failures throw (the queue retries with backoff); a "retry after" answer schedules a new
 * job at that time carrying the attempts used so far; permanent failures end the delivery at once.
 */
export class DeliveryRunner {
  constructor(private readonly d: RunnerDeps) {}

  async run(p: DeliverPayload, attempt: number): Promise<void> {
    const row = await channels.getDelivery(this.d.db, p.deliveryId);
    if (!row) {
      // Rolled back with the change that published it — or, on PostgreSQL, not committed yet: look
      // once more a little later (a new job, so no attempt is used up), then drop it.
      if (this.d.dialect === 'postgres' && !p.recheck) {
        const runAt = new Date(this.d.clock.now().getTime() + RECHECK_MS);
        await this.d.jobs.enqueue(DELIVER_JOB, { ...p, recheck: true }, { runAt, maxAttempts: p.max - (p.base ?? 0) });
      }
      return;
    }
    if (row.status !== 'queued') return; // a repeated job after the delivery ended
    const n = (p.base ?? 0) + attempt;
    let outcome: Outcome;
    try {
      outcome = await this.send(row, JSON.parse(row.message ?? '{}') as DeliveryMessage);
    } catch (e) {
      outcome = { ok: false, retry: 'backoff', error: this.errorText(e), status: null, request: '', response: '' };
    }
    await this.record(row, outcome, n, attempt, p);
  }

  private errorText(e: unknown): string {
    return networkError(e, this.d.config.get().notify.webhookTimeoutMs);
  }

  private async send(row: DeliveryRow, m: DeliveryMessage): Promise<Outcome> {
    const text = m.link ? `${m.text}\n\n${m.link}` : m.text;
    if (row.channel_id === null || row.channel_id === undefined) {
      if (!this.d.mailer.configured()) return { skipped: 'SMTP is not configured (smtp.host)' };
      await this.d.mailer.send({ to: row.recipient, subject: row.subject, text });
      return { ok: true, status: null, request: '', response: '' };
    }
    const c = await channels.getChannel(this.d.db, row.channel_id);
    if (!c) return { ok: false, retry: 'no', error: 'the channel was deleted', status: null, request: '', response: '' };
    if (c.enabled !== 1 && !m.test) return { skipped: 'the channel is disabled' };
    const config = JSON.parse(c.config) as ChannelConfig;
    if (c.type === 'email') {
      if (!this.d.mailer.configured()) return { skipped: 'SMTP is not configured (smtp.host)' };
      await this.d.mailer.send({ to: (config.to ?? []).join(', '), subject: row.subject, text });
      return { ok: true, status: null, request: '', response: '' };
    }
    return this.sendOut(c, row, m, config);
  }

  private async sendOut(c: ChannelRow, row: DeliveryRow, m: DeliveryMessage, config: ChannelConfig): Promise<Outcome> {
    const cfg = this.d.config.get();
    const input: SendInput = {
      deliveryId: row.id,
      message: m,
      config,
      url: c.url_enc ? this.d.secrets.open(c.url_enc) : null,
      secret: c.secret_enc ? this.d.secrets.open(c.secret_enc) : null,
      now: this.d.clock.now(),
      timeoutMs: cfg.notify.webhookTimeoutMs,
    };
    switch (c.type) {
      case 'dingtalk':
        return sendDingtalk(input);
      case 'wecom':
        return sendWecom(input);
      case 'feishu':
        return sendFeishu(input);
      case 'slack':
        return sendSlack(input);
      case 'webhook':
        return sendWebhook(input);
      case 'telegram':
        if (!cfg.telegram.token) return { skipped: 'Telegram is not configured (telegram.token)' };
        return sendTelegram(input, cfg.telegram);
      default:
        return { ok: false, retry: 'no', error: `unknown channel type ${String(c.type)}`, status: null, request: '', response: '' };
    }
  }

  private async record(row: DeliveryRow, o: Outcome, n: number, attempt: number, p: DeliverPayload): Promise<void> {
    const now = this.d.clock.now();
    const at = now.toISOString();
    if ('skipped' in o)
      return repo.updateDelivery(this.d.db, row.id, {
        status: 'skipped',
        attempts: n,
        last_error: o.skipped,
        updated_at: at,
        next_attempt_at: null,
      });
    const seen = {
      attempts: n,
      updated_at: at,
      request_excerpt: o.request ? excerpt(o.request, 2000) : null,
      response_status: o.status,
      response_excerpt: o.response ? excerpt(o.response, 1000) : null,
    };
    if (o.ok)
      return repo.updateDelivery(this.d.db, row.id, { ...seen, status: 'sent', sent_at: at, last_error: null, next_attempt_at: null });
    if (o.retry === 'no')
      return repo.updateDelivery(this.d.db, row.id, { ...seen, status: 'failed', last_error: o.error, next_attempt_at: null });
    if (n >= p.max) {
      // Out of attempts: the job fails too, with the same error, for operators watching the queue.
      await repo.updateDelivery(this.d.db, row.id, { ...seen, status: 'failed', last_error: o.error, next_attempt_at: null });
      throw new Error(o.error);
    }
    if (o.retry === 'after' && o.retryAfterMs !== undefined) {
      const runAt = new Date(now.getTime() + Math.max(o.retryAfterMs, 1000));
      await this.d.jobs.enqueue(DELIVER_JOB, { deliveryId: row.id, max: p.max, base: n }, { runAt, maxAttempts: p.max - n });
      const error = `${o.error} (retrying at ${runAt.toISOString()} as asked)`;
      return repo.updateDelivery(this.d.db, row.id, { ...seen, status: 'queued', last_error: error, next_attempt_at: runAt.toISOString() });
    }
    const next = new Date(now.getTime() + backoffMs(attempt)).toISOString();
    await repo.updateDelivery(this.d.db, row.id, { ...seen, status: 'queued', last_error: o.error, next_attempt_at: next });
    throw new Error(o.error);
  }
}
