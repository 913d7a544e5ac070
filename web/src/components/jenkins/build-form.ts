import type { ParamItem } from './jenkins-api';

/** The form's first values: each parameter's default (a password starts empty: its default stays on the server). */
export function initialValues(params: ParamItem[]): Record<string, string | boolean> {
  const out: Record<string, string | boolean> = {};
  for (const p of params) {
    if (p.type === 'boolean') out[p.name] = p.default === true || p.default === 'true';
    else if (p.type === 'password') out[p.name] = '';
    else if (p.type === 'choice') out[p.name] = typeof p.default === 'string' && p.default ? p.default : (p.choices?.[0] ?? '');
    else out[p.name] = p.default === null || p.default === undefined ? '' : String(p.default);
  }
  return out;
}

/** What is sent: every parameter we can set, except an untouched password (Jenkins then uses its default). */
export function payloadOf(params: ParamItem[], values: Record<string, string | boolean>): Record<string, string | boolean> {
  const out: Record<string, string | boolean> = {};
  for (const p of params) {
    if (p.type === 'other') continue;
    const v = values[p.name];
    if (p.type === 'password' && !v) continue;
    if (v !== undefined) out[p.name] = v;
  }
  return out;
}

/** INVALID_PARAMETER details ([{name, message}]) → an error per field. */
export function fieldErrors(details: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  const list = Array.isArray(details)
    ? details
    : Array.isArray((details as { problems?: unknown })?.problems)
      ? (details as { problems: unknown[] }).problems
      : [];
  for (const d of list as Array<{ name?: unknown; message?: unknown }>)
    if (typeof d?.name === 'string') out[d.name] = String(d.message ?? '');
  return out;
}
