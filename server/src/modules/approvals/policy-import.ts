import type { AppContext } from '../../core/context.js';
import { isAppError } from '../../core/http/errors.js';
import { ImportInvalid } from './approvals.errors.js';
import type { ApproverSpec, LevelMode, PolicyInput, PolicyLevel } from './approvals.types.js';
import * as repo from './policies.repo.js';
import type { Actor, PoliciesService } from './policies.service.js';

/**
 * Import of the approval bot's config files (seed 003):
 *  users.json — simple `{"alice": "ops-lead"}` or detailed
 *               `{"alice": {"role": "ops-lead", "projects": ["payments"], "email": "…"}}`
 *               (also wrapped as `{"users": {…}}` or `{"users": [{"username": "alice", …}]}`);
 *               users whose role is admin/管理员 approve everywhere ("权限继承").
 *  app.json  — project mappings under `projects` / `project_mappings` / `project_mapping`:
 *               `{"payments": {"aliases": ["pay"], "fuzzy": true, "approvers": ["alice"],
 *               "mode": "any", "environments": {"prod": {"approvers": ["bob"], "mode": "all"}}}}`
 *               and a default (`default` mapping, top-level `default` or `default_approvers`).
 * Each mapping becomes a policy named `import:<project>[:<env>]` (updated when it exists). A
 * project's approvers are the mapping's plus the users.json users listing that project (or one of
 * its aliases) plus the admins; users without projects approve under the default policy.
 */
export interface ImportBody {
  users?: Record<string, unknown>;
  app?: Record<string, unknown>;
  environment?: string;
  timeoutMinutes?: number;
  dryRun?: boolean;
}

export interface ImportItem {
  kind: 'user' | 'policy';
  name: string;
  status: 'ok' | 'created' | 'updated' | 'would-create' | 'would-update' | 'skipped' | 'error';
  id?: number;
  message: string;
}

interface SeedUser {
  username: string;
  role: string;
  projects: string[];
}

interface Mapping {
  name: string;
  aliases: string[];
  fuzzy: boolean;
  approvers: ApproverSpec;
  mode: LevelMode;
  environments: Array<{ env: string; approvers: ApproverSpec; mode: LevelMode }>;
}

const ADMIN_ROLES = /^(admin|administrator|super-admin|管理员|超级管理员)$/i;
const strings = (v: unknown): string[] =>
  Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string' && x.trim() !== '').map((x) => x.trim()) : [];
const obj = (v: unknown): Record<string, unknown> | null =>
  v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : null;

function parseUsers(raw: Record<string, unknown> | undefined): SeedUser[] {
  if (!raw) return [];
  const inner = raw.users;
  if (Array.isArray(inner)) {
    return inner.flatMap((u) => {
      const o = obj(u);
      const name = typeof o?.username === 'string' ? o.username : typeof o?.name === 'string' ? o.name : null;
      return o && name ? [{ username: name, role: String(o.role ?? ''), projects: strings(o.projects) }] : [];
    });
  }
  const map = obj(inner) ?? raw;
  return Object.entries(map).flatMap(([username, v]) => {
    if (typeof v === 'string') return [{ username, role: v, projects: [] }];
    const o = obj(v);
    return o ? [{ username, role: String(o.role ?? ''), projects: strings(o.projects) }] : [];
  });
}

function approverSpec(v: unknown): ApproverSpec {
  if (Array.isArray(v)) return { users: strings(v) };
  const o = obj(v);
  return o ? { users: strings(o.users), groups: strings(o.groups), roles: strings(o.roles) } : {};
}

function modeOf(v: unknown): LevelMode {
  if (v === 'all') return 'all';
  const q = obj(v)?.quorum ?? (typeof v === 'number' ? v : undefined);
  return typeof q === 'number' && Number.isInteger(q) && q >= 1 ? { quorum: q } : 'any';
}

function parseMapping(name: string, v: unknown): Mapping {
  const o = obj(v) ?? {};
  const envs = obj(o.environments) ?? {};
  return {
    name,
    aliases: strings(o.aliases ?? o.alias),
    fuzzy: o.fuzzy === true || o.fuzzy_match === true || o.fuzzyMatch === true,
    approvers: approverSpec(o.approvers ?? { users: o.users, groups: o.groups, roles: o.roles }),
    mode: modeOf(o.mode),
    environments: Object.entries(envs).map(([env, e]) => ({
      env,
      approvers: approverSpec(obj(e)?.approvers ?? e),
      mode: modeOf(obj(e)?.mode ?? o.mode),
    })),
  };
}

function parseApp(raw: Record<string, unknown> | undefined): { mappings: Mapping[]; fallback: Mapping | null } {
  if (!raw) return { mappings: [], fallback: null };
  const src = raw.projects ?? raw.project_mappings ?? raw.project_mapping ?? raw.mappings;
  let entries: Array<[string, unknown]> = [];
  if (Array.isArray(src))
    entries = src.flatMap((m) => (typeof obj(m)?.name === 'string' ? [[obj(m)!.name as string, m] as [string, unknown]] : []));
  else if (obj(src)) entries = Object.entries(obj(src)!);
  const mappings = entries.filter(([n]) => n !== 'default').map(([n, v]) => parseMapping(n, v));
  const def =
    entries.find(([n]) => n === 'default')?.[1] ??
    raw.default ??
    (raw.default_approvers ? { approvers: raw.default_approvers } : undefined);
  return { mappings, fallback: def === undefined ? null : parseMapping('default', Array.isArray(def) ? { approvers: def } : def) };
}

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');

/** Exact name; aliases → /^(name|alias)$/; fuzzy → case-insensitive "contains any of them". */
function projectPattern(m: Mapping): string {
  if (m.name === 'default') return '*';
  const names = [m.name, ...m.aliases].map(escape).join('|');
  if (m.fuzzy) return `/(${names})/i`;
  return m.aliases.length ? `/^(${names})$/` : m.name;
}

const merge = (...specs: ApproverSpec[]): ApproverSpec => ({
  users: [...new Set(specs.flatMap((s) => s.users ?? []))],
  groups: [...new Set(specs.flatMap((s) => s.groups ?? []))],
  roles: [...new Set(specs.flatMap((s) => s.roles ?? []))],
});

function plan(body: ImportBody, users: SeedUser[], known: Set<string>): PolicyInput[] {
  const { mappings, fallback } = parseApp(body.app);
  const ok = users.filter((u) => known.has(u.username));
  const admins: ApproverSpec = { users: ok.filter((u) => ADMIN_ROLES.test(u.role)).map((u) => u.username) };
  const keep = (s: ApproverSpec): ApproverSpec => ({ ...s, users: (s.users ?? []).filter((u) => known.has(u)) });
  const forProject = (m: Mapping): ApproverSpec => ({
    users: ok.filter((u) => u.projects.some((p) => p === m.name || m.aliases.includes(p))).map((u) => u.username),
  });
  // Projects named only in users.json get a mapping of their own.
  for (const p of new Set(ok.flatMap((u) => u.projects))) {
    if (!mappings.some((m) => m.name === p || m.aliases.includes(p))) mappings.push(parseMapping(p, {}));
  }
  const def = fallback ?? (users.length ? parseMapping('default', {}) : null);
  const environment = body.environment ?? '*';
  const base = { timeoutMinutes: body.timeoutMinutes ?? null, enabled: true };
  const out: PolicyInput[] = [];
  for (const m of def ? [...mappings, def] : mappings) {
    const extra = m.name === 'default' ? { users: ok.filter((u) => !u.projects.length).map((u) => u.username) } : forProject(m);
    const level = (spec: ApproverSpec, mode: LevelMode): PolicyLevel[] => [{ approvers: keep(merge(spec, extra, admins)), mode }];
    const project = projectPattern(m);
    out.push({ ...base, name: `import:${m.name}`, project, environment, levels: level(m.approvers, m.mode) });
    for (const e of m.environments)
      out.push({
        ...base,
        name: `import:${m.name}:${e.env}`,
        project,
        environment: e.env,
        levels: level(merge(m.approvers, e.approvers), e.mode),
      });
  }
  return out;
}

export async function importPolicies(ctx: AppContext, policies: PoliciesService, actor: Actor, body: ImportBody) {
  if (!body.users && !body.app) throw new ImportInvalid({ fields: ['users', 'app'] }, 'Give users (users.json) or app (app.json) or both.');
  const users = parseUsers(body.users);
  const known = new Set(
    (
      await repo.usersByNames(
        ctx.db,
        users.map((u) => u.username).concat(parseApp(body.app).mappings.flatMap((m) => m.approvers.users ?? [])),
      )
    ).map((u) => u.username),
  );
  const items: ImportItem[] = users.map((u) =>
    known.has(u.username)
      ? {
          kind: 'user',
          name: u.username,
          status: 'ok',
          message: `role ${u.role || '-'}; ${u.projects.length ? `projects ${u.projects.join(', ')}` : 'default policy'}`,
        }
      : { kind: 'user', name: u.username, status: 'skipped', message: 'no Gatehouse user with this name; create the account first' },
  );
  for (const p of plan(body, users, known)) items.push(await applyOne(policies, actor, p, !!body.dryRun));
  const count = (...s: ImportItem['status'][]) => items.filter((i) => s.includes(i.status)).length;
  return {
    dryRun: !!body.dryRun,
    items,
    created: count('created', 'would-create'),
    updated: count('updated', 'would-update'),
    skipped: count('skipped'),
    errors: count('error'),
  };
}

async function applyOne(policies: PoliciesService, actor: Actor, p: PolicyInput, dryRun: boolean): Promise<ImportItem> {
  const a = p.levels[0].approvers;
  if (!(a.users?.length || a.groups?.length || a.roles?.length)) {
    return { kind: 'policy', name: p.name, status: 'skipped', message: 'no known approvers for this project' };
  }
  const existing = await policies.findByName(p.name);
  const summary = `${p.project} / ${p.environment}: ${(a.users ?? []).join(', ')}`;
  if (dryRun)
    return { kind: 'policy', name: p.name, status: existing ? 'would-update' : 'would-create', id: existing?.id, message: summary };
  try {
    const saved = existing ? await policies.update(actor, existing.id, p) : await policies.create(actor, p);
    return { kind: 'policy', name: p.name, status: existing ? 'updated' : 'created', id: saved.id, message: summary };
  } catch (e) {
    if (!isAppError(e)) throw e;
    return { kind: 'policy', name: p.name, status: 'error', message: e.message };
  }
}
