import type { Db } from '../../core/db/db.js';

export interface NotificationRow {
  id: number;
  user_id: number;
  kind: string;
  title: string;
  body: string;
  link: string | null;
  severity: string;
  read_at: string | null;
  created_at: string;
}
export type DeliveryStatus = 'queued' | 'sent' | 'failed' | 'skipped';
export interface DeliveryRow {
  id: number;
  /** The way out: 'email' or a channel type. */
  channel: string;
  recipient: string;
  subject: string;
  status: DeliveryStatus;
  attempts: number;
  last_error: string | null;
  created_at: string;
  sent_at: string | null;
  channel_id?: number | null;
  event?: string | null;
  user_id?: number | null;
  /** DeliveryMessage as JSON. */
  message?: string | null;
  request_excerpt?: string | null;
  response_status?: number | null;
  response_excerpt?: string | null;
  next_attempt_at?: string | null;
  updated_at?: string | null;
}
export interface ChannelRow {
  id: number;
  name: string;
  type: ChannelType;
  config: string;
  url_enc: string | null;
  secret_enc: string | null;
  events: string;
  project: string;
  environment: string;
  language: Language | null;
  template: string | null;
  enabled: number;
  created_by: number | null;
  created_by_name: string | null;
  created_at: string;
  updated_at: string;
}
export interface NotifyTables {
  notify_notifications: NotificationRow;
  notify_deliveries: DeliveryRow;
  notify_channels: ChannelRow;
}

export interface Notification {
  id: number;
  kind: string;
  title: string;
  body: string;
  link: string | null;
  severity: string;
  read: boolean;
  createdAt: string;
}

export type Severity = 'info' | 'warning' | 'urgent';

export interface NotificationInput {
  kind: string;
  title: string;
  body: string;
  link?: string;
  severity?: Severity;
}

export interface EmailInput {
  to: string;
  subject: string;
  text: string;
  html?: string;
}

export const NOTIFY_EVENTS = [
  'approval.requested',
  'approval.reminded',
  'approval.decided',
  'approval.timeout',
  'build.result',
  'build.failing',
  'password.expiring',
  'login.new-address',
  'task.failed',
  'test',
] as const;
export type NotifyEvent = (typeof NOTIFY_EVENTS)[number];
/** About one person: they go to a channel only when its events filter names them explicitly. */
export const PERSONAL_EVENTS: readonly string[] = ['password.expiring', 'login.new-address'];

export type Language = 'zh-CN' | 'en';
export type TemplateVars = Record<string, string | number | boolean | null | undefined>;

/** What a module hands to notify.publish (contract in /work/notes/approvals-contract.md). */
export interface PublishInput {
  event: NotifyEvent;
  /** User ids: notification centre, and e-mail to those with an address. */
  recipients: number[];
  severity?: Severity;
  /** A path such as /approvals/12; made absolute with publicUrl outside Gatehouse. */
  link?: string;
  project?: string | null;
  environment?: string | null;
  vars: TemplateVars;
  /** The notification centre's kind; defaults to the event. */
  kind?: string;
}

/** What the delivery job sends, rendered when the event was published. */
export interface DeliveryMessage {
  event: string;
  severity: Severity;
  language: Language;
  title: string;
  text: string;
  /** Absolute when publicUrl is set. */
  link: string | null;
  project: string | null;
  environment: string | null;
  vars: Record<string, string | number | boolean | null>;
  /** A channel's JSON template, rendered (webhook channels). */
  payload?: unknown;
  /** A test message: sent even when the channel is disabled. */
  test?: boolean;
}

/** A person as notify needs them; identity registers the lookup (notify may not import it). */
export interface Recipient {
  id: number;
  username: string;
  email: string | null;
  locale: string | null;
  disabled: boolean;
}
export type RecipientDirectory = (db: Db, ids: number[]) => Promise<Recipient[]>;

export const CHANNEL_TYPES = ['email', 'dingtalk', 'wecom', 'feishu', 'slack', 'webhook', 'telegram'] as const;
export type ChannelType = (typeof CHANNEL_TYPES)[number];

/** Non-secret settings of a channel; which keys apply depends on the type. */
export interface ChannelConfig {
  /** email: the addresses. */
  to?: string[];
  /** dingtalk / wecom: markdown (default) or text; feishu: interactive (default) or text. */
  msgType?: 'markdown' | 'text' | 'interactive';
  /** dingtalk: at.atMobiles / at.isAtAll; wecom (text): mentioned_mobile_list / '@all'. */
  atMobiles?: string[];
  atAll?: boolean;
  /** telegram: the chat id (number as text, or @channelname). */
  chatId?: string;
}

export interface Channel {
  id: number;
  name: string;
  type: ChannelType;
  enabled: boolean;
  events: string[];
  project: string;
  environment: string;
  language: Language | null;
  template: string | null;
  config: ChannelConfig;
  /** The URL with its credential parts masked; null for email/telegram. */
  url: string | null;
  hasSecret: boolean;
  createdBy: number | null;
  createdByName: string | null;
  createdAt: string;
  updatedAt: string;
}

export interface Delivery {
  id: number;
  channelId: number | null;
  channel: string;
  event: string | null;
  userId: number | null;
  recipient: string;
  subject: string;
  status: DeliveryStatus;
  attempts: number;
  lastError: string | null;
  requestExcerpt: string | null;
  responseStatus: number | null;
  responseExcerpt: string | null;
  nextAttemptAt: string | null;
  createdAt: string;
  updatedAt: string | null;
  sentAt: string | null;
}

export const toNotification = (r: NotificationRow): Notification => ({
  id: r.id,
  kind: r.kind,
  title: r.title,
  body: r.body,
  link: r.link,
  severity: r.severity,
  read: r.read_at !== null,
  createdAt: r.created_at,
});

export const toDelivery = (r: DeliveryRow): Delivery => ({
  id: r.id,
  channelId: r.channel_id ?? null,
  channel: r.channel,
  event: r.event ?? null,
  userId: r.user_id ?? null,
  recipient: r.recipient,
  subject: r.subject,
  status: r.status,
  attempts: r.attempts,
  lastError: r.last_error,
  requestExcerpt: r.request_excerpt ?? null,
  responseStatus: r.response_status ?? null,
  responseExcerpt: r.response_excerpt ?? null,
  nextAttemptAt: r.next_attempt_at ?? null,
  createdAt: r.created_at,
  updatedAt: r.updated_at ?? null,
  sentAt: r.sent_at,
});

/** Who made a change, for the audit trail. */
export interface NotifyActor {
  userId: number;
  username: string;
  ip?: string;
  userAgent?: string;
}

/**
 * The audit service as notify uses it. Audit is on the same layer, so notify cannot import it;
 * app.ts hands the real AuditService in (it matches this shape).
 */
export interface AuditSink {
  record(
    trx: Db,
    input: {
      actor: { userId?: number | null; username?: string | null; ip?: string; userAgent?: string };
      action: string;
      resourceType?: string;
      resourceId?: string | number;
      details?: Record<string, unknown>;
    },
  ): Promise<number>;
}
