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
export interface DeliveryRow {
  id: number;
  channel: string;
  recipient: string;
  subject: string;
  status: 'queued' | 'sent' | 'failed' | 'skipped';
  attempts: number;
  last_error: string | null;
  created_at: string;
  sent_at: string | null;
}
export interface NotifyTables {
  notify_notifications: NotificationRow;
  notify_deliveries: DeliveryRow;
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

export interface NotificationInput {
  kind: string;
  title: string;
  body: string;
  link?: string;
  severity?: 'info' | 'warning' | 'urgent';
}

export interface EmailInput {
  to: string;
  subject: string;
  text: string;
  html?: string;
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
