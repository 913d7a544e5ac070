/**
 * The HTTP front: body and cookie parsing, latency and fault injection, the request log,
 * authentication (401), the crumb filter (403), dispatch, and HEAD handling.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Sim } from './context.js';
import { type Req, type Res, errorPage, notFound, oops, parseCookies, parseForm } from './http.js';
import { ANONYMOUS, type Principal } from './auth.js';
import { crumbValid } from './crumbs.js';
import { unauthorized } from './guard.js';
import { rootRoute } from './routes-root.js';
import { itemRoute } from './routes-job.js';
import { decodeSegment } from './names.js';
import type { Faults, RequestLogEntry } from './faults.js';

export interface Front {
  sim: Sim;
  faults: Faults;
  requests: RequestLogEntry[];
}

const readBody = (req: IncomingMessage): Promise<Buffer> =>
  new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });

export async function handle(front: Front, raw: IncomingMessage, out: ServerResponse): Promise<void> {
  const { sim, faults } = front;
  const body = await readBody(raw);
  const url = new URL(raw.url ?? '/', 'http://sim.invalid');
  const rawPath = (raw.url ?? '/').split('?')[0];
  const prefix = sim.opts.prefix;
  const inPrefix = !prefix || rawPath === prefix || rawPath.startsWith(prefix + '/');
  const path = inPrefix ? rawPath.slice(prefix.length) || '/' : rawPath;
  const entry: RequestLogEntry = {
    at: Date.now(),
    method: raw.method ?? 'GET',
    path,
    query: Object.fromEntries(url.searchParams),
    headers: Object.fromEntries(Object.entries(raw.headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(', ') : String(v ?? '')])),
    body: body.toString('utf8'),
    user: 'anonymous',
    via: 'anonymous',
    status: null,
    fault: null,
  };
  front.requests.push(entry);

  const delay = faults.delayFor(path);
  // On the emulator's clock, so close() cancels the wait (the request is then never answered).
  if (delay) await new Promise<void>((resolve) => sim.clock.afterReal(delay, resolve));
  const fault = faults.take(entry);
  if (fault === 'reset' || fault === 'hang') {
    entry.fault = fault;
    if (fault === 'reset') raw.socket.destroy();
    return;
  }
  if (fault) {
    entry.fault = `status ${fault.status}`;
    return send(out, raw, entry, errorPage(sim, fault.status, fault.status === 503 ? 'Service Unavailable' : 'Server Error'));
  }
  if (!inPrefix) return send(out, raw, entry, notFound(sim));

  let res: Res;
  try {
    res = dispatch(front, raw, entry, { path, url, body });
  } catch (e) {
    res = oops(sim, (e as Error).stack ?? String(e));
  }
  send(out, raw, entry, res);
}

function authenticate(sim: Sim, raw: IncomingMessage, cookies: Record<string, string>): { principal: Principal | 'invalid'; user: string } {
  const header = raw.headers.authorization;
  if (header) {
    const p = sim.users.fromBasic(header);
    if (p === 'invalid') {
      const decoded = Buffer.from(header.replace(/^Basic\s+/i, ''), 'base64').toString('utf8');
      return { principal: 'invalid', user: decoded.split(':')[0] };
    }
    if (p) return { principal: p, user: p.name };
  }
  const session = sim.sessions.get(cookies[sim.cookieName]);
  const user = session?.userId ? sim.users.users.get(session.userId) : undefined;
  if (user) return { principal: { user, name: user.id, via: 'session' }, user: user.id };
  return { principal: ANONYMOUS, user: 'anonymous' };
}

function dispatch(front: Front, raw: IncomingMessage, entry: RequestLogEntry, p: { path: string; url: URL; body: Buffer }): Res {
  const { sim } = front;
  const cookies = parseCookies(raw.headers.cookie);
  const auth = authenticate(sim, raw, cookies);
  if (auth.principal === 'invalid') {
    entry.user = auth.user;
    entry.via = 'invalid';
    return unauthorized(sim, auth.user);
  }
  const principal = auth.principal;
  entry.user = principal.name;
  entry.via = principal.via;
  const host = raw.headers.host ?? `127.0.0.1`;
  const req: Req = {
    raw,
    method: raw.method ?? 'GET',
    path: p.path,
    segments: p.path.split('/').slice(1).map(decodeSegment),
    query: p.url.searchParams,
    form: parseForm(raw.headers['content-type'], p.body),
    body: p.body,
    cookies,
    principal,
    session: sim.sessions.get(cookies[sim.cookieName]),
    base: (sim.opts.rootUrl ?? `http://${host}`).replace(/\/$/, '') + sim.opts.prefix,
    prefix: sim.opts.prefix,
  };
  if (req.method === 'POST' && req.segments[0] !== 'j_spring_security_check') {
    const sent = (raw.headers['jenkins-crumb'] as string | undefined) ?? req.query.get('Jenkins-Crumb') ?? req.form.get('Jenkins-Crumb');
    if (!crumbValid(principal, req.session, sent, sim.salt)) return errorPage(sim, 403, 'No valid crumb was included in the request');
  }
  return rootRoute(sim, req) ?? itemRoute(sim, req) ?? notFound(sim);
}

function send(out: ServerResponse, raw: IncomingMessage, entry: RequestLogEntry, res: Res): void {
  entry.status = res.status;
  const body = typeof res.body === 'string' ? Buffer.from(res.body, 'utf8') : res.body;
  out.statusCode = res.status;
  out.setHeader('Server', 'Jetty(12.0.22)');
  for (const [k, v] of Object.entries(res.headers)) out.setHeader(k, v);
  out.setHeader('Content-Length', String(body.length));
  out.end(raw.method === 'HEAD' ? undefined : body);
}
