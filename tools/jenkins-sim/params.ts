/**
 * Parameter definitions and values (reference §§5, 6): defaults, reading values from
 * buildWithParameters requests and from the `json` form field, and the queue's `params` text.
 */
import type { ParamDef, ParamValue } from './model.js';

export class ParamError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export function defaultValue(def: ParamDef): string | boolean {
  switch (def.type) {
    case 'boolean':
      return typeof def.default === 'boolean' ? def.default : String(def.default ?? '').toLowerCase() === 'true';
    case 'choice':
      return def.choices?.[0] ?? '';
    default:
      return String(def.default ?? '');
  }
}

/** Converts a submitted value the way the *ParameterDefinition.createValue methods do. */
export function coerce(def: ParamDef, raw: unknown): string | boolean {
  if (def.type === 'boolean') return typeof raw === 'boolean' ? raw : String(raw).toLowerCase() === 'true';
  const s = String(raw ?? '');
  if (def.type === 'choice' && !(def.choices ?? []).includes(s)) {
    // IllegalArgumentException → error page; the exact status is [unconfirmed], 500 is the servlet default.
    throw new ParamError(500, `Illegal choice for parameter ${def.name}: ${s}`);
  }
  return s;
}

/** buildWithParameters: each defined parameter from the request, else its default; unknown names ignored. */
export function valuesFromRequest(defs: ParamDef[], getAll: (name: string) => string[]): ParamValue[] {
  return defs.map((def) => {
    const sent = getAll(def.name);
    if (sent.length > 1) throw new ParamError(400, `Duplicate value for parameter ${def.name}`); // [unconfirmed] status
    const value = sent.length ? coerce(def, sent[0]) : defaultValue(def);
    return { type: def.type, name: def.name, value };
  });
}

/** The `json` form field of /build and input proceed: {"parameter":[{"name","value"}]} (or a single object). */
export function valuesFromJson(defs: ParamDef[], json: string): ParamValue[] {
  let parsed: any;
  try {
    parsed = JSON.parse(json);
  } catch {
    throw new ParamError(400, 'Malformed json form field');
  }
  const list = Array.isArray(parsed?.parameter) ? parsed.parameter : parsed?.parameter ? [parsed.parameter] : [];
  const given = new Map<string, unknown>();
  for (const p of list) if (p && typeof p.name === 'string') given.set(p.name, p.value);
  return defs.map((def) => ({
    type: def.type,
    name: def.name,
    value: given.has(def.name) ? coerce(def, given.get(def.name)) : defaultValue(def),
  }));
}

/** Queue.Item.getParams: "\nNAME=value" per parameter, passwords masked. */
export function paramsText(values: ParamValue[] | null): string {
  if (!values) return '';
  return values.map((v) => `\n${v.name}=${v.type === 'password' ? '****' : String(v.value)}`).join('');
}

export function sameValues(a: ParamValue[] | null, b: ParamValue[] | null): boolean {
  if (!a || !b) return a === b || (!a?.length && !b?.length);
  return a.length === b.length && a.every((v, i) => v.name === b[i].name && v.value === b[i].value);
}

export const asRecord = (values: ParamValue[] | null): Record<string, string | boolean> =>
  Object.fromEntries((values ?? []).map((v) => [v.name, v.value]));

export const PARAM_CLASSES: Record<ParamDef['type'], { def: string; value: string; simple: string }> = {
  string: {
    def: 'hudson.model.StringParameterDefinition',
    value: 'hudson.model.StringParameterValue',
    simple: 'StringParameterDefinition',
  },
  text: { def: 'hudson.model.TextParameterDefinition', value: 'hudson.model.TextParameterValue', simple: 'TextParameterDefinition' },
  boolean: {
    def: 'hudson.model.BooleanParameterDefinition',
    value: 'hudson.model.BooleanParameterValue',
    simple: 'BooleanParameterDefinition',
  },
  choice: {
    def: 'hudson.model.ChoiceParameterDefinition',
    value: 'hudson.model.StringParameterValue',
    simple: 'ChoiceParameterDefinition',
  },
  password: {
    def: 'hudson.model.PasswordParameterDefinition',
    value: 'hudson.model.PasswordParameterValue',
    simple: 'PasswordParameterDefinition',
  },
};
