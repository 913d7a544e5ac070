/**
 * JenkinsError: one error type for every failed call, with a kind callers can branch on, and the
 * mapping of undici's socket errors onto it.
 */

export type JenkinsErrorKind = 'network' | 'timeout' | 'http' | 'unavailable' | 'auth' | 'not-found';

export class JenkinsError extends Error {
  override name = 'JenkinsError';
  readonly kind: JenkinsErrorKind;
  readonly status: number | null;
  /** Jenkins' X-Error header (form-validation style failures), else null. */
  readonly jenkinsMessage: string | null;
  /** The underlying socket error code (ECONNREFUSED, UND_ERR_HEADERS_TIMEOUT, …), else null. */
  readonly code: string | null;

  constructor(
    kind: JenkinsErrorKind,
    message: string,
    opts: { status?: number | null; jenkinsMessage?: string | null; code?: string | null; cause?: unknown } = {},
  ) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.kind = kind;
    this.status = opts.status ?? null;
    this.jenkinsMessage = opts.jenkinsMessage ?? null;
    this.code = opts.code ?? null;
  }
}

const TIMEOUT_CODES = new Set(['UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'ETIMEDOUT']);

/**
 * Failures that happen while opening the connection, so no byte of the request can have reached
 * Jenkins: the only failures after which a non-idempotent POST may be sent again.
 */
const BEFORE_SEND_CODES = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EADDRNOTAVAIL',
  'UND_ERR_CONNECT_TIMEOUT',
]);

export function kindForStatus(status: number): JenkinsErrorKind {
  if (status === 401 || status === 403) return 'auth';
  if (status === 404) return 'not-found';
  return 'http';
}

/** Wraps an error thrown by undici (or the socket) into a JenkinsError. */
export function fromTransportError(e: unknown, what: string): JenkinsError {
  if (e instanceof JenkinsError) return e;
  const code = errorCode(e);
  const detail = e instanceof Error ? e.message : String(e);
  // undici reports a proxy's 407 as an error, not a response: wrong proxy credentials.
  if (/proxy/i.test(detail) && /\b407\b/.test(detail))
    return new JenkinsError('auth', `${what}: ${detail}`, { status: 407, code, cause: e });
  const kind = code && TIMEOUT_CODES.has(code) ? 'timeout' : 'network';
  return new JenkinsError(kind, `${what}: ${detail}`, { code, cause: e });
}

/** True when the request certainly never left this process (see BEFORE_SEND_CODES). */
export function failedBeforeSend(e: JenkinsError): boolean {
  return e.code !== null && BEFORE_SEND_CODES.has(e.code);
}

/** Network errors, timeouts and 5xx: Jenkins is unwell. 4xx means it answered. */
export function isServerFailure(e: unknown): boolean {
  if (!(e instanceof JenkinsError)) return true;
  if (e.kind === 'network' || e.kind === 'timeout') return true;
  return e.kind === 'http' && e.status !== null && e.status >= 500;
}

function errorCode(e: unknown): string | null {
  // undici wraps socket errors (cause chains; AggregateError when several addresses were tried).
  const codes: string[] = [];
  const visit = (cur: unknown, depth: number): void => {
    if (!cur || typeof cur !== 'object' || depth > 4) return;
    const { code, cause, errors } = cur as { code?: unknown; cause?: unknown; errors?: unknown };
    if (typeof code === 'string') codes.push(code);
    visit(cause, depth + 1);
    if (Array.isArray(errors)) for (const x of errors) visit(x, depth + 1);
  };
  visit(e, 0);
  return codes.find((c) => TIMEOUT_CODES.has(c) || BEFORE_SEND_CODES.has(c)) ?? codes[0] ?? null;
}
