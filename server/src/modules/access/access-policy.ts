import type { Db } from '../../core/db/db.js';
import type { Resource } from '../../core/http/principal.js';
import type { IdentityService } from '../identity/index.js';
import * as repo from './access.repo.js';
import type { AccessTables, GrantRow } from './access.types.js';
import { compilePattern, permissionCovers, type Matcher } from './patterns.js';

/** A grant made ready for checks: role expanded to its permission list, patterns compiled. */
export interface CompiledGrant {
  id: number;
  via: 'user' | 'group';
  subjectId: number;
  role: string | null;
  permission: string | null;
  permissions: string[];
  project: string;
  branch: string;
  environment: string;
  match: { project: Matcher; branch: Matcher; environment: Matcher };
}

export function scopeMatches(g: CompiledGrant, r: Resource = {}): boolean {
  return g.match.project(r.project) && g.match.branch(r.branch) && g.match.environment(r.environment);
}

/**
 * Answers "may user U use permission P on resource R" from an in-memory, per-user list of compiled
 * grants. The cache is dropped whole on any change to grants, roles or group membership (here or,
 * through the event bus, on another instance): changes are rare, checks are constant.
 */
export class AccessPolicy {
  private readonly cache = new Map<number, Promise<CompiledGrant[]>>();
  private generation = 0;

  constructor(
    private readonly db: Db<AccessTables>,
    private readonly identity: IdentityService,
  ) {}

  invalidate(): void {
    this.generation++;
    this.cache.clear();
  }

  grantsOf(userId: number): Promise<CompiledGrant[]> {
    let p = this.cache.get(userId);
    if (!p) {
      const gen = this.generation;
      p = this.load(userId);
      this.cache.set(userId, p);
      p.catch(() => this.cache.delete(userId));
      // A change that raced with this load must not leave stale grants behind.
      void p.then(() => gen !== this.generation && this.cache.delete(userId));
    }
    return p;
  }

  private async load(userId: number): Promise<CompiledGrant[]> {
    const groups = await this.identity.groupIdsOf(userId);
    const [rows, roles] = await Promise.all([repo.grantsOfSubjects(this.db, userId, groups), repo.listRoles(this.db)]);
    const byId = new Map(roles.map((r) => [r.id, r]));
    return rows.map((g) => compile(g, byId));
  }

  async can(userId: number, permission: string, resource?: Resource): Promise<boolean> {
    return (await this.grantsOf(userId)).some((g) => permissionCovers(g.permissions, permission) && scopeMatches(g, resource));
  }

  /** The grants that give a permission somewhere: modules filter lists with them in memory. */
  async grantsFor(userId: number, permission: string): Promise<CompiledGrant[]> {
    return (await this.grantsOf(userId)).filter((g) => permissionCovers(g.permissions, permission));
  }

  async isSuperAdmin(userId: number): Promise<boolean> {
    return (await this.grantsOf(userId)).some(
      (g) => g.permissions.includes('*') && g.project === '*' && g.branch === '*' && g.environment === '*',
    );
  }
}

function compile(g: GrantRow, roles: Map<number, { name: string; permissions: string }>): CompiledGrant {
  const role = g.role_id !== null ? roles.get(g.role_id) : undefined;
  return {
    id: g.id,
    via: g.subject_type,
    subjectId: g.subject_id,
    role: role?.name ?? null,
    permission: g.permission,
    permissions: role ? (JSON.parse(role.permissions) as string[]) : g.permission ? [g.permission] : [],
    project: g.project,
    branch: g.branch,
    environment: g.environment,
    match: { project: compilePattern(g.project), branch: compilePattern(g.branch), environment: compilePattern(g.environment) },
  };
}
