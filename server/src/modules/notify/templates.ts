import type { Language, NotifyEvent, TemplateVars } from './notify.types.js';

interface Template {
  title: string;
  body: string;
}

/**
 * The built-in messages, per event and language. Bodies are plain text (one fact a line) so every
 * way out can show them: the centre and e-mail as they are, chat platforms with the title in bold.
 * A line whose placeholders are all empty is left out, so optional facts need no conditionals.
 */
export const TEMPLATES: Record<NotifyEvent, Record<Language, Template>> = {
  'approval.requested': {
    en: {
      title: 'Approval requested: {{project}} → {{environment}} (#{{id}})',
      body: 'Requested by: {{requester}}\nVersion: {{version}}\nDescription: {{description}}\nDecide before: {{deadline}}',
    },
    'zh-CN': {
      title: '待审批:{{project}} → {{environment}}(#{{id}})',
      body: '申请人:{{requester}}\n版本:{{version}}\n说明:{{description}}\n截止时间:{{deadline}}',
    },
  },
  'approval.reminded': {
    en: {
      title: 'Reminder {{reminder}}: approval #{{id}} for {{project}} → {{environment}} is waiting for you',
      body: 'Requested by: {{requester}}\nVersion: {{version}}\nDescription: {{description}}\nTime left: {{remainingMinutes}} min (until {{deadline}})',
    },
    'zh-CN': {
      title: '第 {{reminder}} 次提醒:审批 #{{id}}({{project}} → {{environment}})等待您处理',
      body: '申请人:{{requester}}\n版本:{{version}}\n说明:{{description}}\n剩余时间:{{remainingMinutes}} 分钟(截止 {{deadline}})',
    },
  },
  'approval.decided': {
    en: {
      title: 'Approval #{{id}} {{statusText}}: {{project}} → {{environment}}',
      body: 'Decided by: {{decidedBy}}\nComment: {{comment}}\nVersion: {{version}}\nDescription: {{description}}\nRequested by: {{requester}}',
    },
    'zh-CN': {
      title: '审批 #{{id}} {{statusText}}:{{project}} → {{environment}}',
      body: '审批人:{{decidedBy}}\n意见:{{comment}}\n版本:{{version}}\n说明:{{description}}\n申请人:{{requester}}',
    },
  },
  'approval.timeout': {
    en: {
      title: 'Approval #{{id}} timed out: {{project}} → {{environment}}',
      body: 'Nobody decided before {{deadline}}.\nOutcome: {{statusText}}\nVersion: {{version}}\nRequested by: {{requester}}',
    },
    'zh-CN': {
      title: '审批 #{{id}} 已超时:{{project}} → {{environment}}',
      body: '截止 {{deadline}} 前无人处理。\n处理结果:{{statusText}}\n版本:{{version}}\n申请人:{{requester}}',
    },
  },
  'build.result': {
    en: {
      title: 'Build {{job}} #{{build}} {{resultText}} ({{project}} → {{environment}})',
      body: 'Result: {{resultText}}\nDuration: {{duration}}\nBuild: {{url}}\nLog tail:\n{{logTail}}',
    },
    'zh-CN': {
      title: '构建 {{job}} #{{build}} {{resultText}}({{project}} → {{environment}})',
      body: '结果:{{resultText}}\n耗时:{{duration}}\n构建地址:{{url}}\n日志末尾:\n{{logTail}}',
    },
  },
  'build.failing': {
    en: {
      title: '{{job}} failed {{count}} times in a row ({{project}})',
      body: 'Project: {{project}}\nJob: {{job}}\nBranch: {{branch}}\nLast build: {{url}}',
    },
    'zh-CN': {
      title: '{{job}} 已连续失败 {{count}} 次({{project}})',
      body: '项目:{{project}}\n任务:{{job}}\n分支:{{branch}}\n最近构建:{{url}}',
    },
  },
  'password.expiring': {
    en: {
      title: 'Your password expires soon',
      body: 'Your Gatehouse password expires on {{expiresOn}}. Change it on your profile page to keep access.',
    },
    'zh-CN': { title: '密码即将过期', body: '您的 Gatehouse 密码将于 {{expiresOn}} 过期,请在个人资料页面修改密码。' },
  },
  'login.new-address': {
    en: {
      title: 'New sign-in from {{ip}}',
      body: 'Your account {{username}} signed in from {{ip}} at {{at}} (last time from {{previousIp}}).\nBrowser: {{userAgent}}\nIf this was not you, change your password and sign out your other sessions.',
    },
    'zh-CN': {
      title: '新地址登录:{{ip}}',
      body: '您的账号 {{username}} 于 {{at}} 从 {{ip}} 登录(上次登录地址 {{previousIp}})。\n浏览器:{{userAgent}}\n如果不是您本人操作,请立即修改密码并退出其他会话。',
    },
  },
  'task.failed': {
    en: { title: 'Task {{task}} failed on {{failed}} of {{total}} hosts', body: 'Project: {{project}}\n{{hosts}}' },
    'zh-CN': { title: '任务 {{task}} 执行失败({{failed}}/{{total}} 台主机)', body: '项目:{{project}}\n{{hosts}}' },
  },
  test: {
    en: { title: 'Gatehouse test message', body: 'Channel "{{channel}}" works. Sent by {{user}} at {{at}}.' },
    'zh-CN': { title: 'Gatehouse 测试消息', body: '通知渠道“{{channel}}”配置正常。由 {{user}} 于 {{at}} 发送。' },
  },
};

const STATUS_TEXT: Record<Language, Record<string, string>> = {
  en: { approved: 'approved', rejected: 'rejected', timeout: 'timed out', withdrawn: 'withdrawn', pending: 'pending' },
  'zh-CN': { approved: '已通过', rejected: '已拒绝', timeout: '已超时', withdrawn: '已撤回', pending: '待审批' },
};
const RESULT_TEXT: Record<Language, Record<string, string>> = {
  en: { SUCCESS: 'succeeded', FAILURE: 'failed', ABORTED: 'aborted', UNSTABLE: 'unstable', NOT_BUILT: 'not built' },
  'zh-CN': { SUCCESS: '成功', FAILURE: '失败', ABORTED: '已中止', UNSTABLE: '不稳定', NOT_BUILT: '未构建' },
};

/** The variables a template sees: the caller's plus statusText/resultText in the language. */
export function withDerived(vars: TemplateVars, lang: Language): Record<string, string | number | boolean | null> {
  const out: Record<string, string | number | boolean | null> = {};
  for (const [k, v] of Object.entries(vars)) out[k] = v ?? null;
  const status = typeof vars.status === 'string' ? vars.status : null;
  const result = typeof vars.result === 'string' ? vars.result : null;
  if (status !== null && out.statusText === undefined) out.statusText = STATUS_TEXT[lang][status] ?? status;
  if (result !== null && out.resultText === undefined) out.resultText = RESULT_TEXT[lang][result.toUpperCase()] ?? result;
  return out;
}

const PLACEHOLDER = /\{\{\s*([A-Za-z_][\w.-]*)\s*\}\}/g;
const text = (v: unknown): string => (v === null || v === undefined ? '' : String(v));

/**
 * `{{name}}` substitution. A line whose placeholders are all empty is dropped, and so is a heading
 * line (no placeholder, ends with a colon) whose next line was dropped: "Log tail:" only with a log.
 */
export function renderText(template: string, vars: Record<string, unknown>): string {
  const lines = template.split('\n').map((line) => {
    let placeholders = 0;
    let filled = 0;
    const out = line.replace(PLACEHOLDER, (_m, name: string) => {
      placeholders++;
      const v = text(vars[name]);
      if (v !== '') filled++;
      return v;
    });
    return { out, keep: placeholders === 0 || filled > 0, heading: placeholders === 0 && /[::]\s*$/.test(line) };
  });
  return lines
    .filter((l, i) => l.keep && !(l.heading && i + 1 < lines.length && !lines[i + 1].keep))
    .map((l) => l.out)
    .join('\n');
}

/**
 * A JSON template (webhook channels), parsed when the channel was saved: placeholders are filled
 * inside strings; a string that is exactly one placeholder takes the variable's own JSON type.
 */
export function renderJson(template: unknown, vars: Record<string, unknown>): unknown {
  if (typeof template === 'string') {
    const whole = /^\{\{\s*([A-Za-z_][\w.-]*)\s*\}\}$/.exec(template);
    if (whole) return vars[whole[1]] ?? null;
    return template.replace(PLACEHOLDER, (_m, name: string) => text(vars[name]));
  }
  if (Array.isArray(template)) return template.map((x) => renderJson(x, vars));
  if (template && typeof template === 'object')
    return Object.fromEntries(Object.entries(template).map(([k, v]) => [k, renderJson(v, vars)]));
  return template;
}

/** Title and text of an event in a language; a channel's own template replaces the text. */
export function renderEvent(event: NotifyEvent, lang: Language, vars: Record<string, unknown>, custom?: string | null) {
  const t = (TEMPLATES as Partial<typeof TEMPLATES>)[event]?.[lang];
  if (!t) throw new Error(`notify: no template for the event "${String(event)}"`);
  const title = renderText(t.title, vars);
  const body = renderText(t.body, vars);
  return { title, text: custom ? renderText(custom, { ...vars, title, body }) : body };
}
