import { StageParamInvalid, StageParamMissing } from './stage.errors.js';
import type { StageParams } from './stage.types.js';

type Raw = Record<string, unknown>;

const MAX_TIMEOUT_SECONDS = 30 * 86_400;
const UNIT_SECONDS: Record<string, number> = { s: 1, sec: 1, m: 60, min: 60, h: 3600, d: 86_400 };

/** Query and body merged (body wins); values as trimmed strings, empty ones dropped. */
export function mergeRaw(query: unknown, body: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  for (const src of [query, body]) {
    if (!src || typeof src !== 'object' || Array.isArray(src)) continue;
    for (const [k, v] of Object.entries(src as Raw)) {
      const s = Array.isArray(v) ? v[v.length - 1] : v;
      if (s === null || s === undefined || typeof s === 'object') continue;
      const text = String(s).trim();
      if (text !== '') out[k] = text;
    }
  }
  return out;
}

const pick = (r: Record<string, string>, ...names: string[]): string | null => {
  for (const n of names) if (r[n] !== undefined) return r[n];
  return null;
};

function invalid(param: string, reason: string): never {
  throw new StageParamInvalid({ param, reason }, `Parameter ${param} is not valid: ${reason}.`);
}

function limited(param: string, v: string | null, max: number): string | null {
  if (v !== null && v.length > max) invalid(param, `longer than ${max} characters`);
  return v;
}

/** "90", "90s", "30m", "2h", "1d" → seconds. */
export function parseTimeout(v: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*(s|sec|m|min|h|d)?$/i.exec(v);
  if (!m) invalid('timeout', 'use seconds (600) or a duration like 30m or 2h');
  const seconds = Number(m[1]) * UNIT_SECONDS[(m[2] ?? 's').toLowerCase()];
  if (!(seconds >= 1) || seconds > MAX_TIMEOUT_SECONDS) invalid('timeout', `between 1 second and ${MAX_TIMEOUT_SECONDS / 86_400} days`);
  return Math.round(seconds);
}

export function parseBool(param: string, v: string | null): boolean {
  if (v === null) return false;
  if (/^(1|true|yes|on)$/i.test(v)) return true;
  if (/^(0|false|no|off)$/i.test(v)) return false;
  return invalid(param, 'use true or false');
}

/** Jenkins upper-cases the first letter of an input's id ("approve" → "Approve"), so we do too. */
export function jenkinsInputId(v: string): string {
  if (!/^[A-Za-z0-9\-._~!$()*+,:@= ]+$/.test(v) || v === '.' || v === '..') invalid('inputId', 'not a Jenkins input id');
  return /^[a-z]/.test(v) ? v[0].toUpperCase() + v.slice(1) : v;
}

/** project, env, job, build: what every call from a pipeline names. */
function parseRun(raw: Record<string, string>, extra: Array<[string, string | null]> = []) {
  const project = limited('project', pick(raw, 'project'), 512);
  const env = limited('env', pick(raw, 'env', 'environment'), 255);
  const job = limited('job', pick(raw, 'job', 'job_name'), 1024);
  const buildText = pick(raw, 'build', 'build_number');
  const required: Array<[string, string | null]> = [['project', project], ['env', env], ['job', job], ['build', buildText], ...extra];
  const missing = required.filter(([, v]) => v === null).map(([k]) => k);
  if (missing.length) throw new StageParamMissing({ missing }, `Missing parameters: ${missing.join(', ')}.`);
  const build = /^\d{1,9}$/.test(buildText!) ? Number(buildText) : NaN;
  if (!(build >= 0)) invalid('build', 'a build number like 7');
  if (job!.split('/').some((x) => x === '')) invalid('job', 'a Jenkins job full name like folder/job/branch');
  return { project: project!, env: env!, job: job!, build };
}

/** The seed's parameters (plus inputId, server, wait); throws 400 with a stable code. */
export function parseStageParams(raw: Record<string, string>): StageParams {
  const { project, env, job, build } = parseRun(raw);
  const inputId = pick(raw, 'inputId', 'input_id', 'input');
  const timeout = pick(raw, 'timeout');
  return {
    project,
    env,
    job,
    build,
    version: limited('version', pick(raw, 'version'), 255),
    desc: limited('desc', pick(raw, 'desc', 'description'), 4000),
    action: limited('action', pick(raw, 'action'), 255),
    timeoutSeconds: timeout === null ? null : parseTimeout(timeout),
    inputId: inputId === null ? null : jenkinsInputId(limited('inputId', inputId, 255)!),
    server: limited('server', pick(raw, 'server'), 200),
    wait: parseBool('wait', pick(raw, 'wait')),
  };
}

const RESULTS: Record<string, string> = {
  SUCCESS: 'SUCCESS',
  SUCCEEDED: 'SUCCESS',
  FAILURE: 'FAILURE',
  FAILED: 'FAILURE',
  UNSTABLE: 'UNSTABLE',
  ABORTED: 'ABORTED',
  NOT_BUILT: 'NOT_BUILT',
};
const DURATION_UNITS: Record<string, number> = {
  ms: 1,
  s: 1000,
  sec: 1000,
  secs: 1000,
  m: 60_000,
  min: 60_000,
  mins: 60_000,
  h: 3_600_000,
  hr: 3_600_000,
  hrs: 3_600_000,
};

/** Seconds ("95"), or with units ("1500ms", "2m", Jenkins' "1 min 20 sec"); null when not given. */
export function parseDuration(v: string | null): number | null {
  if (v === null) return null;
  if (/^\d+(\.\d+)?$/.test(v)) return Math.round(Number(v) * 1000);
  const parts = [...v.toLowerCase().matchAll(/(\d+(?:\.\d+)?)\s*(ms|secs?|s|mins?|m|hrs?|h)\b/g)];
  if (!parts.length) invalid('duration', 'seconds (95) or a duration like 1m 35s');
  return Math.round(parts.reduce((sum, m) => sum + Number(m[1]) * DURATION_UNITS[m[2]], 0));
}

export interface BuildResultParams {
  project: string;
  env: string;
  job: string;
  build: number;
  result: string;
  durationMs: number | null;
  url: string | null;
  approvalId: number | null;
  logTail: string | null;
}

/** The seed's callback body: {project, env, job, build, result, duration?, url?, approval_id?, log_tail?}. */
export function parseBuildResult(raw: Record<string, string>): BuildResultParams {
  const resultText = pick(raw, 'result', 'status');
  const { project, env, job, build } = parseRun(raw, [['result', resultText]]);
  const result = RESULTS[resultText!.toUpperCase()];
  if (!result) invalid('result', `one of ${[...new Set(Object.values(RESULTS))].join(', ')}`);
  const approval = pick(raw, 'approval_id', 'approvalId');
  if (approval !== null && !/^\d{1,9}$/.test(approval)) invalid('approval_id', 'an approval id like 12');
  const url = limited('url', pick(raw, 'url', 'build_url'), 2048);
  if (url !== null && !/^https?:\/\//i.test(url)) invalid('url', 'an http(s) URL');
  return {
    project,
    env,
    job,
    build,
    result,
    durationMs: raw.duration_ms !== undefined ? parseDuration(`${raw.duration_ms}ms`) : parseDuration(pick(raw, 'duration')),
    url,
    approvalId: approval === null ? null : Number(approval),
    logTail: limited('log_tail', pick(raw, 'log_tail', 'logTail'), 65_536),
  };
}
