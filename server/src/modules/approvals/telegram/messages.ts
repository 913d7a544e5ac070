import { randomBytes } from 'node:crypto';
import type { ButtonAction, Lang } from './telegram.types.js';

/**
 * The text of the bot's approval messages in zh-CN and en (HTML parse mode). Pure functions: the
 * caller passes the request, the clock's time zone and the links; nothing here talks to Telegram.
 */

/** The fields of an Approval the messages show (a structural subset of the core's Approval). */
export interface ApprovalText {
  id: number;
  project: string;
  environment: string;
  version: string | null;
  description: string | null;
  action: string | null;
  summary: string;
  job: string | null;
  build: string | number | null;
  urgent: boolean;
  status: string;
  currentLevel: number;
  levelCount: number;
  requestedBy: { username: string } | null;
  deadlineAt: string | null;
  decidedAt: string | null;
  decidedBy: { username: string } | null;
  comment: string | null;
  reason: string | null;
  /** What a timeout does: shown next to 已超时. */
  timeoutAction?: string;
}

export interface TextOptions {
  lang: Lang;
  timeZone: string;
  /** Absolute URL of the request's page, when publicUrl is set. */
  link?: string | null;
  /** Absolute URL of the build log page (/logs/{id}). */
  logLink?: string | null;
}

export const esc = (s: string | number | null | undefined): string =>
  String(s ?? '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;');

/** Telegram refuses messages over 4096 characters: long free text is cut (the web page has it all). */
export const clip = (s: string | null | undefined, max: number): string => {
  const t = String(s ?? '');
  return t.length > max ? `${t.slice(0, max - 1)}…` : t;
};

/** "2026-12-02 10:30 UTC" in the server's time zone. */
export function formatTime(iso: string | null, timeZone: string): string {
  if (!iso) return '-';
  let tz = timeZone;
  let text: string;
  try {
    text = new Intl.DateTimeFormat('sv-SE', { timeZone, dateStyle: 'short', timeStyle: 'short' }).format(new Date(iso));
  } catch {
    tz = 'UTC';
    text = new Intl.DateTimeFormat('sv-SE', { timeZone: 'UTC', dateStyle: 'short', timeStyle: 'short' }).format(new Date(iso));
  }
  return `${text} ${tz}`;
}

const L = {
  'zh-CN': {
    title: '发布审批',
    project: '项目',
    environment: '环境',
    prod: '🔴 生产环境',
    nonProd: '🟢 非生产',
    version: '版本',
    action: '操作',
    description: '说明',
    build: '构建',
    requester: '申请人',
    deadline: '截止时间',
    level: '审批级别',
    details: '详情',
    log: '日志',
    approve: '同意发布',
    reject: '拒绝发布',
    approved: '✅ 已同意',
    rejected: '❌ 已拒绝',
    timeout: '⌛ 已超时',
    timeoutReject: '（自动拒绝）',
    timeoutApprove: '（自动同意）',
    withdrawn: '↩️ 已撤回',
    pending: '⏳ 待审批',
    by: '审批人',
    at: '时间',
    comment: '备注',
    reason: '原因',
    sep: '：',
  },
  en: {
    title: 'Release approval',
    project: 'Project',
    environment: 'Environment',
    prod: '🔴 production',
    nonProd: '🟢 non-production',
    version: 'Version',
    action: 'Action',
    description: 'Description',
    build: 'Build',
    requester: 'Requested by',
    deadline: 'Deadline',
    level: 'Level',
    details: 'Details',
    log: 'Log',
    approve: 'Approve release',
    reject: 'Reject release',
    approved: '✅ Approved',
    rejected: '❌ Rejected',
    timeout: '⌛ Timed out',
    timeoutReject: ' (rejected automatically)',
    timeoutApprove: ' (approved automatically)',
    withdrawn: '↩️ Withdrawn',
    pending: '⏳ Pending',
    by: 'By',
    at: 'At',
    comment: 'Comment',
    reason: 'Reason',
    sep: ': ',
  },
} as const;

export const labels = (lang: Lang) => L[lang];

const line = (lang: Lang, label: keyof (typeof L)['en'], value: string) => `${L[lang][label]}${L[lang].sep}${value}`;

/** The facts block every message of a request starts with. */
export function requestBody(a: ApprovalText, o: TextOptions): string {
  const t = L[o.lang];
  const head = `${a.urgent ? '🚨 ' : ''}<b>${t.title} #${a.id}</b>${a.summary ? ` — ${esc(clip(a.summary, 200))}` : ''}`;
  const rows = [
    head,
    line(o.lang, 'project', esc(a.project)),
    line(o.lang, 'environment', `${esc(a.environment)} ${a.urgent ? t.prod : t.nonProd}`),
  ];
  if (a.version) rows.push(line(o.lang, 'version', esc(a.version)));
  if (a.action) rows.push(line(o.lang, 'action', esc(a.action)));
  if (a.description) rows.push(line(o.lang, 'description', esc(clip(a.description, 1500))));
  if (a.job) rows.push(line(o.lang, 'build', `${esc(a.job)}${a.build !== null && a.build !== '' ? ` #${esc(a.build)}` : ''}`));
  rows.push(line(o.lang, 'requester', esc(a.requestedBy?.username ?? '-')));
  rows.push(line(o.lang, 'deadline', formatTime(a.deadlineAt, o.timeZone)));
  if (a.levelCount > 1) rows.push(line(o.lang, 'level', `${Math.min(a.currentLevel + 1, a.levelCount)}/${a.levelCount}`));
  if (o.link) rows.push(line(o.lang, 'details', `<a href="${esc(o.link)}">${esc(o.link)}</a>`));
  if (o.logLink && a.job) rows.push(line(o.lang, 'log', `<a href="${esc(o.logLink)}">${esc(o.logLink)}</a>`));
  return rows.join('\n');
}

/** "✅ 已同意：bob（time）" plus the comment or reason; empty while pending. */
export function outcomeLines(a: ApprovalText, o: TextOptions): string {
  const t = L[o.lang];
  const status = a.status as 'approved' | 'rejected' | 'timeout' | 'withdrawn' | 'pending';
  if (status === 'pending') return '';
  let head: string = t[status] ?? esc(a.status);
  if (status === 'timeout') head += a.timeoutAction === 'approve' ? t.timeoutApprove : t.timeoutReject;
  const who = a.decidedBy ? `${t.sep}${esc(a.decidedBy.username)}` : '';
  const rows = [`<b>${head}</b>${who}`, line(o.lang, 'at', formatTime(a.decidedAt, o.timeZone))];
  if (a.status === 'rejected' && a.reason) rows.push(line(o.lang, 'reason', esc(clip(a.reason, 1000))));
  else if (a.comment) rows.push(line(o.lang, 'comment', esc(clip(a.comment, 1000))));
  return rows.join('\n');
}

/** The message as it stands: the facts, and once decided the outcome under a rule. */
export function requestText(a: ApprovalText, o: TextOptions): string {
  const outcome = outcomeLines(a, o);
  return outcome ? `${requestBody(a, o)}\n──────────\n${outcome}` : requestBody(a, o);
}

export interface InlineKeyboard {
  inline_keyboard: Array<Array<{ text: string; callback_data: string }>>;
}

/** The two buttons; callback data are the stored opaque tokens. */
export function decisionKeyboard(lang: Lang, tokens: Record<ButtonAction, string>): InlineKeyboard {
  const t = L[lang];
  return {
    inline_keyboard: [
      [
        { text: t.approve, callback_data: tokens.approve },
        { text: t.reject, callback_data: tokens.reject },
      ],
    ],
  };
}

/**
 * A button token: "a" or "r" plus 16 random base64url characters (17 bytes, far under Telegram's
 * 64). Opaque on purpose: a forged or guessed payload finds no row.
 */
export function newCallbackToken(action: ButtonAction): string {
  return `${action === 'approve' ? 'a' : 'r'}${randomBytes(12).toString('base64url')}`;
}

export const CALLBACK_TOKEN = /^[ar][A-Za-z0-9_-]{16}$/;

export interface Mention {
  telegramUserId: string;
  telegramUsername: string | null;
  displayName: string;
}

/** @username when the account has one, otherwise a link that still notifies the user. */
export function mention(m: Mention): string {
  return m.telegramUsername ? `@${esc(m.telegramUsername)}` : `<a href="tg://user?id=${esc(m.telegramUserId)}">${esc(m.displayName)}</a>`;
}

export function reminderText(
  a: ApprovalText,
  o: TextOptions & { reminder: number; mentions: Mention[]; others: string[]; minutesLeft: number | null },
): string {
  const who = [...o.mentions.map(mention), ...o.others.map(esc)].join(' ');
  const left = o.minutesLeft === null ? '' : o.minutesLeft;
  const link = o.link ? `\n<a href="${esc(o.link)}">${esc(o.link)}</a>` : '';
  const scope = `${esc(a.project)} / ${esc(a.environment)}`;
  if (o.lang === 'zh-CN') {
    const head = a.urgent ? '🚨 <b>紧急提醒</b>' : '⏰ <b>审批提醒</b>';
    const rest = left === '' ? '' : `，剩余约 ${left} 分钟`;
    return `${head}（第 ${o.reminder} 次）\n审批 #${a.id}（${scope}${a.version ? ` ${esc(a.version)}` : ''}）仍在等待处理${rest}。\n请处理：${who || '-'}${link}`;
  }
  const head = a.urgent ? '🚨 <b>Urgent reminder</b>' : '⏰ <b>Reminder</b>';
  const rest = left === '' ? '' : `, about ${left} min left`;
  return `${head} (#${o.reminder})\nApproval #${a.id} (${scope}${a.version ? ` ${esc(a.version)}` : ''}) is still waiting${rest}.\nWaiting for: ${who || '-'}${link}`;
}

/** The force_reply prompt after 拒绝发布: the reply to it is the reason. */
export function reasonPrompt(lang: Lang, approvalId: number, who: Mention): string {
  return lang === 'zh-CN'
    ? `${mention(who)} 请回复此消息，填写拒绝审批 #${approvalId} 的原因。`
    : `${mention(who)} reply to this message with the reason for rejecting approval #${approvalId}.`;
}
