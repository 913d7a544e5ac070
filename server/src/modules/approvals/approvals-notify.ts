import type { Db } from '../../core/db/db.js';
import type { NotifyService } from '../notify/index.js';

export type ApprovalNotifyEvent = 'approval.requested' | 'approval.reminded' | 'approval.decided' | 'approval.timeout';

export interface ApprovalNotice {
  event: ApprovalNotifyEvent;
  recipients: number[];
  severity?: 'info' | 'warning' | 'urgent';
  link?: string;
  project?: string | null;
  environment?: string | null;
  vars: Record<string, string | number | boolean | null>;
}

type Lang = 'zh-CN' | 'en';

/** Fallback texts for the in-app centre while notify.publish (with its own templates) is not there. */
const TEXT: Record<ApprovalNotifyEvent, Record<Lang, (v: ApprovalNotice['vars']) => { title: string; body: string }>> = {
  'approval.requested': {
    en: (v) => ({
      title: `Approval needed: ${v.project} / ${v.environment}`,
      body: `#${v.id} ${v.summary} — requested by ${v.requester ?? 'Gatehouse'}`,
    }),
    'zh-CN': (v) => ({
      title: `待审批：${v.project} / ${v.environment}`,
      body: `#${v.id} ${v.summary}，申请人 ${v.requester ?? 'Gatehouse'}`,
    }),
  },
  'approval.reminded': {
    en: (v) => ({ title: `Reminder ${v.reminder}: approval #${v.id} is waiting`, body: `${v.summary} — deadline ${v.deadline}` }),
    'zh-CN': (v) => ({ title: `第 ${v.reminder} 次提醒：审批 #${v.id} 等待处理`, body: `${v.summary}，截止 ${v.deadline}` }),
  },
  'approval.decided': {
    en: (v) => ({
      title: `Approval #${v.id} ${v.status}`,
      body: `${v.summary} — by ${v.decidedBy ?? '-'}${v.comment ? `: ${v.comment}` : ''}`,
    }),
    'zh-CN': (v) => ({
      title: `审批 #${v.id} ${v.status === 'approved' ? '已同意' : v.status === 'withdrawn' ? '已撤回' : '已拒绝'}`,
      body: `${v.summary}，处理人 ${v.decidedBy ?? '-'}${v.comment ? `：${v.comment}` : ''}`,
    }),
  },
  'approval.timeout': {
    en: (v) => ({ title: `Approval #${v.id} timed out`, body: `${v.summary} — action: ${v.timeoutAction}` }),
    'zh-CN': (v) => ({
      title: `审批 #${v.id} 已超时`,
      body: `${v.summary}，超时处理：${v.timeoutAction === 'approve' ? '自动同意' : '自动拒绝'}`,
    }),
  },
};

type Publisher = { publish?: (trx: Db | null, n: ApprovalNotice) => Promise<void> };

/**
 * Notify through notify.publish (channels, e-mail, templates) when it exists; until then each
 * recipient gets an entry in the in-app centre. Never throws: a failed notification must not undo
 * a decision that is already stored.
 */
export async function notifyApprovers(
  notify: NotifyService,
  n: ApprovalNotice,
  opts: { language: Lang; log: { warn(obj: object, msg: string): void } },
): Promise<void> {
  const recipients = [...new Set(n.recipients)];
  if (!recipients.length) return;
  try {
    const p = (notify as unknown as Publisher).publish;
    if (typeof p === 'function') {
      await p.call(notify, null, { ...n, recipients });
      return;
    }
    const { title, body } = TEXT[n.event][opts.language](n.vars);
    for (const userId of recipients) {
      await notify.notifyUser(null, userId, { kind: n.event, title, body, link: n.link, severity: n.severity ?? 'info' });
    }
  } catch (e) {
    opts.log.warn({ err: e, event: n.event }, 'could not send an approval notification');
  }
}
