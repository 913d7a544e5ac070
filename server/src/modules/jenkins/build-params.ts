import type { ParamDef } from './client/index.js';
import { InvalidParameter } from './jenkins.errors.js';

export const MASK = '••••••';

export interface ParamView {
  name: string;
  type: ParamDef['type'];
  default: string | boolean | null;
  hasDefault: boolean;
  description: string | null;
  choices?: string[];
}

/** What the form needs; a password's default never leaves Gatehouse. */
export function toParamView(p: ParamDef): ParamView {
  const secret = p.type === 'password';
  return {
    name: p.name,
    type: p.type,
    default: secret ? null : p.default,
    hasDefault: p.default !== null && p.default !== '',
    description: p.description,
    ...(p.choices ? { choices: p.choices } : {}),
  };
}

/**
 * Check submitted values against the job's definitions before anything reaches Jenkins: unknown
 * names, wrong types and choices outside the list are refused with every problem listed.
 */
export function validateParams(defs: ParamDef[], given: Record<string, unknown>): Record<string, string | boolean> {
  const byName = new Map(defs.map((d) => [d.name, d]));
  const problems: { name: string; message: string }[] = [];
  const out: Record<string, string | boolean> = {};
  for (const [name, raw] of Object.entries(given)) {
    const def = byName.get(name);
    if (!def) {
      problems.push({ name, message: defs.length ? 'this job has no such parameter' : 'this job takes no parameters' });
      continue;
    }
    if (def.type === 'boolean') {
      if (typeof raw === 'boolean') out[name] = raw;
      else if (raw === 'true' || raw === 'false') out[name] = raw === 'true';
      else problems.push({ name, message: 'expected true or false' });
      continue;
    }
    if (typeof raw !== 'string' && typeof raw !== 'number') {
      problems.push({ name, message: 'expected text' });
      continue;
    }
    const value = String(raw);
    if (def.type === 'choice' && def.choices && !def.choices.includes(value)) {
      problems.push({ name, message: `must be one of: ${def.choices.join(', ')}` });
      continue;
    }
    if (def.type !== 'text' && value.length > 10_000) {
      problems.push({ name, message: 'longer than 10000 characters' });
      continue;
    }
    out[name] = value;
  }
  if (problems.length)
    throw new InvalidParameter(problems, `Build parameters are not valid: ${problems.map((p) => `${p.name}: ${p.message}`).join('; ')}.`);
  return out;
}

/** Parameters as recorded (audit, build history): passwords masked. */
export function maskParams(defs: ParamDef[], values: Record<string, unknown>): Record<string, unknown> {
  const secret = new Set(defs.filter((d) => d.type === 'password').map((d) => d.name));
  return Object.fromEntries(Object.entries(values).map(([k, v]) => [k, secret.has(k) ? MASK : v]));
}
