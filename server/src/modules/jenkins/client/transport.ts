/**
 * One Jenkins connection over undici: keep-alive pool (optionally through an HTTP proxy),
 * preemptive basic auth, crumbs, timeouts, retries with backoff, the circuit breaker and the
 * per-exchange onCall hook. Everything above this file speaks in paths and parsed JSON.
 *
 * Retry rule: network errors, timeouts and 5xx are retried for idempotent requests (GETs, and
 * POSTs documented as idempotent such as stop). Any other POST is retried only when the connection
 * failed before a byte was sent (refused, DNS, connect timeout): a 5xx, a reset or a timeout after
 * sending may mean Jenkins acted, and a trigger must never start two builds. 4xx is never retried.
 */
import { Agent, ProxyAgent, request, type Dispatcher } from 'undici';
import type { Readable } from 'node:stream';
import { CircuitBreaker, type Admission } from './circuit-breaker.js';
import { type Crumb, CrumbSession, isCrumbBody } from './crumb-session.js';
import { JenkinsError, failedBeforeSend, fromTransportError, isServerFailure, kindForStatus } from './jenkins-error.js';
import type { CallRecord, ClientOptions, JenkinsConnection } from './types.js';

export interface RequestSpec {
  method: 'GET' | 'POST';
  /** Root-relative, already encoded, may carry a query string. */
  path: string;
  form?: URLSearchParams;
  /** Safe to send twice. Default: GET yes, POST no. */
  idempotent?: boolean;
  /** 'buffer' (default) reads the body inside the attempt, so body timeouts are retried too. */
  read?: 'buffer' | 'stream';
}

export interface Reply {
  status: number;
  header(name: string): string | null;
  /** The body, when read as 'buffer'. */
  data: Buffer;
  /** The body, when read as 'stream'. */
  stream: Readable | null;
}

const ERROR_BODY_LIMIT = 64 * 1024;

export class Transport {
  readonly breaker: CircuitBreaker;
  private readonly dispatcher: Dispatcher;
  private readonly root: string;
  private readonly auth: string;
  private readonly timeoutMs: number;
  private readonly crumbs: CrumbSession;
  private readonly retries: number;
  private readonly backoffMs: number;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly onCall: ((c: CallRecord) => void) | null;

  constructor(
    private readonly conn: JenkinsConnection,
    opts: ClientOptions,
  ) {
    const url = new URL(conn.url);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new TypeError(`Jenkins URL must be http(s): ${conn.name}`);
    this.root = `${url.origin}${url.pathname.replace(/\/+$/, '')}`;
    this.auth = `Basic ${Buffer.from(`${conn.username}:${conn.token}`, 'utf8').toString('base64')}`;
    this.timeoutMs = conn.timeoutMs ?? 15_000;
    this.dispatcher = createDispatcher(url, conn.proxyUrl ?? null, this.timeoutMs);
    this.crumbs = new CrumbSession(conn.authMode === 'password');
    this.retries = opts.retries ?? 3;
    this.backoffMs = opts.backoffMs ?? 250;
    this.sleep = opts.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms)));
    this.onCall = opts.onCall ?? null;
    const b = opts.breaker ?? { failureThreshold: 5, resetMs: 30_000 };
    this.breaker = new CircuitBreaker(b.failureThreshold, b.resetMs, opts.now ?? Date.now);
  }

  /** A call: breaker admission, retries, crumbs. Resolves with status < 400, else throws JenkinsError. */
  async call(spec: RequestSpec): Promise<Reply> {
    const admission = this.breaker.admit();
    if (!admission) {
      this.record(spec, null, performance.now(), 'unavailable');
      throw new JenkinsError('unavailable', `Jenkins "${this.conn.name}" is unavailable (circuit open)`);
    }
    try {
      const reply = await this.withRetries(spec, admission === 'trial' ? 0 : this.retries);
      this.breaker.success();
      return reply;
    } catch (e) {
      this.settle(admission, e);
      throw e;
    }
  }

  /** A call whose answer must be JSON. */
  async json<T>(spec: RequestSpec): Promise<T> {
    return parseJson<T>(spec, await this.call(spec));
  }

  async close(): Promise<void> {
    // A stream nobody consumes would keep close() waiting; give it the timeout, then cut.
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<'late'>((r) => (timer = setTimeout(() => r('late'), this.timeoutMs)));
    const outcome = await Promise.race([this.dispatcher.close().then(() => 'closed' as const), late]);
    clearTimeout(timer);
    if (outcome === 'late') await this.dispatcher.destroy();
  }

  private settle(admission: Admission, e: unknown): void {
    if (!(e instanceof JenkinsError)) this.breaker.release(admission);
    else if (isServerFailure(e)) this.breaker.failure(admission);
    else this.breaker.success();
  }

  private async withRetries(spec: RequestSpec, retries: number): Promise<Reply> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.withCrumb(spec);
      } catch (e) {
        if (!(e instanceof JenkinsError) || attempt >= retries || !retryable(e, spec)) throw e;
        const d = this.backoffMs * 2 ** attempt;
        await this.sleep(d / 2 + Math.random() * (d / 2));
      }
    }
  }

  /** A crumb rejection happens in Jenkins' CrumbFilter before anything runs, so one resend is safe. */
  private async withCrumb(spec: RequestSpec): Promise<Reply> {
    try {
      return await this.attempt(spec);
    } catch (e) {
      if (spec.method !== 'POST' || !(e instanceof JenkinsError) || !isCrumbRejection(e)) throw e;
      this.crumbs.invalidate();
      return this.attempt(spec);
    }
  }

  private async attempt(spec: RequestSpec): Promise<Reply> {
    const headers: Record<string, string> = { authorization: this.auth };
    if (spec.method === 'POST') Object.assign(headers, await this.crumbs.headers(() => this.fetchCrumb()));
    const cookie = this.crumbs.cookieHeader();
    if (cookie) headers.cookie = cookie;
    if (spec.form) headers['content-type'] = 'application/x-www-form-urlencoded';
    const started = performance.now();
    let res: Dispatcher.ResponseData;
    try {
      res = await request(this.root + spec.path, {
        dispatcher: this.dispatcher,
        method: spec.method,
        headers,
        body: spec.form?.toString(),
        headersTimeout: this.timeoutMs,
        bodyTimeout: this.timeoutMs,
      });
    } catch (e) {
      const err = fromTransportError(e, `${spec.method} ${pathOf(spec)}`);
      this.record(spec, null, started, err.message);
      throw err;
    }
    this.record(spec, res.statusCode, started);
    this.crumbs.store(res.headers['set-cookie']);
    if (res.statusCode >= 400) throw await httpError(spec, res);
    const header = (name: string) => first(res.headers[name]);
    if (spec.read === 'stream') return { status: res.statusCode, header, data: Buffer.alloc(0), stream: res.body };
    try {
      return { status: res.statusCode, header, data: Buffer.from(await res.body.arrayBuffer()), stream: null };
    } catch (e) {
      throw fromTransportError(e, `${spec.method} ${pathOf(spec)} (reading the answer)`);
    }
  }

  /**
   * One GET inside the POST's attempt (no own admission or retries). Its failures are marked as
   * "POST not sent", so the POST's own retry loop may retry them like a GET.
   */
  private async fetchCrumb(): Promise<Crumb | null> {
    try {
      const reply = await this.attempt({ method: 'GET', path: '/crumbIssuer/api/json' });
      const body = JSON.parse(reply.data.toString('utf8')) as { crumb?: unknown; crumbRequestField?: unknown };
      if (typeof body.crumb !== 'string') throw new JenkinsError('http', 'The crumb issuer answered without a crumb');
      return { field: typeof body.crumbRequestField === 'string' ? body.crumbRequestField : 'Jenkins-Crumb', value: body.crumb };
    } catch (e) {
      if (e instanceof JenkinsError && e.kind === 'not-found') return null; // crumbs disabled by a system property
      const err = e instanceof JenkinsError ? e : new JenkinsError('http', 'The crumb issuer did not answer JSON', { cause: e });
      notSent.add(err);
      throw err;
    }
  }

  private record(spec: RequestSpec, status: number | null, started: number, error?: string): void {
    if (!this.onCall) return;
    const c: CallRecord = { method: spec.method, path: pathOf(spec), status, ms: Math.round(performance.now() - started) };
    if (error !== undefined) c.error = error;
    try {
      this.onCall(c);
    } catch {
      // A broken metrics hook must not break Jenkins calls.
    }
  }
}

/** The JSON of a reply; a redirect here (e.g. to an SSO login page) or a non-JSON body is an error. */
export function parseJson<T>(spec: RequestSpec, reply: Reply): T {
  const where = `${spec.method} ${pathOf(spec)}`;
  if (reply.status >= 300) {
    throw new JenkinsError('http', `${where}: unexpected redirect to ${reply.header('location') ?? '?'}`, { status: reply.status });
  }
  try {
    return JSON.parse(reply.data.toString('utf8')) as T;
  } catch {
    throw new JenkinsError('http', `${where}: the answer is not JSON`, { status: reply.status });
  }
}

function createDispatcher(target: URL, proxyUrl: string | null, timeoutMs: number): Dispatcher {
  // At most 16 sockets per Jenkins: a sync fanning out hundreds of calls queues here, not on Jenkins.
  const pool = {
    connections: 16,
    headersTimeout: timeoutMs,
    bodyTimeout: timeoutMs,
    keepAliveTimeout: 10_000,
    keepAliveMaxTimeout: 60_000,
  };
  if (!proxyUrl) return new Agent({ ...pool, connect: { timeout: timeoutMs } });
  // Plain-HTTP Jenkins goes through the proxy as absolute-URI requests; HTTPS is tunnelled (CONNECT).
  return new ProxyAgent({
    uri: proxyUrl,
    ...pool,
    proxyTunnel: target.protocol === 'https:',
    proxyTls: { timeout: timeoutMs },
    requestTls: { timeout: timeoutMs },
  });
}

/** Errors of a request that certainly did not go out (the crumb fetch before a POST failed). */
const notSent = new WeakSet<JenkinsError>();

function retryable(e: JenkinsError, spec: RequestSpec): boolean {
  if (!isServerFailure(e)) return false;
  return (spec.idempotent ?? spec.method === 'GET') || failedBeforeSend(e) || notSent.has(e);
}

function isCrumbRejection(e: JenkinsError): boolean {
  return e.status === 403 && isCrumbBody(e.message);
}

const pathOf = (spec: RequestSpec): string => spec.path.split('?', 1)[0];

function first(v: string | string[] | undefined): string | null {
  return Array.isArray(v) ? (v[0] ?? null) : (v ?? null);
}

/** Error pages are HTML (never parsed as JSON); the message comes from X-Error when Jenkins sets one. */
async function httpError(spec: RequestSpec, res: Dispatcher.ResponseData): Promise<JenkinsError> {
  const text = await readLimited(res.body, ERROR_BODY_LIMIT);
  const xError = first(res.headers['x-error']);
  const status = res.statusCode;
  let detail = xError ?? (isCrumbBody(text) ? 'No valid crumb was included in the request' : null);
  const permission = first(res.headers['x-required-permission']);
  if (!detail && permission) detail = `requires ${permission}`;
  const message = `${spec.method} ${pathOf(spec)} → HTTP ${status}${detail ? `: ${detail}` : ''}`;
  return new JenkinsError(kindForStatus(status), message, { status, jenkinsMessage: xError });
}

async function readLimited(body: Readable, limit: number): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of body) {
      chunks.push(chunk as Buffer);
      size += (chunk as Buffer).length;
      if (size >= limit) break; // leaving the loop destroys the rest of the body
    }
  } catch {
    // The status already tells the story; a broken error body adds nothing.
  }
  return Buffer.concat(chunks).toString('utf8');
}
