import { readFileSync, existsSync, watch, type FSWatcher } from 'node:fs';
import { basename, dirname, resolve, join } from 'node:path';
import { Value } from '@sinclair/typebox/value';
import { validateCron } from '../jobs/cron-scheduler.js';
import { readEnv, schemaAt, unknownKeys, type Json } from './config.env.js';
import { ConfigSchema, RESTART_KEYS, type Config } from './config.schema.js';

export { envOverlay, envPath } from './config.env.js';

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Gatehouse configuration is invalid:\n  - ${problems.join('\n  - ')}`);
    this.name = 'ConfigError';
  }
}

function deepMerge(a: Json, b: Json): Json {
  const out: Json = { ...a };
  for (const [k, v] of Object.entries(b)) {
    const cur = out[k];
    out[k] =
      v && typeof v === 'object' && !Array.isArray(v) && cur && typeof cur === 'object' && !Array.isArray(cur)
        ? deepMerge(cur as Json, v as Json)
        : v;
  }
  return out;
}

function deepFreeze<T>(o: T): T {
  if (o && typeof o === 'object') {
    for (const v of Object.values(o)) deepFreeze(v);
    Object.freeze(o);
  }
  return o;
}

/** "Expected union value" says nothing; list the allowed values instead. */
function describeError(path: string, message: string): string {
  const any = (schemaAt(path) as { anyOf?: Array<{ const?: unknown }> } | undefined)?.anyOf;
  if (any?.every((s) => s.const !== undefined)) return `Expected one of: ${any.map((s) => String(s.const)).join(', ')}`;
  return message;
}

function validTimeZone(tz: string): boolean {
  if (tz === 'UTC') return true; // without loading ICU's time-zone data (see cron-scheduler.ts)
  try {
    new Intl.DateTimeFormat('en', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

/**
 * Rules a JSON schema cannot say: schedules parse, time zones exist, URLs and keys have the right
 * shape. A path that already failed the schema (`bad`) is not checked again.
 */
function semanticProblems(c: Config, bad: Set<string>): string[] {
  const out: string[] = [];
  const ok = (...paths: string[]) => paths.every((p) => !bad.has(p) && !bad.has(p.split('.')[0]));
  const zoneOk = (path: string, tz: string) => ok(path) && validTimeZone(tz);
  for (const [path, tz] of [
    ['timezone', c.timezone],
    ['backup.timezone', c.backup?.timezone],
  ] as const) {
    if (ok(path) && !validTimeZone(tz))
      out.push(`${path}: unknown time zone (got ${JSON.stringify(tz)}); use an IANA name such as Asia/Shanghai`);
  }
  const schedules = [
    ['backup.cron', c.backup?.cron, 'backup.timezone', c.backup?.timezone],
    ['retention.cron', c.retention?.cron, 'timezone', c.timezone],
  ] as const;
  for (const [path, cron, tzPath, tz] of schedules) {
    if (!ok(path) || !zoneOk(tzPath, tz)) continue;
    try {
      validateCron(cron, tz);
    } catch (e) {
      out.push(`${path}: ${(e as Error).message}`);
    }
  }
  if (ok('databaseUrl') && c.databaseUrl && !/^postgres(ql)?:\/\//.test(c.databaseUrl)) {
    out.push('databaseUrl: must start with postgres:// (leave it empty for the embedded SQLite database)');
  }
  if (ok('secretKey') && c.secretKey && Buffer.from(c.secretKey, 'base64').length !== 32) {
    out.push('secretKey: must be base64 of exactly 32 bytes (openssl rand -base64 32)');
  }
  return out;
}

/**
 * Validate a merged raw object. Every problem is listed, not just the first; `sources` names the
 * environment variable behind a value so the message points at the right place.
 */
export function parseConfig(raw: Json, sources: Map<string, string> = new Map(), earlier: string[] = []): Config {
  const problems = [...earlier, ...unknownKeys(raw)];
  const withDefaults = Value.Default(
    ConfigSchema,
    Value.Clone({
      security: {},
      backup: {},
      retention: {},
      smtp: {},
      jenkins: {},
      runs: {},
      approvals: {},
      telegram: {},
      notify: {},
      ...raw,
    }),
  ) as Config;
  const seen = new Set<string>();
  for (const e of Value.Errors(ConfigSchema, withDefaults)) {
    const path = e.path.replace(/^\//, '').replace(/\//g, '.') || '(root)';
    if (seen.has(path)) continue;
    seen.add(path);
    const from = sources.has(path) ? ` (from ${sources.get(path)})` : '';
    problems.push(`${path}${from}: ${describeError(path, e.message)}${e.value !== undefined ? ` (got ${JSON.stringify(e.value)})` : ''}`);
  }
  problems.push(...semanticProblems(withDefaults, seen));
  if (problems.length) throw new ConfigError(problems);
  return deepFreeze(withDefaults);
}

export function configFilePath(env: NodeJS.ProcessEnv): string {
  if (env.GATEHOUSE_CONFIG) return resolve(env.GATEHOUSE_CONFIG);
  return resolve(join(env.GATEHOUSE_DATA_DIR || './data', 'gatehouse.json'));
}

/** The file's settings; a missing default file is fine, a missing GATEHOUSE_CONFIG file is not. */
function readFileJson(path: string, explicit: boolean): { values: Json; problems: string[] } {
  if (!existsSync(path)) return { values: {}, problems: explicit ? [`${path}: GATEHOUSE_CONFIG names a file that does not exist`] : [] };
  try {
    const parsed: unknown = JSON.parse(readFileSync(path, 'utf8'));
    if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw new Error('the top level must be an object');
    return { values: parsed as Json, problems: [] };
  } catch (e) {
    return { values: {}, problems: [`${path}: ${(e as Error).message}`] };
  }
}

/** File, then environment, then `overrides` (tests): merged, validated, frozen. Throws ConfigError listing every problem. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env, overrides: Json = {}): Config {
  const file = readFileJson(configFilePath(env), Boolean(env.GATEHOUSE_CONFIG));
  const fromEnv = readEnv(env);
  return parseConfig(deepMerge(deepMerge(file.values, fromEnv.values), overrides), fromEnv.sources, [
    ...file.problems,
    ...fromEnv.problems,
  ]);
}

export interface ReloadResult {
  applied: boolean;
  /** Why the new file was refused (the last good config stays in force). */
  problems?: string[];
  /** Settings that changed in the file but only take effect after a restart. */
  needsRestart?: string[];
}

/**
 * Holds the current frozen config. Watching the file applies the safe parts of a change; a new
 * file that does not validate is reported and the last good config stays in force.
 */
export class ConfigStore {
  private current: Config;
  private listeners: Array<(next: Config, prev: Config) => void> = [];
  private watcher?: FSWatcher;
  private timer?: NodeJS.Timeout;

  constructor(
    initial: Config,
    private readonly env: NodeJS.ProcessEnv = process.env,
    private readonly overrides: Json = {},
  ) {
    this.current = initial;
  }

  get(): Config {
    return this.current;
  }

  onChange(fn: (next: Config, prev: Config) => void): void {
    this.listeners.push(fn);
  }

  /** Re-read the file; returns what happened so callers (and tests) can report it. */
  reload(): ReloadResult {
    let next: Config;
    try {
      next = loadConfig(this.env, this.overrides);
    } catch (e) {
      return { applied: false, problems: e instanceof ConfigError ? e.problems : [(e as Error).message] };
    }
    const prev = this.current;
    const needsRestart = RESTART_KEYS.filter((k) => JSON.stringify(next[k]) !== JSON.stringify(prev[k]));
    // Keep the restart-only values as they are: the running process is bound to them.
    const merged = { ...next } as Record<string, unknown>;
    for (const k of RESTART_KEYS) merged[k] = prev[k];
    this.current = deepFreeze(merged as Config);
    for (const fn of this.listeners) {
      try {
        fn(this.current, prev);
      } catch {
        // A listener's bug must not undo a good reload or stop the other listeners.
      }
    }
    return { applied: true, needsRestart };
  }

  /**
   * Watch the config file's directory (editors save by renaming a new file over the old one, which
   * a watch on the file itself would miss) and reload when the file settles.
   */
  watch(onResult: (r: ReloadResult) => void, settleMs = 200): void {
    const file = configFilePath(this.env);
    const dir = dirname(file);
    if (this.watcher || !existsSync(dir)) return;
    this.watcher = watch(dir, (_event, name) => {
      if (name && name.toString() !== basename(file)) return;
      clearTimeout(this.timer);
      this.timer = setTimeout(() => onResult(this.reload()), settleMs);
    });
    this.watcher.on('error', () => this.close());
  }

  close(): void {
    clearTimeout(this.timer);
    this.watcher?.close();
    this.watcher = undefined;
  }
}
