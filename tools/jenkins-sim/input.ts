/**
 * Pipeline `input` steps (reference §10): a run pauses with a pending input; it is answered over
 * /input/<Id>/proceedEmpty|proceed|abort|submit or Stage View's wfapi/inputSubmit, and listed by
 * wfapi/pendingInputActions. Answered ids disappear (404).
 */
import { createHash } from 'node:crypto';
import type { Sim } from './context.js';
import type { Principal } from './auth.js';
import type { Build, InputOutcome, InputSpec, PendingInput } from './model.js';
import { hyperlink } from './console.js';
import { buildPath, buildUrl } from './jobs.js';
import { pipelineLine } from './script.js';
import { defaultValue, ParamError, PARAM_CLASSES, valuesFromJson } from './params.js';
import { type Req, type Res, empty, errorPage, html, notFound, param, redirect, requirePost } from './http.js';
import { escapeHtml } from './ansi-html.js';

/** The `id:` argument, or MD5 hex of the message; first character upper-cased when it is a–z. */
export function inputId(spec: Pick<InputSpec, 'id' | 'message'>): string {
  const raw = spec.id ?? createHash('md5').update(spec.message, 'utf8').digest('hex');
  return /^[a-z]/.test(raw) ? raw[0].toUpperCase() + raw.slice(1) : raw;
}

export function awaitInput(sim: Sim, b: Build, spec: InputSpec): Promise<InputOutcome> {
  const id = inputId(spec);
  const parameters = spec.parameters ?? [];
  const base = buildPath(sim.opts.prefix, b);
  b.hadInput = true;
  let text = pipelineLine('input') + `${spec.message}\n`;
  text += parameters.length
    ? `${hyperlink(`${base}input/`, 'Input requested')}\n`
    : `${hyperlink(`${base}input/${id}/proceedEmpty`, spec.ok ?? 'Proceed', true)} or ${hyperlink(`${base}input/${id}/abort`, 'Abort', true)}\n`;
  b.log.append(text);
  return new Promise((resolve) => {
    const pending: PendingInput = {
      id,
      message: spec.message,
      ok: spec.ok ?? 'Proceed',
      submitter: spec.submitter ?? null,
      parameters,
      resolve: (outcome) => {
        b.pendingInputs = b.pendingInputs.filter((p) => p !== pending);
        if (outcome.kind === 'proceed') b.log.append(`Approved by ${outcome.by}\n`);
        if (outcome.kind === 'abort') b.log.append(`Rejected by ${outcome.by}\n`);
        if (outcome.kind !== 'interrupted') {
          b.inputHistory.push({
            id,
            message: spec.message,
            outcome: outcome.kind === 'proceed' ? 'proceeded' : 'aborted',
            by: outcome.by,
            values: outcome.kind === 'proceed' ? outcome.values : {},
          });
        }
        resolve(outcome);
      },
    };
    b.pendingInputs.push(pending);
  });
}

function inSubmitterList(sim: Sim, who: Principal, submitter: string): boolean {
  if (!who.user) return false;
  const names = submitter.split(',').map((s) => s.trim().toLowerCase());
  return names.includes(who.user.id.toLowerCase()) || who.user.groups.some((g) => names.includes(g.toLowerCase()));
}

function canSubmit(sim: Sim, who: Principal, p: PendingInput): string | null {
  if (p.submitter)
    return sim.users.isAdmin(who) || inSubmitterList(sim, who, p.submitter) ? null : `You need to be ${p.submitter} to submit this.`;
  return sim.users.has(who, 'Item/Build') ? null : 'You need to have Job/Build permissions to submit this.';
}

function canCancel(sim: Sim, who: Principal, p: PendingInput): string | null {
  if (sim.users.has(who, 'Item/Cancel') || sim.users.isAdmin(who)) return null;
  if (p.submitter && inSubmitterList(sim, who, p.submitter)) return null;
  return p.submitter
    ? `You need to be '${p.submitter}' (or have Job/Cancel permissions) to cancel this.`
    : 'You need to have Job/Cancel permissions to cancel this.';
}

const byName = (who: Principal): string => who.user?.fullName ?? 'anonymous';

function proceed(sim: Sim, req: Req, p: PendingInput, requireJson: boolean): Res | null {
  const denied = canSubmit(sim, req.principal, p);
  if (denied) return errorPage(sim, 400, denied, { xError: true });
  const json = param(req, 'json');
  if (requireJson && json === null) return errorPage(sim, 400, 'Nothing is submitted', { xError: true });
  let values: Record<string, string | boolean> = {};
  if (json !== null && p.parameters.length) {
    try {
      values = Object.fromEntries(valuesFromJson(p.parameters, json).map((v) => [v.name, v.value]));
    } catch (e) {
      const err = e as ParamError;
      return errorPage(sim, err.status, err.message, { xError: err.status === 400 });
    }
  }
  p.resolve({ kind: 'proceed', by: byName(req.principal), values });
  return null;
}

function abort(sim: Sim, req: Req, p: PendingInput): Res | null {
  const denied = canCancel(sim, req.principal, p);
  if (denied) return errorPage(sim, 400, denied, { xError: true });
  p.resolve({ kind: 'abort', by: byName(req.principal) });
  return null;
}

/** /job/…/N/input/… */
export function inputRoute(sim: Sim, req: Req, b: Build, rest: string[]): Res {
  if (!b.hadInput) return notFound(sim);
  if (rest.length === 0 || (rest.length === 1 && rest[0] === '')) return inputPage(sim, b);
  const [id, action] = rest;
  const p = b.pendingInputs.find((x) => x.id === id);
  if (!p || !action) return notFound(sim);
  if (!['proceedEmpty', 'proceed', 'abort', 'submit'].includes(action)) return notFound(sim);
  if (req.method !== 'POST') return requirePost(sim);
  if (action === 'proceedEmpty') return proceedEmpty(sim, req, p);
  if (action === 'proceed') return proceed(sim, req, p, true) ?? empty(200);
  if (action === 'abort') return abort(sim, req, p) ?? empty(200);
  const answered = param(req, 'proceed') !== null ? proceed(sim, req, p, false) : abort(sim, req, p);
  return answered ?? redirect(`${buildUrl(req.base, b)}console`);
}

function proceedEmpty(sim: Sim, req: Req, p: PendingInput): Res {
  const denied = canSubmit(sim, req.principal, p);
  if (denied) return errorPage(sim, 400, denied, { xError: true });
  p.resolve({ kind: 'proceed', by: byName(req.principal), values: {} });
  return empty(200);
}

function inputPage(sim: Sim, b: Build): Res {
  const forms = b.pendingInputs.map(
    (p) =>
      `<form method="post" action="${escapeHtml(p.id)}/submit"><p>${escapeHtml(p.message)}</p><button name="proceed">${escapeHtml(p.ok)}</button><button name="abort">Abort</button></form>`,
  );
  return html(sim, 'Input requested', forms.join('') || '<p>No pending input.</p>');
}

// ---------------------------------------------------------------- Stage View (wfapi)

function pendingJson(sim: Sim, b: Build, p: PendingInput): Record<string, unknown> {
  const base = buildPath(sim.opts.prefix, b);
  return {
    id: p.id,
    proceedText: p.ok,
    message: p.message,
    inputs: p.parameters.map((d) => {
      // InputParameterDefExt: defaultVal for String/Boolean/Password/Choice only, choices for Choice.
      const definition: Record<string, unknown> = d.type === 'text' ? {} : { defaultVal: defaultValue(d) };
      if (d.type === 'choice') definition.choices = d.choices ?? [];
      const out: Record<string, unknown> = { type: PARAM_CLASSES[d.type].simple, name: d.name };
      if (d.description !== null && d.description !== undefined) out.description = d.description;
      out.definition = definition;
      return out;
    }),
    proceedUrl: `${base}wfapi/inputSubmit?inputId=${encodeURIComponent(p.id)}`,
    abortUrl: `${base}input/${p.id}/abort`,
    redirectApprovalUrl: `${base}input/`,
  };
}

const WFAPI_JSON = { 'Content-Type': 'application/json; charset=UTF-8' };

function wfapiStatus(b: Build): string {
  if (b.building) return b.pendingInputs.length ? 'PAUSED_PENDING_INPUT' : 'IN_PROGRESS';
  return { SUCCESS: 'SUCCESS', UNSTABLE: 'UNSTABLE', FAILURE: 'FAILED', ABORTED: 'ABORTED', NOT_BUILT: 'NOT_EXECUTED' }[
    b.result ?? 'NOT_BUILT'
  ];
}

/** /job/…/N/wfapi/… (pipeline runs only). */
export function wfapiRoute(sim: Sim, req: Req, b: Build, rest: string[]): Res {
  if (b.job.kind !== 'pipeline') return notFound(sim);
  const what = rest[0] ?? '';
  if (what === 'pendingInputActions')
    return { status: 200, headers: WFAPI_JSON, body: JSON.stringify(b.pendingInputs.map((p) => pendingJson(sim, b, p))) };
  if (what === 'nextPendingInputAction') {
    const p = b.pendingInputs[0];
    return { status: 200, headers: WFAPI_JSON, body: JSON.stringify(p ? pendingJson(sim, b, p) : null) };
  }
  if (what === 'describe') {
    const end = b.building ? 0 : b.timestamp + b.duration;
    const body = {
      id: String(b.number),
      name: `#${b.number}`,
      status: wfapiStatus(b),
      startTimeMillis: b.timestamp,
      endTimeMillis: end,
      durationMillis: b.building ? sim.clock.now() - b.timestamp : b.duration,
      queueDurationMillis: 0,
      pauseDurationMillis: 0,
      stages: [],
    };
    return { status: 200, headers: WFAPI_JSON, body: JSON.stringify(body) };
  }
  if (what === 'inputSubmit') {
    if (req.method !== 'POST') return requirePost(sim);
    const p = b.pendingInputs.find((x) => x.id === req.query.get('inputId'));
    if (!p) return errorPage(sim, 500, `No input with id ${req.query.get('inputId')}`); // body [unconfirmed]
    return proceed(sim, req, p, true) ?? empty(200);
  }
  return notFound(sim);
}
