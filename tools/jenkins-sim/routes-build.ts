/** /job/…/<N>/… : run page and api/json, console (text, progressive text/html), artifacts, stop/term/kill, input, wfapi. */
import type { Sim } from './context.js';
import type { Build } from './model.js';
import { type Req, type Res, html, notFound, oops, param, redirect, requirePost, text } from './http.js';
import { apiRoute } from './api.js';
import { ref } from './tree.js';
import { schemasFor } from './schemas.js';
import { env } from './routes-root.js';
import { need } from './guard.js';
import { buildUrl } from './jobs.js';
import { progressiveHtml, progressiveText } from './console.js';
import { artifactRoute } from './artifacts.js';
import { requestStop } from './builds.js';
import { inputRoute, wfapiRoute } from './input.js';
import { fullDisplayName } from './model.js';

export function buildRoute(sim: Sim, req: Req, b: Build, rest: string[]): Res {
  if (rest.length === 0) return redirect(`${req.prefix}${req.path}/`);
  const api = apiRoute(sim, req, rest, () => ref(schemasFor(env(sim, req)).run, b));
  if (api) return api;
  const [what] = rest;
  if (rest.length === 1 && what === '') return html(sim, `${fullDisplayName(b.job)} #${b.number}`, `<h1>Build #${b.number}</h1>`);
  if (what === 'consoleText' && rest.length === 1) return text(b.log.plain());
  if (what === 'console' && rest.length === 1) {
    return html(
      sim,
      `${fullDisplayName(b.job)} #${b.number} Console`,
      `<pre class="console-output">${progressiveHtml(b.log, 0, b.building).body}</pre>`,
    );
  }
  if (what === 'logText' && rest.length === 2) return logText(sim, req, b, rest[1]);
  if (what === 'artifact') return artifactRoute(sim, req, b, rest.slice(1));
  if ((what === 'stop' || what === 'term' || what === 'kill') && rest.length === 1) return stop(sim, req, b, what);
  if (what === 'input') return inputRoute(sim, req, b, rest.slice(1));
  if (what === 'wfapi') return wfapiRoute(sim, req, b, rest.slice(1));
  return notFound(sim);
}

/** logText/progressiveText|progressiveHtml?start=K (GET, or POST with `start` as a form field). */
function logText(sim: Sim, req: Req, b: Build, kind: string): Res {
  if (kind !== 'progressiveText' && kind !== 'progressiveHtml') return notFound(sim);
  const startText = param(req, 'start');
  if (startText !== null && !/^[0-9]+$/.test(startText))
    return oops(sim, `java.lang.NumberFormatException: For input string: "${startText}"`);
  const start = startText === null ? 0 : Number.parseInt(startText, 10);
  const chunk =
    kind === 'progressiveText'
      ? progressiveText(b.log, start, b.building, { notes: sim.opts.notesInProgressiveText })
      : progressiveHtml(b.log, start, b.building);
  const headers: Record<string, string> = { 'X-Text-Size': String(chunk.textSize) };
  if (chunk.more) headers['X-More-Data'] = 'true';
  if (kind === 'progressiveHtml') {
    headers['X-ConsoleAnnotator'] = Buffer.from(`annotator:${chunk.textSize}`).toString('base64');
    return text(chunk.body, 200, 'text/html;charset=UTF-8', headers);
  }
  return text(chunk.body, 200, 'text/plain;charset=UTF-8', headers);
}

/** stop → 302 (Referer or the run URL), also when already finished; term/kill are pipeline-only. */
function stop(sim: Sim, req: Req, b: Build, what: 'stop' | 'term' | 'kill'): Res {
  if (what !== 'stop' && b.job.kind !== 'pipeline') return notFound(sim);
  const denied = need(sim, req, 'Item/Cancel');
  if (denied) return denied;
  if (req.method !== 'POST') return requirePost(sim);
  requestStop(sim, b, what === 'stop' ? 1 : what === 'term' ? 2 : 3, req.principal);
  const referer = req.raw.headers.referer;
  return redirect(typeof referer === 'string' && referer ? referer : buildUrl(req.base, b));
}
