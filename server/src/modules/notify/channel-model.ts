import { patternProblem } from './patterns.js';
import { ChannelInvalid } from './notify.errors.js';
import { NOTIFY_EVENTS, type Channel, type ChannelConfig, type ChannelRow, type ChannelType, type Language } from './notify.types.js';

/** What the API takes to create or replace a channel; url/secret are write-only. */
export interface ChannelInput {
  name: string;
  type: ChannelType;
  enabled?: boolean;
  events?: string[];
  project?: string;
  environment?: string;
  language?: Language | null;
  template?: string | null;
  config?: ChannelConfig;
  /** Omitted on update: keep the stored one. */
  url?: string;
  /** Omitted on update: keep; null or '': remove. */
  secret?: string | null;
}

const NEEDS_URL: ChannelType[] = ['dingtalk', 'wecom', 'feishu', 'slack', 'webhook'];
/** Platforms that define a signature (DingTalk/Feishu 加签, our webhook HMAC). */
const SIGNED: ChannelType[] = ['dingtalk', 'feishu', 'webhook'];
const MSG_TYPES: Partial<Record<ChannelType, string[]>> = {
  dingtalk: ['markdown', 'text'],
  wecom: ['markdown', 'text'],
  feishu: ['interactive', 'text'],
};
const EMAIL = /^[^\s@<>,;]+@[^\s@<>,;]+\.[^\s@<>,;]+$/;

export const needsUrl = (t: ChannelType): boolean => NEEDS_URL.includes(t);
export const isSigned = (t: ChannelType): boolean => SIGNED.includes(t);

const invalid = (field: string, problem: string) => new ChannelInvalid({ field, problem }, `${field}: ${problem}`);

function checkEvents(events: string[]): void {
  for (const e of events) {
    const known = (NOTIFY_EVENTS as readonly string[]).includes(e);
    const glob = e === '*' || (e.endsWith('.*') && NOTIFY_EVENTS.some((x) => x.startsWith(e.slice(0, -1))));
    if (!known && !glob)
      throw invalid('events', `unknown event "${e}" (known: ${NOTIFY_EVENTS.join(', ')}, or a prefix such as approval.*)`);
  }
}

/** Only the settings that apply to the type; anything else is refused rather than kept silently. */
function checkConfig(type: ChannelType, c: ChannelConfig): ChannelConfig {
  const out: ChannelConfig = {};
  if (type === 'email') {
    if (!c.to?.length) throw invalid('config.to', 'an e-mail channel needs at least one address');
    for (const a of c.to) if (!EMAIL.test(a)) throw invalid('config.to', `not an e-mail address: "${a}"`);
    out.to = c.to;
  } else if (c.to !== undefined) throw invalid('config.to', `not used by ${type} channels`);
  if (type === 'telegram') {
    if (!c.chatId || !/^(-?\d{1,20}|@[A-Za-z][A-Za-z0-9_]{4,31})$/.test(c.chatId))
      throw invalid('config.chatId', 'a Telegram channel needs a chat id (a number such as -1001234567890, or @channelname)');
    out.chatId = c.chatId;
  } else if (c.chatId !== undefined) throw invalid('config.chatId', `not used by ${type} channels`);
  if (c.msgType !== undefined) {
    if (!MSG_TYPES[type]?.includes(c.msgType))
      throw invalid('config.msgType', `${type} channels take ${MSG_TYPES[type]?.join(' or ') ?? 'no msgType'}`);
    out.msgType = c.msgType;
  }
  if (c.atMobiles !== undefined || c.atAll !== undefined) {
    if (type !== 'dingtalk' && type !== 'wecom') throw invalid('config.atMobiles', `mentions are for dingtalk and wecom channels`);
    if (c.atMobiles?.length) out.atMobiles = c.atMobiles;
    if (c.atAll) out.atAll = true;
  }
  return out;
}

function checkUrl(type: ChannelType, url: string | null): void {
  if (!needsUrl(type)) {
    if (url) throw invalid('url', `not used by ${type} channels`);
    return;
  }
  if (!url) throw invalid('url', `a ${type} channel needs its webhook URL`);
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw invalid('url', 'not a valid URL');
  }
  if (u.protocol !== 'https:' && u.protocol !== 'http:') throw invalid('url', 'must be an http or https URL');
}

function checkTemplate(type: ChannelType, template: string | null): void {
  if (template === null) return;
  if (type !== 'webhook') return;
  try {
    const v: unknown = JSON.parse(template);
    if (!v || typeof v !== 'object') throw new Error('a JSON object or array');
  } catch (e) {
    throw invalid('template', `a webhook template must be JSON (placeholders inside strings): ${(e as Error).message}`);
  }
}

/** The stored shape of a valid input; url and secret are the plain values still to be sealed. */
export function validateChannel(i: ChannelInput, url: string | null, secret: string | null) {
  const events = [...new Set(i.events ?? [])];
  checkEvents(events);
  for (const [field, p] of [
    ['project', i.project ?? '*'],
    ['environment', i.environment ?? '*'],
  ] as const) {
    const problem = patternProblem(p);
    if (problem) throw invalid(field, problem);
  }
  checkUrl(i.type, url);
  if (secret && !SIGNED.includes(i.type))
    throw invalid(
      'secret',
      `${i.type} has no signature: ${i.type === 'telegram' ? 'the bot token is telegram.token' : 'the URL is the credential'}`,
    );
  const template = i.template ? i.template : null;
  checkTemplate(i.type, template);
  return { events, config: checkConfig(i.type, i.config ?? {}), template };
}

/** Show which endpoint without showing the credential: query values and the last path part masked. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    const parts = u.pathname.split('/');
    const last = parts.pop() ?? '';
    parts.push(last.length >= 6 ? `${last.slice(0, 2)}***` : last);
    const query = [...u.searchParams.keys()].map((k) => `${k}=***`).join('&');
    return `${u.protocol}//${u.host}${parts.join('/')}${query ? `?${query}` : ''}`;
  } catch {
    return '***';
  }
}

export function toChannel(r: ChannelRow, url: string | null): Channel {
  return {
    id: r.id,
    name: r.name,
    type: r.type,
    enabled: r.enabled === 1,
    events: JSON.parse(r.events) as string[],
    project: r.project,
    environment: r.environment,
    language: r.language,
    template: r.template,
    config: JSON.parse(r.config) as ChannelConfig,
    url: url ? redactUrl(url) : null,
    hasSecret: r.secret_enc !== null,
    createdBy: r.created_by,
    createdByName: r.created_by_name,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}
