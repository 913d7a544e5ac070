import { authFetch } from './client';
import { ApiError } from './errors';

/**
 * A plain JSON call through the same authenticated fetch as the typed client, for endpoints whose
 * shapes are declared by hand next to their callers (see approvals.ts). Errors come back as ApiError
 * with the server's code and message, like `unwrap`.
 */
export type Query = Record<string, string | number | boolean | null | undefined>;

export async function rest<T>(method: string, path: string, opts: { query?: Query; body?: unknown } = {}): Promise<T> {
  const url = new URL(path, window.location.origin);
  for (const [k, v] of Object.entries(opts.query ?? {})) if (v !== undefined && v !== null && v !== '') url.searchParams.set(k, String(v));
  const init: RequestInit = { method };
  if (opts.body !== undefined) {
    init.body = JSON.stringify(opts.body);
    init.headers = { 'content-type': 'application/json' };
  }
  let res: Response;
  try {
    res = await authFetch(new Request(url, init));
  } catch (e) {
    throw new ApiError(0, 'NETWORK_ERROR', e instanceof Error ? e.message : String(e));
  }
  const text = await res.text();
  let body: unknown = text;
  if ((res.headers.get('content-type') ?? '').includes('json') && text) {
    try {
      body = JSON.parse(text);
    } catch {
      body = text;
    }
  }
  if (!res.ok) throw ApiError.from(res.status, body);
  return body as T;
}
