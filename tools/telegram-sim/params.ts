/**
 * Request parameters the way the Bot API server reads them (reference §1): query string merged
 * with a JSON, urlencoded or multipart body. Every parameter is kept as a string; JSON bodies keep
 * non-string values as their raw JSON text, so "reply_markup": {...} and "reply_markup": "{...}"
 * are the same. A malformed JSON body yields no parameters (the method then reports a missing one).
 */
import { ApiError, E } from './errors.js';

export interface Params {
  values: Map<string, string>;
  /** What the client sent, typed where the body was JSON; for `sim.calls()`. */
  payload: Record<string, unknown>;
}

export function parseParams(query: URLSearchParams, contentType: string | undefined, body: Buffer): Params {
  const values = new Map<string, string>();
  const payload: Record<string, unknown> = {};
  const put = (k: string, raw: string, typed: unknown) => {
    values.set(k, raw);
    payload[k] = typed;
  };
  for (const [k, v] of query) put(k, v, v);
  const ct = (contentType ?? '').toLowerCase();
  if (ct.startsWith('application/json')) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(body.toString('utf8'));
    } catch {
      parsed = undefined;
    }
    if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) {
      for (const [k, v] of Object.entries(parsed)) {
        if (v === null || v === undefined) continue;
        put(k, typeof v === 'string' ? v : JSON.stringify(v), v);
      }
    }
  } else if (ct.startsWith('application/x-www-form-urlencoded')) {
    for (const [k, v] of new URLSearchParams(body.toString('utf8'))) put(k, v, v);
  } else if (ct.startsWith('multipart/form-data')) {
    for (const [k, v] of parseMultipart(contentType ?? '', body)) put(k, v, v);
  }
  return { values, payload };
}

/** Text fields of a multipart body; file parts are kept as the placeholder "[file]". */
function parseMultipart(contentType: string, body: Buffer): [string, string][] {
  const m = /boundary="?([^";]+)"?/i.exec(contentType);
  if (!m) return [];
  const out: [string, string][] = [];
  for (const part of body.toString('utf8').split(`--${m[1]}`)) {
    const sep = part.indexOf('\r\n\r\n');
    if (sep < 0) continue;
    const head = part.slice(0, sep);
    const name = /name="([^"]*)"/i.exec(head);
    if (!name) continue;
    out.push([name[1], /filename="/i.test(head) ? '[file]' : part.slice(sep + 4).replace(/\r\n$/, '')]);
  }
  return out;
}

export const str = (p: Params, name: string): string | undefined => p.values.get(name);

export function requireStr(p: Params, name: string): string {
  const v = p.values.get(name);
  if (v === undefined || v === '') throw E.required(name);
  return v;
}

/** An integer parameter; absent → undefined, unparsable → NaN (callers decide what that means). */
export function int(p: Params, name: string): number | undefined {
  const v = p.values.get(name);
  if (v === undefined || v === '') return undefined;
  return /^\s*[-+]?\d+\s*$/.test(v) ? Number(v) : NaN;
}

export function bool(p: Params, name: string): boolean {
  const v = (p.values.get(name) ?? '').toLowerCase();
  return v === 'true' || v === '1';
}

/** A JSON-typed parameter (object or array); undefined when absent, `error` thrown when unparsable. */
export function json<T>(p: Params, name: string, error: () => ApiError): T | undefined {
  const v = p.values.get(name);
  if (v === undefined || v === '') return undefined;
  try {
    return JSON.parse(v) as T;
  } catch {
    throw error();
  }
}

/** Parameters from an already-parsed JSON object (webhook replies, in-process calls). */
export function paramsFromObject(obj: Record<string, unknown>): Params {
  const values = new Map<string, string>();
  const payload: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(obj)) {
    if (v === null || v === undefined) continue;
    values.set(k, typeof v === 'string' ? v : JSON.stringify(v));
    payload[k] = v;
  }
  return { values, payload };
}
