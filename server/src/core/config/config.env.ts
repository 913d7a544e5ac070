import type { TSchema } from '@sinclair/typebox';
import { ConfigSchema, ENV_MAP } from './config.schema.js';

export type Json = Record<string, unknown>;

/** What the environment contributes: values by path, which variable set each path, and names that match nothing. */
export interface EnvOverlay {
  values: Json;
  sources: Map<string, string>;
  problems: string[];
}

const PREFIX = 'GATEHOUSE__';

function props(schema: TSchema | undefined): Record<string, TSchema> | undefined {
  return (schema as { properties?: Record<string, TSchema> } | undefined)?.properties;
}

/** The schema of a dotted config path, or undefined when the path names no setting. */
export function schemaAt(path: string): TSchema | undefined {
  let node: TSchema | undefined = ConfigSchema;
  for (const key of path.split('.')) node = props(node)?.[key];
  return node;
}

const squash = (s: string) => s.replace(/_/g, '').toLowerCase();

/**
 * `GATEHOUSE__SECTION__KEY` → `section.key`. Double underscores separate levels; each segment is
 * matched to a setting case-insensitively with single underscores ignored, so
 * GATEHOUSE__SECURITY__LOCKOUT_MINUTES, GATEHOUSE__SECURITY__LOCKOUTMINUTES and
 * GATEHOUSE__security__lockoutMinutes all name `security.lockoutMinutes`. Null when nothing matches.
 */
export function envPath(name: string): string | null {
  if (!name.startsWith(PREFIX)) return null;
  const out: string[] = [];
  let node: TSchema | undefined = ConfigSchema;
  for (const seg of name.slice(PREFIX.length).split('__')) {
    const keys: string[] = Object.keys(props(node) ?? {});
    const key = keys.find((k) => squash(k) === squash(seg));
    if (!key) return null;
    out.push(key);
    node = props(node)![key];
  }
  return out.length ? out.join('.') : null;
}

/**
 * Environment values are strings; convert them to what the setting expects (a port stays a number,
 * a numeric SMTP password stays a string). A value that cannot be converted is left as it is, so
 * validation names it.
 */
export function coerceEnv(raw: string, schema: TSchema | undefined): unknown {
  const type = (schema as { type?: string } | undefined)?.type;
  if ((type === 'integer' || type === 'number') && /^-?\d+(\.\d+)?$/.test(raw.trim())) return Number(raw.trim());
  if (type === 'array') {
    // A list: a JSON array (`["-100","-200"]`) or comma-separated values (`-100,-200`).
    const v = raw.trim();
    if (v.startsWith('[')) {
      try {
        return JSON.parse(v) as unknown;
      } catch {
        return raw;
      }
    }
    return v === '' ? [] : v.split(',').map((x) => x.trim());
  }
  if (type === 'boolean') {
    const v = raw.trim().toLowerCase();
    if (['true', '1', 'yes', 'on'].includes(v)) return true;
    if (['false', '0', 'no', 'off'].includes(v)) return false;
  }
  return raw;
}

function setPath(target: Json, path: string, value: unknown): void {
  const keys = path.split('.');
  let node = target;
  for (const k of keys.slice(0, -1)) {
    if (typeof node[k] !== 'object' || node[k] === null) node[k] = {};
    node = node[k] as Json;
  }
  node[keys[keys.length - 1]] = value;
}

/** Read the named variables of ENV_MAP, then every `GATEHOUSE__…` variable (which win). */
export function readEnv(env: NodeJS.ProcessEnv): EnvOverlay {
  const overlay: EnvOverlay = { values: {}, sources: new Map(), problems: [] };
  const put = (name: string, path: string, raw: string) => {
    setPath(overlay.values, path, coerceEnv(raw, schemaAt(path)));
    overlay.sources.set(path, name);
  };
  for (const [name, path] of Object.entries(ENV_MAP)) {
    const v = env[name];
    if (v !== undefined && v !== '') put(name, path, v);
  }
  for (const name of Object.keys(env).sort()) {
    const v = env[name];
    if (!name.startsWith(PREFIX) || v === undefined) continue;
    const path = envPath(name);
    if (!path) overlay.problems.push(`${name}: no such setting (GATEHOUSE__SECTION__KEY, e.g. GATEHOUSE__SECURITY__LOCKOUT_MINUTES)`);
    else if (props(schemaAt(path))) overlay.problems.push(`${name}: ${path} is a section; set one of its keys`);
    else put(name, path, v);
  }
  return overlay;
}

/** Kept for callers of the first version: just the values. */
export function envOverlay(env: NodeJS.ProcessEnv): Json {
  return readEnv(env).values;
}

/** Keys in `raw` that the schema does not know, as dotted paths, with a hint for a near miss. */
export function unknownKeys(raw: Json, schema: TSchema = ConfigSchema, prefix = ''): string[] {
  const known = props(schema) ?? {};
  const out: string[] = [];
  for (const [k, v] of Object.entries(raw)) {
    const path = prefix + k;
    const sub = known[k];
    if (!sub) {
      const near = Object.keys(known).find((x) => squash(x) === squash(k));
      out.push(`${path}: unknown setting${near ? ` (did you mean ${prefix}${near}?)` : ''}`);
    } else if (props(sub) && v && typeof v === 'object' && !Array.isArray(v)) {
      out.push(...unknownKeys(v as Json, sub, `${path}.`));
    }
  }
  return out;
}
