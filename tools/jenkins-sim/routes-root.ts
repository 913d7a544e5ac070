/** Top-level endpoints: root, whoAmI, crumb issuer, login/logout, queue (reference §§1, 2, 7). */
import type { Sim } from './context.js';
import { type Req, type Res, empty, errorPage, html, notFound, redirect, requirePost, text, param } from './http.js';
import { apiJson, apiRoute } from './api.js';
import { ref, type Schema } from './tree.js';
import { schemasFor } from './schemas.js';
import { need } from './guard.js';
import { crumbFor } from './crumbs.js';
import type { QueueItem } from './model.js';

const whoAmISchema: Schema<Req> = {
  cls: () => 'hudson.security.WhoAmI',
  props: [
    { name: 'anonymous', vis: 1, get: (r) => !r.principal.user },
    { name: 'authenticated', vis: 1, get: () => true },
    { name: 'authorities', vis: 1, get: (r) => (r.principal.user ? ['authenticated', ...r.principal.user.groups] : ['anonymous']) },
    { name: 'name', vis: 1, get: (r) => r.principal.name },
  ],
};

const crumbSchema: Schema<string> = {
  cls: () => 'hudson.security.csrf.DefaultCrumbIssuer',
  props: [
    { name: 'crumb', vis: 1, get: (c) => c },
    { name: 'crumbRequestField', vis: 1, get: () => 'Jenkins-Crumb' },
  ],
};

export function rootRoute(sim: Sim, req: Req): Res | null {
  const [first, ...rest] = req.segments;
  if (first === 'whoAmI')
    return rest[0] === 'api' && rest[1] === 'json'
      ? apiJson(sim, req, ref(whoAmISchema, req))
      : html(sim, 'Who Am I?', `<p>${req.principal.name}</p>`);
  if (first === 'login')
    return html(
      sim,
      'Sign in',
      '<form method="post" action="j_spring_security_check"><input name="j_username"/><input name="j_password" type="password"/></form>',
    );
  if (first === 'j_spring_security_check') return login(sim, req);
  if (first === 'logout') {
    if (req.session) sim.sessions.sessions.delete(req.session.id);
    return redirect(`${sim.opts.prefix}/`);
  }
  const denied = need(sim, req, 'Overall/Read');
  if (denied) return denied;
  if (first === '' && rest.length === 0) return html(sim, 'Dashboard', '<h1>Dashboard</h1>');
  if (first === 'api') return apiRoute(sim, req, req.segments, () => ref(schemasFor(env(sim, req)).root, sim.root)) ?? notFound(sim);
  if (first === 'crumbIssuer') return crumbIssuer(sim, req, rest);
  if (first === 'queue') return queueRoute(sim, req, rest);
  return null;
}

export const env = (sim: Sim, req: Req) => ({ sim, base: req.base, who: req.principal });

function login(sim: Sim, req: Req): Res {
  if (req.method !== 'POST') return requirePost(sim);
  const user = sim.users.users.get(param(req, 'j_username') ?? '');
  if (!user || user.password !== param(req, 'j_password')) return redirect(`${sim.opts.prefix}/loginError`);
  const s = sim.sessions.create(user.id);
  const res = redirect(`${sim.opts.prefix}/`);
  res.headers['Set-Cookie'] = `${sim.cookieName}=${s.id}; Path=${sim.opts.prefix || '/'}; HttpOnly`;
  return res;
}

function crumbIssuer(sim: Sim, req: Req, rest: string[]): Res {
  if (rest[0] !== 'api' || (rest[1] !== 'json' && rest[1] !== 'xml')) return notFound(sim);
  // Set-Cookie appears only when a new session is created.
  let session = req.session;
  let cookie: string | null = null;
  if (!session) {
    session = sim.sessions.create(null);
    cookie = `${sim.cookieName}=${session.id}; Path=${sim.opts.prefix || '/'}; HttpOnly`;
  }
  const crumb = crumbFor(req.principal, session.id, sim.salt);
  let res: Res;
  if (rest[1] === 'xml') {
    const xpath = req.query.get('xpath');
    if (xpath !== 'concat(//crumbRequestField,":",//crumb)') return errorPage(sim, 400, 'Only the crumb xpath shortcut is emulated');
    res = text(`Jenkins-Crumb:${crumb}`);
  } else {
    res = apiJson(sim, req, ref(crumbSchema, crumb));
  }
  if (cookie) res.headers['Set-Cookie'] = cookie;
  return res;
}

function queueRoute(sim: Sim, req: Req, rest: string[]): Res {
  const S = schemasFor(env(sim, req));
  if (rest[0] === 'api' && rest[1] === 'json') {
    const visible = (i: QueueItem) => sim.users.canRead(req.principal, i.job);
    const queueSchema: Schema<null> = {
      cls: () => 'hudson.model.Queue',
      props: [
        { name: 'discoverableItems', vis: 1, get: () => [] },
        {
          name: 'items',
          vis: 1,
          inline: true,
          get: () =>
            sim.queue
              .active()
              .filter(visible)
              .map((i) => ref(S.queueItem, i)),
        },
      ],
    };
    return apiJson(sim, req, ref(queueSchema, null));
  }
  if (rest[0] === 'cancelItem') return cancelItem(sim, req, param(req, 'id'));
  if (rest[0] !== 'item' || !/^[0-9]+$/.test(rest[1] ?? '')) return notFound(sim);
  const item = sim.queue.get(Number(rest[1]));
  if (!item || !sim.users.canRead(req.principal, item.job)) return notFound(sim);
  const tail = rest.slice(2);
  if (tail.length === 0) return redirect(`${req.prefix}${req.path}/`);
  if (tail[0] === '' && tail.length === 1) {
    return text(
      `Queue item exists. For details check, for example, ${req.base}/queue/item/${item.id}/api/json?tree=cancelled,executable[url]`,
    );
  }
  if (tail[0] === 'api' && tail[1] === 'json') return apiJson(sim, req, ref(S.queueItem, item));
  if (tail[0] === 'cancelQueue') return cancelItem(sim, req, String(item.id));
  return notFound(sim);
}

/** POST /queue/cancelItem?id=N (since 2.211): 204, 404 unknown, 422 no Item/Cancel, 500 already left. */
function cancelItem(sim: Sim, req: Req, idText: string | null): Res {
  if (req.method !== 'POST') return requirePost(sim);
  const id = Number(idText);
  const item = Number.isInteger(id) ? sim.queue.get(id) : null;
  if (!item || !sim.users.canRead(req.principal, item.job)) return errorPage(sim, 404, `Provided id (${idText}) not found`);
  if (!sim.users.has(req.principal, 'Item/Cancel')) return errorPage(sim, 422, `Item for id (${id}) is not cancellable`);
  const outcome = sim.queue.cancel(id);
  if (outcome === 'left') return errorPage(sim, 500, `Could not cancel run for id ${id}`);
  return empty(204);
}
