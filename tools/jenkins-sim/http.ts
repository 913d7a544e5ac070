/**
 * Request and response shapes for the routes, and the responses Jenkins uses everywhere:
 * api headers, HTML error pages (with X-Error where Jenkins sets it), redirects.
 */
import type { IncomingMessage } from 'node:http';
import type { Principal } from './auth.js';
import type { Sim } from './context.js';
import type { Session } from './crumbs.js';
import { escapeHtml } from './ansi-html.js';

export interface Req {
  raw: IncomingMessage;
  method: string;
  /** Raw path below the context path, e.g. "/job/shop-web/job/feature%252Flogin/api/json". */
  path: string;
  /** Path segments, each percent-decoded once (Stapler); a trailing "" when the path ends with "/". */
  segments: string[];
  query: URLSearchParams;
  /** Fields of a form body (urlencoded or multipart). */
  form: URLSearchParams;
  body: Buffer;
  cookies: Record<string, string>;
  principal: Principal;
  session: Session | null;
  /** Absolute root URL including the context path, without trailing slash. */
  base: string;
  /** Context path ("" or "/jenkins"). */
  prefix: string;
}

export interface Res {
  status: number;
  headers: Record<string, string | string[]>;
  body: string | Buffer;
}

/** Stapler's getParameter: query string first, then form fields. */
export function param(req: Req, name: string): string | null {
  return req.query.get(name) ?? req.form.get(name);
}

export function advertise(sim: Sim): Record<string, string> {
  return { 'X-Jenkins': sim.opts.version, 'X-Jenkins-Session': sim.instanceId, 'X-Hudson': '1.395' };
}

export function json(sim: Sim, req: Req, value: unknown, status = 200): Res {
  const pretty = req.query.get('pretty') === 'true';
  return {
    status,
    headers: {
      'Content-Type': 'application/json;charset=UTF-8',
      'X-Jenkins': sim.opts.version,
      'X-Jenkins-Session': sim.instanceId,
      'X-Content-Type-Options': 'nosniff',
      'X-Frame-Options': 'deny',
    },
    body: pretty ? JSON.stringify(value, null, 2) : JSON.stringify(value),
  };
}

export function text(
  body: string | Buffer,
  status = 200,
  contentType = 'text/plain;charset=UTF-8',
  headers: Record<string, string> = {},
): Res {
  return { status, headers: { 'Content-Type': contentType, ...headers }, body };
}

export function html(sim: Sim, title: string, inner: string, status = 200, headers: Record<string, string | string[]> = {}): Res {
  const body = `<!DOCTYPE html><html><head><title>${escapeHtml(title)} [Jenkins]</title></head><body>${inner}</body></html>`;
  return { status, headers: { 'Content-Type': 'text/html;charset=UTF-8', ...advertise(sim), ...headers }, body };
}

/** Jenkins' error page. `xError` adds the X-Error header that form-validation style failures carry. */
export function errorPage(
  sim: Sim,
  status: number,
  message: string,
  opts: { xError?: boolean; headers?: Record<string, string | string[]> } = {},
): Res {
  const headers: Record<string, string | string[]> = { ...(opts.headers ?? {}) };
  if (opts.xError) headers['X-Error'] = message;
  return html(sim, 'Error', `<h1>Error</h1><p>${escapeHtml(message)}</p>`, status, headers);
}

export function notFound(sim: Sim): Res {
  return html(sim, 'Not Found', '<h2>HTTP ERROR 404 Not Found</h2>', 404);
}

/** Unexpected server exception: the "Oops" page, never JSON. */
export function oops(sim: Sim, message: string): Res {
  return html(sim, 'Oops!', `<h1>Oops!</h1><p>A problem occurred while processing the request.</p><pre>${escapeHtml(message)}</pre>`, 500);
}

export function redirect(location: string, status = 302): Res {
  return { status, headers: { Location: location, 'Content-Length': '0' }, body: '' };
}

export const empty = (status = 200): Res => ({ status, headers: {}, body: '' });

/** @RequirePOST: 405 + Allow: POST with the "This URL requires POST" page. */
export function requirePost(sim: Sim): Res {
  return html(
    sim,
    'This URL requires POST',
    '<h1>This URL requires POST</h1><p>The URL you are trying to access requires that requests be sent using POST.</p>',
    405,
    {
      Allow: 'POST',
    },
  );
}

export function parseCookies(header: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of (header ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0) out[part.slice(0, eq).trim()] = part.slice(eq + 1).trim();
  }
  return out;
}

/** Form fields of an urlencoded or multipart body (text fields only; files are not emulated). */
export function parseForm(contentType: string | undefined, body: Buffer): URLSearchParams {
  const ct = (contentType ?? '').toLowerCase();
  if (ct.startsWith('application/x-www-form-urlencoded')) return new URLSearchParams(body.toString('utf8'));
  const m = /multipart\/form-data;.*boundary="?([^";]+)"?/i.exec(contentType ?? '');
  const out = new URLSearchParams();
  if (!m) return out;
  for (const part of body.toString('utf8').split(`--${m[1]}`)) {
    const sep = part.indexOf('\r\n\r\n');
    if (sep < 0) continue;
    const name = /name="([^"]*)"/i.exec(part.slice(0, sep));
    if (name) out.append(name[1], part.slice(sep + 4).replace(/\r\n$/, ''));
  }
  return out;
}
