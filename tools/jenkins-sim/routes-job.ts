/**
 * /job/… : resolving nested items, item pages and api/json, and the job actions — build,
 * buildWithParameters, enable/disable, delete, cancelQueue (reference §§3–6, 11).
 */
import type { Sim } from './context.js';
import { type Folder, type Item, type Job, fullName, isBuildable, isJob } from './model.js';
import { childByUrlName, findBuild, itemUrl } from './jobs.js';
import { type Req, type Res, errorPage, html, notFound, oops, param, redirect, requirePost } from './http.js';
import { apiRoute } from './api.js';
import { ref } from './tree.js';
import { schemasFor } from './schemas.js';
import { env } from './routes-root.js';
import { need } from './guard.js';
import { ParamError, valuesFromJson, valuesFromRequest } from './params.js';
import type { Cause, ParamValue } from './model.js';
import { buildRoute } from './routes-build.js';
import { escapeHtml } from './ansi-html.js';

/** Walks /job/a/job/b/…; unreadable items are 404 as in Jenkins. */
export function itemRoute(sim: Sim, req: Req): Res | null {
  if (req.segments[0] !== 'job') return null;
  const denied = need(sim, req, 'Overall/Read');
  if (denied) return denied;
  let cur: Item = sim.root;
  let i = 0;
  while (req.segments[i] === 'job' && i + 1 < req.segments.length) {
    if (isJob(cur)) return notFound(sim);
    const next = childByUrlName(cur, req.segments[i + 1]);
    if (!next || !sim.users.canRead(req.principal, next)) return notFound(sim);
    cur = next;
    i += 2;
  }
  if (cur === sim.root) return notFound(sim);
  const rest = req.segments.slice(i);
  if (rest.length === 0) return redirect(`${req.prefix}${req.path}/${req.query.size ? `?${req.query}` : ''}`);
  const S = schemasFor(env(sim, req));
  const api = apiRoute(sim, req, rest, () => (isJob(cur) ? ref(S.job, cur) : ref(S.folder, cur)));
  if (api) return api;
  if (rest.length === 1 && rest[0] === '') return html(sim, fullName(cur), `<h1>${escapeHtml(fullName(cur))}</h1>`);
  return isJob(cur) ? jobAction(sim, req, cur, rest) : folderAction(sim, req, cur, rest);
}

function folderAction(sim: Sim, req: Req, folder: Folder, rest: string[]): Res {
  // ComputedFolder.doBuild: a multibranch project's or organization folder's "build" is a scan, answered with a redirect.
  if ((folder.kind === 'multibranch' || folder.kind === 'organization') && rest[0] === 'build' && rest.length === 1) {
    const denied = need(sim, req, 'Item/Build');
    if (denied) return denied;
    if (req.method !== 'POST') return requirePost(sim);
    return redirect(itemUrl(req.base, folder));
  }
  if (rest[0] === 'doDelete') return deleteItem(sim, req, folder);
  return notFound(sim);
}

function jobAction(sim: Sim, req: Req, job: Job, rest: string[]): Res {
  const [action] = rest;
  if (rest.length === 1 && (action === 'build' || action === 'buildWithParameters'))
    return trigger(sim, req, job, action === 'buildWithParameters');
  if (rest.length === 1 && (action === 'disable' || action === 'enable')) {
    const denied = need(sim, req, 'Overall/Administer');
    if (denied) return denied;
    if (req.method !== 'POST') return requirePost(sim);
    job.disabled = action === 'disable';
    return redirect(itemUrl(req.base, job));
  }
  if (rest.length === 1 && action === 'doDelete') return deleteItem(sim, req, job);
  if (rest.length === 1 && action === 'cancelQueue') {
    const denied = need(sim, req, 'Item/Cancel');
    if (denied) return denied;
    if (req.method !== 'POST') return requirePost(sim);
    const item = sim.queue.firstItemOf(job);
    if (item) sim.queue.cancel(item.id);
    return redirect(itemUrl(req.base, job));
  }
  const build = findBuild(job, action);
  if (!build) return notFound(sim);
  return buildRoute(sim, req, build, rest.slice(1));
}

function deleteItem(sim: Sim, req: Req, item: Item): Res {
  const denied = need(sim, req, 'Overall/Administer');
  if (denied) return denied;
  if (req.method !== 'POST') return requirePost(sim);
  item.parent!.children.delete(item.name);
  return redirect(item.parent!.kind === 'root' ? `${req.base}/` : itemUrl(req.base, item.parent!));
}

/** TimeDuration: "10sec"/"10secs" are seconds, a bare number is milliseconds. */
function parseDelay(text: string | null, fallbackMs: number): number | null {
  if (text === null) return fallbackMs;
  const m = /^\s*([0-9]+)\s*(secs?|sec)?\s*$/.exec(text);
  if (!m) return null;
  return Number.parseInt(m[1], 10) * (m[2] ? 1000 : 1);
}

/** ParameterizedJobMixIn.doBuild / doBuildWithParameters with BuildAuthorizationToken.checkPermission. */
function trigger(sim: Sim, req: Req, job: Job, withParams: boolean): Res {
  if (!isBuildable(job)) return errorPage(sim, 409, `${fullName(job)} is not buildable`);
  if (!withParams && job.params && req.method !== 'POST') return parameterForm(sim, job);
  let remote = false;
  const token = param(req, 'token');
  if (job.authToken && token !== null) {
    if (token !== job.authToken) return errorPage(sim, 403, 'Invalid token provided.');
    remote = true;
  }
  if (!remote) {
    const denied = need(sim, req, 'Item/Build');
    if (denied) return denied;
    if (req.method !== 'POST') return requirePost(sim);
  }
  const delayMs = parseDelay(param(req, 'delay'), job.quietPeriodMs ?? sim.opts.quietPeriodMs);
  if (delayMs === null) return oops(sim, `Invalid delay: ${param(req, 'delay')}`); // status [unconfirmed]
  const userCause: Cause = { kind: 'user', userId: req.principal.user?.id ?? null, userName: req.principal.user?.fullName ?? 'anonymous' };
  const remoteCause: Cause = {
    kind: 'remote',
    addr: req.raw.socket.remoteAddress?.replace(/^::ffff:/, '') ?? '127.0.0.1',
    note: param(req, 'cause'),
  };
  let values: ParamValue[] | null = null;
  try {
    if (withParams) {
      if (!job.params) return errorPage(sim, 400, `${fullName(job)} is not parameterized`);
      values = valuesFromRequest(job.params, (n) => [...req.query.getAll(n), ...req.form.getAll(n)]);
    } else if (job.params) {
      const json = param(req, 'json');
      if (json === null) return errorPage(sim, 400, otherFields(req) ? 'This page expects a form submission' : 'Nothing is submitted');
      values = valuesFromJson(job.params, json);
    }
  } catch (e) {
    if (!(e instanceof ParamError)) throw e;
    return e.status >= 500 ? oops(sim, e.message) : errorPage(sim, e.status, e.message);
  }
  // /build through the form always records the user (UserIdCause), even with a token.
  const causes = [remote && (withParams || !job.params) ? remoteCause : userCause];
  const { item, merged } = sim.queue.schedule(job, { delayMs, causes, params: values });
  const status = withParams && merged ? 303 : 201;
  return redirect(`${req.base}/queue/item/${item.id}/`, status);
}

function otherFields(req: Req): boolean {
  const ignored = new Set(['delay', 'token', 'Jenkins-Crumb', 'cause']);
  return [...req.query.keys(), ...req.form.keys()].some((k) => !ignored.has(k));
}

function parameterForm(sim: Sim, job: Job): Res {
  const fields = (job.params ?? []).map((d) => `<label>${escapeHtml(d.name)} <input name="${escapeHtml(d.name)}"/></label>`).join('');
  return html(sim, fullName(job), `<h1>This build requires parameters:</h1><form method="post" action="build">${fields}</form>`);
}
