import { esc, labels, requestText, type ApprovalText, type TextOptions } from './messages.js';
import type { Lang } from './telegram.types.js';

/** The bot's answers to commands, buttons and replies, in zh-CN and en (HTML parse mode). */

type Pair = Record<Lang, string>;
const pick = (lang: Lang, p: Pair) => p[lang];

export const HELP: Pair = {
  'zh-CN': [
    '<b>Gatehouse 审批机器人</b>',
    '/approve &lt;审批ID&gt; [备注] — 同意发布',
    '/reject &lt;审批ID&gt; &lt;原因&gt; — 拒绝发布（须填写原因）',
    '/status — 审批统计',
    '/status &lt;审批ID&gt; — 审批详情',
    '/jenkins — Jenkins 服务器状态',
    '/link &lt;关联码&gt; — 关联 Gatehouse 账号（在个人资料页获取关联码）',
    '/help — 本帮助',
    '',
    '也可以直接点击审批消息中的「同意发布」「拒绝发布」按钮。',
  ].join('\n'),
  en: [
    '<b>Gatehouse approval bot</b>',
    '/approve &lt;id&gt; [comment] — approve a release',
    '/reject &lt;id&gt; &lt;reason&gt; — reject a release (a reason is required)',
    '/status — approval counts',
    '/status &lt;id&gt; — one approval in detail',
    '/jenkins — Jenkins servers',
    '/link &lt;code&gt; — link your Gatehouse account (get the code on your profile page)',
    '/help — this help',
    '',
    'You can also press the buttons under an approval message.',
  ].join('\n'),
};

export const R = {
  notLinked: {
    'zh-CN':
      '您的 Telegram 账号尚未关联 Gatehouse 用户，无法执行此操作。请在 Gatehouse 个人资料页获取关联码，然后私聊机器人发送 /link &lt;关联码&gt;。',
    en: 'Your Telegram account is not linked to a Gatehouse user, so this does nothing. Get a code on your Gatehouse profile page and send /link &lt;code&gt; to the bot in a private chat.',
  },
  notLinkedShort: {
    'zh-CN': '您的 Telegram 账号尚未关联 Gatehouse 用户，请先私聊机器人发送 /link <关联码>。',
    en: 'Your Telegram account is not linked to Gatehouse yet: send /link <code> to the bot in a private chat first.',
  },
  linkUsage: {
    'zh-CN': '用法：/link &lt;关联码&gt;（关联码在 Gatehouse 个人资料页生成，10 分钟内有效）',
    en: 'Usage: /link &lt;code&gt; (make a code on your Gatehouse profile page; it is valid for 10 minutes)',
  },
  linkPrivate: {
    'zh-CN': '为保护关联码，请在与机器人的私聊中发送 /link。',
    en: 'To keep your code private, send /link to the bot in a private chat.',
  },
  linkBad: {
    'zh-CN': '关联码无效、已使用或已过期，请在个人资料页重新生成。',
    en: 'That code is unknown, used or expired; make a new one on your profile page.',
  },
  linkTooMany: {
    'zh-CN': '关联码错误次数过多，请 10 分钟后再试。',
    en: 'Too many wrong codes; try again in 10 minutes.',
  },
  approveUsage: { 'zh-CN': '用法：/approve &lt;审批ID&gt; [备注]', en: 'Usage: /approve &lt;id&gt; [comment]' },
  rejectUsage: {
    'zh-CN': '用法：/reject &lt;审批ID&gt; &lt;原因&gt;（拒绝必须填写原因）',
    en: 'Usage: /reject &lt;id&gt; &lt;reason&gt; (a rejection needs a reason)',
  },
  statusUsage: { 'zh-CN': '用法：/status 或 /status &lt;审批ID&gt;', en: 'Usage: /status or /status &lt;id&gt;' },
  notFound: { 'zh-CN': '审批不存在，或您无权查看。', en: 'No such approval, or you may not see it.' },
  noPermission: { 'zh-CN': '您没有查看此信息的权限。', en: 'You do not have the permission to see this.' },
  buttonGone: { 'zh-CN': '此按钮已失效。', en: 'This button is no longer valid.' },
  askReason: { 'zh-CN': '请回复机器人的提示消息，填写拒绝原因。', en: 'Reply to the bot’s prompt with your reason.' },
  reasonEmpty: { 'zh-CN': '拒绝原因不能为空，请回复文字原因。', en: 'The reason cannot be empty; reply with some text.' },
  promptNotYours: { 'zh-CN': '这条提示不是发给您的。', en: 'This prompt is not addressed to you.' },
  promptExpired: {
    'zh-CN': '此提示已失效，请重新点击「拒绝发布」或使用 /reject。',
    en: 'This prompt has expired; press the reject button again or use /reject.',
  },
  failed: { 'zh-CN': '处理失败，请稍后重试。', en: 'Something went wrong; try again later.' },
  askHelp: { 'zh-CN': '发送 /help 查看可用命令。', en: 'Send /help for the commands.' },
  unknownCommand: { 'zh-CN': '未知命令，发送 /help 查看可用命令。', en: 'Unknown command; send /help for the list.' },
} satisfies Record<string, Pair>;

export const reply = (lang: Lang, key: keyof typeof R) => pick(lang, R[key]);

export function linked(lang: Lang, username: string): string {
  return lang === 'zh-CN'
    ? `✅ 已关联 Gatehouse 用户 <b>${esc(username)}</b>。现在可以审批了，发送 /help 查看命令。`
    : `✅ Linked to Gatehouse user <b>${esc(username)}</b>. You can approve now; send /help for the commands.`;
}

export function decided(lang: Lang, id: number, decision: 'approve' | 'reject', status: string): string {
  const t = labels(lang);
  const what = decision === 'approve' ? t.approved : t.rejected;
  if (status === 'pending') {
    return lang === 'zh-CN' ? `${what} #${id}（已记录，等待其他审批人）` : `${what} #${id} (vote recorded; waiting for other approvers)`;
  }
  return `${what} #${id}`;
}

/** A refusal from ApprovalsService.decide, in words; unknown codes get the generic answer. */
export function decisionError(lang: Lang, e: { code?: string; details?: unknown; message?: string }): string {
  const d = (e.details ?? {}) as { decidedBy?: string | { username?: string }; decision?: string };
  const by = typeof d.decidedBy === 'string' ? d.decidedBy : (d.decidedBy?.username ?? '');
  const zh = lang === 'zh-CN';
  switch (e.code) {
    case 'APPROVALS_NOT_FOUND':
      return reply(lang, 'notFound');
    case 'APPROVALS_NOT_APPROVER':
      return zh ? '您不是此审批当前级别的审批人，无法操作。' : 'You are not an approver of the current level of this request.';
    case 'APPROVALS_SELF_APPROVAL':
      return zh ? '不能同意自己提交的审批。' : 'You may not approve your own request.';
    case 'APPROVALS_REASON_REQUIRED':
      return zh ? '拒绝必须填写原因。' : 'A rejection needs a reason.';
    case 'APPROVALS_ALREADY_DECIDED':
      if (by) return zh ? `已由 ${esc(by)} 处理，无需重复操作。` : `Already decided by ${esc(by)}.`;
      return zh ? '此审批已处理，无需重复操作。' : 'This request has already been decided.';
    case 'APPROVALS_WORK_STARTED':
      return zh ? '后续操作已开始，不能再更改决定。' : 'The follow-up work has started; the decision can no longer change.';
    default:
      return reply(lang, 'failed');
  }
}

export interface Stats {
  total: number;
  pending: number;
  approved: number;
  rejected: number;
  timeout: number;
}

export function statsText(lang: Lang, s: Stats): string {
  if (lang === 'zh-CN') {
    return `📊 <b>审批统计</b>\n总数：${s.total}\n待处理：${s.pending}\n已同意：${s.approved}\n已拒绝：${s.rejected}\n已超时：${s.timeout}`;
  }
  return `📊 <b>Approvals</b>\nTotal: ${s.total}\nPending: ${s.pending}\nApproved: ${s.approved}\nRejected: ${s.rejected}\nTimed out: ${s.timeout}`;
}

export interface LevelText {
  index: number;
  name: string | null;
  status: string;
  approvers: Array<{ username: string; decision: string | null }>;
}

/** /status <id>: the request message plus its status and every level's votes. */
export function detailText(a: ApprovalText & { levels: LevelText[] }, o: TextOptions): string {
  const t = labels(o.lang);
  const statusWord = a.status === 'pending' ? t.pending : (t[a.status as 'approved'] ?? esc(a.status));
  const rows = [requestText(a, o), '', `<b>${statusWord}</b>`];
  for (const l of a.levels) {
    const votes = l.approvers.map((p) => `${esc(p.username)}${p.decision === 'approve' ? ' ✅' : p.decision === 'reject' ? ' ❌' : ''}`);
    rows.push(`${l.index + 1}. ${esc(l.name ?? '')} [${esc(l.status)}] ${votes.join(', ')}`);
  }
  return rows.join('\n');
}

export interface JenkinsLine {
  name: string;
  url: string;
  reachable: boolean;
  version: string | null;
  message: string | null;
}

export function jenkinsText(lang: Lang, servers: JenkinsLine[]): string {
  const zh = lang === 'zh-CN';
  if (!servers.length) return zh ? '未配置 Jenkins 服务器。' : 'No Jenkins server is configured.';
  const rows = servers.map((s) => {
    const state = s.reachable ? (zh ? '✅ 连接正常' : '✅ reachable') : zh ? '❌ 无法连接' : '❌ unreachable';
    const version = s.version ? (zh ? `，版本 ${esc(s.version)}` : `, version ${esc(s.version)}`) : '';
    const msg = !s.reachable && s.message ? `\n   ${esc(s.message)}` : '';
    return `<b>${esc(s.name)}</b> ${esc(s.url)}\n   ${state}${version}${msg}`;
  });
  return `${zh ? '🔧 <b>Jenkins 状态</b>' : '🔧 <b>Jenkins</b>'}\n${rows.join('\n')}`;
}

/** A reminder once the request is decided: the outcome replaces the call to act. */
export function closedReminderText(a: ApprovalText, o: TextOptions): string {
  const t = labels(o.lang);
  const head = t[a.status as 'approved'] ?? esc(a.status);
  const who = a.decidedBy ? `${t.sep}${esc(a.decidedBy.username)}` : '';
  const scope = `${esc(a.project)} / ${esc(a.environment)}`;
  const what = o.lang === 'zh-CN' ? `审批 #${a.id}（${scope}）` : `Approval #${a.id} (${scope})`;
  return `${what}\n<b>${head}</b>${who}`;
}
