import { request, type Dispatcher } from 'undici';
import type { ChannelConfig, DeliveryMessage } from '../notify.types.js';

/** Everything a sender needs for one attempt. */
export interface SendInput {
  deliveryId: number;
  message: DeliveryMessage;
  config: ChannelConfig;
  /** The channel's URL (the credential on the chat platforms); null for telegram. */
  url: string | null;
  /** Signing secret, when one is set. */
  secret: string | null;
  now: Date;
  timeoutMs: number;
}

/**
 * The result of one attempt. `retry`: 'no' (permanent: a wrong key or signature cannot heal by
 * itself), 'backoff' (transient: the job queue retries with its backoff), 'after' (the far side
 * said when: retryAfterMs).
 */
export type SendOutcome =
  | { ok: true; status: number | null; request: string; response: string }
  | {
      ok: false;
      retry: 'no' | 'backoff' | 'after';
      retryAfterMs?: number;
      error: string;
      status: number | null;
      request: string;
      response: string;
    };

export interface HttpAnswer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

const MAX_BODY = 64 * 1024;

/** POST a body; throws only when no answer came (network, timeout). */
export async function post(
  url: string,
  body: string,
  headers: Record<string, string>,
  timeoutMs: number,
  dispatcher?: Dispatcher,
): Promise<HttpAnswer> {
  const res = await request(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json; charset=utf-8', 'user-agent': 'Gatehouse', ...headers },
    body,
    headersTimeout: timeoutMs,
    bodyTimeout: timeoutMs,
    signal: AbortSignal.timeout(timeoutMs),
    ...(dispatcher ? { dispatcher } : {}),
  });
  const text = await res.body.text();
  return { status: res.statusCode, headers: res.headers, body: text.slice(0, MAX_BODY) };
}

/**
 * A failure without an answer as a short message. undici's messages name the code and address,
 * never the URL's path or query (which hold the credential); nodemailer's are readable as they are.
 */
export function networkError(e: unknown, timeoutMs: number): string {
  const err = e as { name?: string; code?: string; cause?: { code?: string }; message?: string };
  if (err?.name === 'TimeoutError' || /TIMEOUT/i.test(err?.code ?? '')) return `no answer within ${timeoutMs} ms`;
  const code = err?.code ?? err?.cause?.code;
  const msg = err?.message || String(e);
  return (code && !msg.includes(code) ? `${code}: ${msg}` : msg).slice(0, 500);
}

export const excerpt = (s: string, n = 1000): string => (s.length > n ? `${s.slice(0, n)}…` : s);

/** Retry-After as milliseconds (seconds or an HTTP date). */
export function retryAfterHeader(h: HttpAnswer['headers'], now: Date): number | undefined {
  const v = h['retry-after'];
  const s = Array.isArray(v) ? v[0] : v;
  if (!s) return undefined;
  if (/^\d+(\.\d+)?$/.test(s.trim())) return Math.ceil(Number(s) * 1000);
  const at = Date.parse(s);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now.getTime());
}

export function parseJson(s: string): Record<string, unknown> | null {
  try {
    const v: unknown = JSON.parse(s);
    return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

/** Cut a string to at most `max` UTF-8 bytes without splitting a character. */
export function truncateBytes(s: string, max: number): string {
  if (Buffer.byteLength(s, 'utf8') <= max) return s;
  let out = '';
  let bytes = 0;
  for (const ch of s) {
    const b = Buffer.byteLength(ch, 'utf8');
    if (bytes + b > max - 3) break;
    out += ch;
    bytes += b;
  }
  return `${out}…`;
}

export const linkLabel = (m: DeliveryMessage): string => (m.language === 'zh-CN' ? '在 Gatehouse 中查看' : 'Open in Gatehouse');

/** The usual reading of an HTTP status when the body says nothing more. */
export function byStatus(a: HttpAnswer, request: string, now: Date): SendOutcome {
  const response = excerpt(a.body);
  if (a.status >= 200 && a.status < 300) return { ok: true, status: a.status, request, response };
  const error = `HTTP ${a.status}${a.body ? `: ${excerpt(a.body.trim(), 200)}` : ''}`;
  if (a.status === 429) {
    const after = retryAfterHeader(a.headers, now);
    return { ok: false, retry: after !== undefined ? 'after' : 'backoff', retryAfterMs: after, error, status: a.status, request, response };
  }
  const transient = a.status >= 500 || a.status === 408 || a.status === 425 || (a.status >= 300 && a.status < 400);
  return { ok: false, retry: transient ? 'backoff' : 'no', error, status: a.status, request, response };
}

/** A JSON business code (DingTalk errcode, WeCom errcode, Feishu code) read against its tables. */
export function byBusinessCode(
  a: HttpAnswer,
  request: string,
  now: Date,
  read: (body: Record<string, unknown>) => { code: number; msg: string } | null,
  tables: { rateLimited: number[]; permanent: number[] },
): SendOutcome {
  const body = parseJson(a.body);
  const answer = body ? read(body) : null;
  if (a.status !== 200 || !answer) {
    const r = byStatus(a, request, now);
    if (r.ok && !answer)
      return {
        ok: false,
        retry: 'backoff',
        error: `unexpected answer (HTTP ${a.status})`,
        status: a.status,
        request,
        response: r.response,
      };
    return r;
  }
  const response = excerpt(a.body);
  if (answer.code === 0) return { ok: true, status: a.status, request, response };
  const error = `code ${answer.code}: ${answer.msg}`.slice(0, 500);
  const retry = tables.permanent.includes(answer.code) ? 'no' : 'backoff';
  return {
    ok: false,
    retry,
    error: tables.rateLimited.includes(answer.code) ? `rate limited, ${error}` : error,
    status: a.status,
    request,
    response,
  };
}
