/**
 * Permission failures exactly as Jenkins answers them (reference §1): anonymous → 403 with a
 * login meta-refresh page (bare 403 for XMLHttpRequest); authenticated → 403 "access denied" with
 * the diagnostic X-… headers of AccessDeniedException3; bad credentials → 401 + WWW-Authenticate.
 */
import type { Sim } from './context.js';
import { IMPLIED_BY, PERMISSION_IDS, type Permission } from './auth.js';
import { type Req, type Res, advertise, html } from './http.js';
import { escapeHtml } from './ansi-html.js';

export function unauthorized(sim: Sim, user: string): Res {
  return {
    status: 401,
    headers: {
      'WWW-Authenticate': 'Basic realm="Jenkins"',
      'Content-Type': 'text/html;charset=iso-8859-1',
      'Cache-Control': 'must-revalidate,no-cache,no-store',
    },
    body: `<html><head><meta http-equiv="Content-Type" content="text/html;charset=ISO-8859-1"/><title>Error 401 Invalid password/token for user: ${escapeHtml(user)}</title></head><body><h2>HTTP ERROR 401 Invalid password/token for user: ${escapeHtml(user)}</h2></body></html>`,
  };
}

export function loginRequired(sim: Sim, req: Req): Res {
  if ((req.raw.headers['x-requested-with'] ?? '') === 'XMLHttpRequest') return { status: 403, headers: advertise(sim), body: '' };
  const from = `${sim.opts.prefix}/login?from=${encodeURIComponent(req.prefix + req.path)}`;
  const body =
    `<html><head><meta http-equiv='refresh' content='1;url=${escapeHtml(from)}'/>` +
    `<script id='redirect' data-redirect-url='${escapeHtml(from)}' src='${sim.opts.prefix}/static/redirect.js'></script></head>` +
    `<body style='background-color:white; color:white;'>\nAuthentication required\n<!--\n-->\n</body></html>`;
  return { status: 403, headers: { 'Content-Type': 'text/html;charset=UTF-8', ...advertise(sim) }, body };
}

const PERMISSION_TITLES: Record<Permission, string> = {
  'Overall/Administer': 'Overall/Administer',
  'Overall/Read': 'Overall/Read',
  'Item/Read': 'Job/Read',
  'Item/Build': 'Job/Build',
  'Item/Cancel': 'Job/Cancel',
};

export function accessDenied(sim: Sim, req: Req, perm: Permission): Res {
  const name = req.principal.name;
  const message = `${name} is missing the ${PERMISSION_TITLES[perm]} permission`;
  return html(sim, 'Access Denied', `<h1>Access Denied</h1><p>${escapeHtml(message)}</p>`, 403, {
    'X-You-Are-Authenticated-As': name,
    'X-You-Are-In-Group-Disabled':
      'JENKINS-39402: use -Dhudson.security.AccessDeniedException2.REPORT_GROUP_HEADERS=true or use /whoAmI to diagnose',
    'X-Required-Permission': PERMISSION_IDS[perm],
    'X-Permission-Implied-By': IMPLIED_BY[perm],
  });
}

/** null when allowed; otherwise the response Jenkins gives this caller. */
export function need(sim: Sim, req: Req, perm: Permission): Res | null {
  if (sim.users.has(req.principal, perm)) return null;
  return req.principal.user ? accessDenied(sim, req, perm) : loginRequired(sim, req);
}
