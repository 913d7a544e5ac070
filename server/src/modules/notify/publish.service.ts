import type { Clock } from '../../core/clock.js';
import type { ConfigStore } from '../../core/config/config.loader.js';
import type { Db, Dialect } from '../../core/db/db.js';
import type { JobQueue } from '../../core/jobs/job-queue.js';
import * as channels from './channels.repo.js';
import type { Mailer } from './mailer.js';
import * as repo from './notify.repo.js';
import { compilePattern, eventMatches } from './patterns.js';
import { renderEvent, renderJson, withDerived } from './templates.js';
import {
  PERSONAL_EVENTS,
  type ChannelRow,
  type DeliveryMessage,
  type Language,
  type NotificationInput,
  type NotifyEvent,
  type NotifyTables,
  type PublishInput,
  type Recipient,
  type RecipientDirectory,
  type Severity,
  type TemplateVars,
} from './notify.types.js';

export const DELIVER_JOB = 'notify.deliver';

/** The payload of a delivery job: `base` attempts were used by earlier jobs of the same delivery. */
export interface DeliverPayload {
  deliveryId: number;
  max: number;
  base?: number;
  /** Set on the second look for a row that was not visible (PostgreSQL, before the commit). */
  recheck?: boolean;
}

const URGENT: Record<Language, string> = { en: '[URGENT] ', 'zh-CN': '【紧急】' };

export interface PublisherDeps {
  db: Db<NotifyTables>;
  dialect: Dialect;
  clock: Clock;
  config: ConfigStore;
  jobs: JobQueue;
  mailer: Mailer;
  log: { warn(obj: object, msg: string): void };
  centre(trx: Db | null, userId: number, n: NotificationInput): Promise<number>;
}

/**
 * notify.publish: one event → the recipients' notification centres (in their language), e-mail to
 * those with an address, and one delivery per channel whose filters take the event. Rows are
 * written with the caller's transaction; the delivery jobs go out once it has committed.
 */
export class Publisher {
  private directory: RecipientDirectory | null = null;
  private readonly pending = new Set<Promise<void>>();

  constructor(private readonly d: PublisherDeps) {}

  setDirectory(dir: RecipientDirectory): void {
    this.directory = dir;
  }

  async publish(trx: Db | null, n: PublishInput): Promise<void> {
    const db = (trx ?? this.d.db) as Db<NotifyTables>;
    const severity = n.severity ?? 'info';
    const link = this.absolute(n.link ?? (typeof n.vars.link === 'string' ? n.vars.link : undefined));
    const vars: TemplateVars = {
      project: n.project ?? null,
      environment: n.environment ?? null,
      ...n.vars,
      event: n.event,
      severity,
      link,
    };
    const jobs: DeliverPayload[] = [];
    for (const r of await this.recipients(db, n.recipients)) {
      const lang: Language = r.locale === 'zh-CN' ? 'zh-CN' : 'en';
      const { title, text } = renderEvent(n.event, lang, withDerived(vars, lang));
      await this.d.centre(trx, r.id, { kind: n.kind ?? n.event, title, body: text, link: n.link, severity });
      if (r.email && !r.disabled) {
        const message = this.message(n, lang, severity, title, text, link, vars);
        jobs.push(await this.queueRow(db, { channel: 'email', recipient: r.email, userId: r.id, channelId: null, message }));
      }
    }
    for (const c of await this.matchingChannels(db, n)) jobs.push(await this.queueChannel(db, c, n.event, severity, vars, n));
    await this.enqueue(
      trx,
      jobs.filter((j) => j.max > 0),
    );
  }

  /** One message to one channel, whatever its filters (the test button). */
  async publishTo(db: Db, c: ChannelRow, event: NotifyEvent, vars: TemplateVars): Promise<number> {
    const job = await this.queueChannel(db as Db<NotifyTables>, c, event, 'info', vars, { project: null, environment: null }, true);
    await this.enqueue(db.isTransaction ? db : null, job.max > 0 ? [job] : []);
    return job.deliveryId;
  }

  /** Wait for the jobs of transactions that have committed (tests; close). */
  async settled(): Promise<void> {
    while (this.pending.size) await Promise.all([...this.pending]);
  }

  private async recipients(db: Db, ids: number[]): Promise<Recipient[]> {
    const unique = [...new Set(ids)];
    if (!unique.length) return [];
    if (!this.directory) return unique.map((id) => ({ id, username: String(id), email: null, locale: null, disabled: false }));
    const found = await this.directory(db, unique);
    return unique.map((id) => found.find((r) => r.id === id)).filter((r): r is Recipient => !!r);
  }

  private async matchingChannels(db: Db<NotifyTables>, n: PublishInput): Promise<ChannelRow[]> {
    const personal = PERSONAL_EVENTS.includes(n.event);
    return (await channels.listChannels(db, true)).filter(
      (c) =>
        eventMatches(JSON.parse(c.events) as string[], n.event, personal) &&
        compilePattern(c.project)(n.project ?? null) &&
        compilePattern(c.environment)(n.environment ?? null),
    );
  }

  private async queueChannel(
    db: Db<NotifyTables>,
    c: ChannelRow,
    event: NotifyEvent,
    severity: Severity,
    vars: TemplateVars,
    where: { project?: string | null; environment?: string | null },
    test = false,
  ): Promise<DeliverPayload> {
    const lang: Language = c.language ?? this.d.config.get().notify.language;
    const all = withDerived(vars, lang);
    const custom = c.type === 'webhook' ? null : c.template;
    const { title, text } = renderEvent(event, lang, all, custom);
    const message = this.message({ event, ...where }, lang, severity, title, text, (vars.link as string | null) ?? null, vars);
    if (c.type === 'webhook' && c.template) message.payload = renderJson(JSON.parse(c.template), { ...all, title, text });
    if (test) message.test = true;
    const recipient = c.type === 'email' ? (JSON.parse(c.config) as { to: string[] }).to.join(', ') : c.name;
    return this.queueRow(db, { channel: c.type, recipient, userId: null, channelId: c.id, message });
  }

  private message(
    n: { event: string; project?: string | null; environment?: string | null },
    lang: Language,
    severity: Severity,
    title: string,
    text: string,
    link: string | null,
    vars: TemplateVars,
  ): DeliveryMessage {
    return {
      event: n.event,
      severity,
      language: lang,
      title: (severity === 'urgent' ? URGENT[lang] : '') + title,
      text,
      link,
      project: n.project ?? null,
      environment: n.environment ?? null,
      vars: withDerived(vars, lang),
    };
  }

  private async queueRow(
    db: Db<NotifyTables>,
    r: { channel: string; recipient: string; userId: number | null; channelId: number | null; message: DeliveryMessage },
  ): Promise<DeliverPayload> {
    const now = this.d.clock.now().toISOString();
    const noSmtp = r.channel === 'email' && !this.d.mailer.configured();
    const noBot = r.channel === 'telegram' && !this.d.config.get().telegram.token;
    const skipped = noSmtp ? 'SMTP is not configured (smtp.host)' : noBot ? 'Telegram is not configured (telegram.token)' : null;
    const id = await repo.insertDelivery(db, {
      channel: r.channel,
      recipient: r.recipient,
      subject: r.channel === 'email' ? `Gatehouse: ${r.message.title}` : r.message.title,
      status: skipped ? 'skipped' : 'queued',
      attempts: 0,
      last_error: skipped,
      created_at: now,
      updated_at: now,
      sent_at: null,
      channel_id: r.channelId,
      user_id: r.userId,
      event: r.message.event,
      message: JSON.stringify(r.message),
    });
    return { deliveryId: id, max: skipped ? 0 : this.d.config.get().notify.attempts };
  }

  /**
   * On SQLite one connection serves everything: a job insert while the caller's transaction is
   * open would wait for it forever, so it is queued behind the transaction (the connection is
   * handed out in order) instead of awaited. On PostgreSQL the insert goes through the pool at once;
   * a job that runs before the commit finds no row yet and retries (see DeliveryRunner).
   */
  private async enqueue(trx: Db | null, jobs: DeliverPayload[]): Promise<void> {
    if (!jobs.length) return;
    const run = async () => {
      for (const j of jobs) {
        await this.d.jobs.enqueue(DELIVER_JOB, { ...j }, { maxAttempts: j.max }).catch(async (e: unknown) => {
          this.d.log.warn({ err: e, deliveryId: j.deliveryId }, 'could not queue a notification');
          const db = (trx && this.d.dialect === 'postgres' ? trx : this.d.db) as Db<NotifyTables>;
          await repo.updateDelivery(db, j.deliveryId, { status: 'failed', last_error: `could not queue: ${(e as Error).message}` });
        });
      }
    };
    if (trx?.isTransaction && this.d.dialect === 'sqlite') {
      const p: Promise<void> = run()
        .catch(() => undefined)
        .finally(() => this.pending.delete(p));
      this.pending.add(p);
      return;
    }
    await run();
  }

  /** publicUrl + path for messages read outside Gatehouse. */
  absolute(path: string | undefined): string | null {
    if (!path) return null;
    if (/^https?:\/\//.test(path)) return path;
    const base = this.d.config.get().publicUrl.replace(/\/+$/, '');
    return base ? `${base}${path.startsWith('/') ? '' : '/'}${path}` : path;
  }
}
