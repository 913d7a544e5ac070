import createClient from 'openapi-fetch';
import type { paths } from './schema';
import { ApiError } from './errors';
import { sessionExpired, setTokens, tokens, type TokenPair } from './session';

/**
 * The one API client: openapi-fetch typed by the generated OpenAPI schema. It attaches the access
 * token, and on a 401 refreshes the token pair once (shared by concurrent requests) and retries.
 */

// 401s that mean "wrong input", not "session gone": never refresh on these.
const CREDENTIAL_CODES = new Set(['INVALID_CREDENTIALS', 'INVALID_OTP', 'MFA_REQUIRED', 'INVALID_REFRESH_TOKEN']);
const NO_REFRESH_PATHS = ['/api/auth/login', '/api/auth/refresh'];

let refreshing: Promise<boolean> | null = null;

async function refreshTokens(): Promise<boolean> {
  const current = tokens.value;
  if (!current) return false;
  try {
    const res = await fetch('/api/auth/refresh', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ refreshToken: current.refreshToken }),
    });
    if (!res.ok) return false;
    const body = (await res.json()) as TokenPair;
    setTokens({ accessToken: body.accessToken, refreshToken: body.refreshToken });
    return true;
  } catch {
    return false;
  }
}

function refreshOnce(): Promise<boolean> {
  refreshing ??= refreshTokens().finally(() => {
    refreshing = null;
  });
  return refreshing;
}

function withToken(req: Request): Request {
  if (tokens.value) req.headers.set('authorization', `Bearer ${tokens.value.accessToken}`);
  return req;
}

async function errorCode(res: Response): Promise<string | undefined> {
  try {
    return ((await res.clone().json()) as { error?: { code?: string } }).error?.code;
  } catch {
    return undefined;
  }
}

/** fetch with the Bearer token and one refresh-and-retry on 401. Also used for file downloads. */
export async function authFetch(input: Request): Promise<Response> {
  const hadToken = !!tokens.value;
  const retry = input.clone();
  const res = await fetch(withToken(input));
  if (res.status !== 401 || !hadToken) return res;
  if (NO_REFRESH_PATHS.some((p) => new URL(input.url).pathname === p)) return res;
  if (CREDENTIAL_CODES.has((await errorCode(res)) ?? '')) return res;
  if (!(await refreshOnce())) {
    sessionExpired();
    return res;
  }
  const again = await fetch(withToken(retry));
  if (again.status === 401 && !CREDENTIAL_CODES.has((await errorCode(again)) ?? '')) sessionExpired();
  return again;
}

export const api = createClient<paths>({ baseUrl: window.location.origin, fetch: authFetch });

type Result<T> = { data?: T; error?: unknown; response: Response };

/** Await an openapi-fetch call and return its data, or throw an ApiError built from the error body. */
export async function unwrap<T>(call: Promise<Result<T>>): Promise<T> {
  let r: Result<T>;
  try {
    r = await call;
  } catch (e) {
    throw new ApiError(0, 'NETWORK_ERROR', e instanceof Error ? e.message : String(e));
  }
  if (!r.response.ok) throw ApiError.from(r.response.status, r.error);
  return r.data as T;
}
