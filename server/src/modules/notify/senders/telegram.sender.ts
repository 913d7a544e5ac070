import { ProxyAgent, type Dispatcher } from 'undici';
import { excerpt, linkLabel, parseJson, post, retryAfterHeader, type SendInput, type SendOutcome } from './http.js';

export interface TelegramSettings {
  token: string;
  apiRoot: string;
  proxyUrl: string;
}

// One proxy agent per proxy URL (telegram.proxyUrl is hot-reloadable).
let agent: { url: string; dispatcher: Dispatcher } | undefined;
function dispatcherFor(proxyUrl: string): Dispatcher | undefined {
  if (!proxyUrl) return undefined;
  if (agent?.url !== proxyUrl) {
    void agent?.dispatcher.close();
    agent = { url: proxyUrl, dispatcher: new ProxyAgent(proxyUrl) };
  }
  return agent.dispatcher;
}

/** HTML parse mode: every <, > and & of our text escaped, links as <a href>. */
const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const attr = (s: string): string => esc(s).replace(/"/g, '&quot;');

export function telegramBody(input: SendInput): Record<string, unknown> {
  const m = input.message;
  const chat = input.config.chatId ?? '';
  // Text counts after markup is removed; 3500 leaves room for the title and the link.
  const text = m.text.length > 3500 ? `${m.text.slice(0, 3499)}…` : m.text;
  const parts = [`<b>${esc(m.title)}</b>`, esc(text)];
  if (m.link) parts.push(`<a href="${attr(m.link)}">${esc(linkLabel(m))}</a>`);
  return {
    chat_id: /^-?\d+$/.test(chat) ? Number(chat) : chat,
    text: parts.filter(Boolean).join('\n'),
    parse_mode: 'HTML',
    link_preview_options: { is_disabled: true },
  };
}

/**
 * sendMessage with plain HTTP (the bot itself uses grammY; a notification needs one call). The
 * envelope decides: ok:true; 429 → parameters.retry_after (or the header); ≥ 500 transient; other
 * errors (chat not found, bot blocked, bad token) are permanent.
 */
export async function sendTelegram(input: SendInput, tg: TelegramSettings): Promise<SendOutcome> {
  const request = JSON.stringify(telegramBody(input));
  const answer = await post(
    `${tg.apiRoot.replace(/\/+$/, '')}/bot${tg.token}/sendMessage`,
    request,
    {},
    input.timeoutMs,
    dispatcherFor(tg.proxyUrl),
  );
  const response = excerpt(answer.body);
  const env = parseJson(answer.body);
  if (env?.ok === true) return { ok: true, status: answer.status, request, response };
  const code = typeof env?.error_code === 'number' ? env.error_code : answer.status;
  const description = typeof env?.description === 'string' ? env.description : `HTTP ${answer.status}`;
  const params = (env?.parameters ?? {}) as { retry_after?: number; migrate_to_chat_id?: number };
  let error = `${code}: ${description}`;
  if (params.migrate_to_chat_id) error += ` (the group is now chat ${params.migrate_to_chat_id}: change the channel's chat id)`;
  const base = { ok: false as const, error, status: answer.status, request, response };
  if (code === 429) {
    const after =
      typeof params.retry_after === 'number' ? params.retry_after * 1000 : (retryAfterHeader(answer.headers, input.now) ?? 3000);
    return { ...base, retry: 'after', retryAfterMs: after };
  }
  return { ...base, retry: code >= 500 || !env ? 'backoff' : 'no' };
}

export function closeTelegramAgent(): void {
  void agent?.dispatcher.close();
  agent = undefined;
}
