import type { Clock } from '../../core/clock.js';
import type { Db } from '../../core/db/db.js';
import type { EventBus } from '../../core/events/event-bus.js';
import type { JobQueue } from '../../core/jobs/job-queue.js';
import type { Mailer } from './mailer.js';
import * as repo from './notify.repo.js';
import type { Publisher } from './publish.service.js';
import {
  toNotification,
  type EmailInput,
  type NotificationInput,
  type NotifyTables,
  type PublishInput,
  type RecipientDirectory,
} from './notify.types.js';

export const EMAIL_JOB = 'notify.email';

/**
 * Notifications inside Gatehouse (the notification centre) and outside it (e-mail, chat webhooks,
 * plain webhooks, Telegram). Outside deliveries are jobs, so an endpoint that is down delays a
 * message instead of losing it, and every attempt is in notify_deliveries.
 */
export class NotifyService {
  constructor(
    private readonly db: Db<NotifyTables>,
    private readonly clock: Clock,
    private readonly jobs: JobQueue,
    private readonly events: EventBus,
    private readonly mailer: Mailer,
    private readonly publisher: Publisher,
  ) {}

  /**
   * The one way modules announce an event: the recipients' centres (in their language), e-mail to
   * those with an address, and every channel whose filters take it. Pass the caller's transaction
   * (inside one you must): rows commit with it, jobs go out after it.
   */
  publish(trx: Db | null, n: PublishInput): Promise<void> {
    return this.publisher.publish(trx, n);
  }

  /** Identity tells notify how to find people (notify sits below identity and cannot ask it). */
  setDirectory(dir: RecipientDirectory): void {
    this.publisher.setDirectory(dir);
  }

  /** Resolves when deliveries published inside (now committed) SQLite transactions are queued. */
  settled(): Promise<void> {
    return this.publisher.settled();
  }

  /** Add to a user's notification centre; pass the caller's transaction to commit together. */
  async notifyUser(trx: Db | null, userId: number, n: NotificationInput): Promise<number> {
    const id = await repo.insertNotification((trx ?? this.db) as Db<NotifyTables>, {
      user_id: userId,
      kind: n.kind,
      title: n.title,
      body: n.body,
      link: n.link ?? null,
      severity: n.severity ?? 'info',
      read_at: null,
      created_at: this.clock.now().toISOString(),
    });
    await this.events.publish('notifications', { userId, id });
    return id;
  }

  async list(userId: number, unreadOnly: boolean, limit: number, offset: number) {
    const { rows, total, unread } = await repo.listForUser(this.db, userId, unreadOnly, limit, offset);
    return { items: rows.map(toNotification), total, unread };
  }

  markRead(userId: number, ids: number[] | 'all'): Promise<number> {
    return repo.markRead(this.db, userId, ids, this.clock.now().toISOString());
  }

  /** Queue an e-mail. Without SMTP settings it is recorded as skipped, never silently dropped. */
  async email(msg: EmailInput): Promise<number> {
    const configured = this.mailer.configured();
    const id = await repo.insertDelivery(this.db, {
      channel: 'email',
      recipient: msg.to,
      subject: msg.subject,
      status: configured ? 'queued' : 'skipped',
      attempts: 0,
      last_error: configured ? null : 'SMTP is not configured (smtp.host)',
      created_at: this.clock.now().toISOString(),
      sent_at: null,
    });
    if (!configured) return id;
    try {
      await this.jobs.enqueue(EMAIL_JOB, { deliveryId: id, ...msg });
    } catch (e) {
      // Never leave a delivery "queued" that no job will ever send.
      await repo.updateDelivery(this.db, id, { status: 'failed', last_error: `could not queue: ${(e as Error).message}` });
      throw e;
    }
    return id;
  }

  /** The job handler: one attempt; throwing lets the queue retry with backoff. */
  async deliverEmail(p: EmailInput & { deliveryId: number }, attempt: number, final: boolean): Promise<void> {
    if (!this.mailer.configured()) {
      // smtp.host was removed by a config reload after the mail was queued.
      await repo.updateDelivery(this.db, p.deliveryId, {
        status: 'skipped',
        attempts: attempt,
        last_error: 'SMTP is not configured (smtp.host)',
      });
      return;
    }
    try {
      await this.mailer.send(p);
      await repo.updateDelivery(this.db, p.deliveryId, {
        status: 'sent',
        attempts: attempt,
        sent_at: this.clock.now().toISOString(),
        last_error: null,
      });
    } catch (e) {
      await repo.updateDelivery(this.db, p.deliveryId, {
        status: final ? 'failed' : 'queued',
        attempts: attempt,
        last_error: (e as Error).message,
      });
      throw e;
    }
  }

  pruneRead(before: Date): Promise<number> {
    return repo.deleteReadBefore(this.db, before.toISOString());
  }
}
