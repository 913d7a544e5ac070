import type { Kysely } from 'kysely';
import type { AppContext } from '../../core/context.js';
import type { AccessModule, GrantActor } from '../access/index.js';
import type { AuditService } from '../audit/index.js';
import * as builds from './builds.repo.js';
import type { CatalogService } from './catalog.service.js';
import { BranchGrantExists, GrantEmpty, GrantNotJenkins, GrantSubject } from './jenkins.errors.js';
import type { JenkinsTables } from './jenkins.types.js';

export const VIEWER_ROLE = 'jenkins-viewer';
export const BUILDER_ROLE = 'jenkins-builder';
const ROLES = new Set([VIEWER_ROLE, BUILDER_ROLE]);

export interface BranchGrant {
  id: number;
  userId: number | null;
  groupId: number | null;
  subjectName: string | null;
  project: string;
  branch: string;
  canView: boolean;
  canBuild: boolean;
  grantedBy: number | null;
  grantedAt: string;
}

export interface BranchGrantInput {
  userId?: number;
  groupId?: number;
  project: string;
  branch: string;
  canView: boolean;
  canBuild: boolean;
}

type Grants = AccessModule['service']['grants'];
type FoundationGrant = Awaited<ReturnType<Grants['list']>>['items'][number];

const isPattern = (s: string) => s === '*' || s.includes('*') || s.includes('?') || s.startsWith('/');

function toBranchGrant(g: FoundationGrant): BranchGrant {
  return {
    id: g.id,
    userId: g.subjectType === 'user' ? g.subjectId : null,
    groupId: g.subjectType === 'group' ? g.subjectId : null,
    subjectName: g.subjectName,
    project: g.project,
    branch: g.branch,
    canView: true,
    canBuild: g.role === BUILDER_ROLE,
    grantedBy: g.grantedBy,
    grantedAt: g.grantedAt,
  };
}

/**
 * The seed's per-branch permission rows (user, project, branch, can_view, can_build) kept as
 * foundation grants of the `jenkins-viewer` or `jenkins-builder` role on a {project, branch}
 * scope: one grant per row, so `can()`, explain, templates and project-admin limits apply unchanged.
 */
export class BranchGrantsService {
  constructor(
    private readonly ctx: AppContext,
    private readonly audit: AuditService,
    private readonly grants: Grants,
    private readonly catalog: CatalogService,
  ) {}

  private get db() {
    return this.ctx.db as Kysely<JenkinsTables>;
  }

  private subject(input: { userId?: number; groupId?: number }): ['user' | 'group', number] {
    if ((input.userId === undefined) === (input.groupId === undefined)) throw new GrantSubject();
    return input.userId !== undefined ? ['user', input.userId] : ['group', input.groupId!];
  }

  async list(f: { userId?: number; groupId?: number; project?: string }): Promise<BranchGrant[]> {
    const subject =
      f.userId !== undefined
        ? { subjectType: 'user' as const, subjectId: f.userId }
        : f.groupId !== undefined
          ? { subjectType: 'group' as const, subjectId: f.groupId }
          : {};
    const { items } = await this.grants.list({ ...subject, project: f.project }, 100_000, 0);
    return items.filter((g) => g.role !== null && ROLES.has(g.role) && g.environment === '*').map(toBranchGrant);
  }

  async get(id: number): Promise<BranchGrant> {
    const { items } = await this.grants.list({ ids: [id] }, 1, 0);
    const g = items[0];
    if (!g || !g.role || !ROLES.has(g.role)) throw new GrantNotJenkins({ id });
    return toBranchGrant(g);
  }

  async create(actor: GrantActor, input: BranchGrantInput): Promise<BranchGrant> {
    if (!input.canView && !input.canBuild) throw new GrantEmpty();
    const [type, id] = this.subject(input);
    const same = (await this.list(type === 'user' ? { userId: id } : { groupId: id })).find(
      (g) => g.project === input.project && g.branch === input.branch,
    );
    if (same) throw new BranchGrantExists({ id: same.id });
    const g = await this.grants.create(actor, type, id, {
      project: input.project,
      branch: input.branch,
      role: input.canBuild ? BUILDER_ROLE : VIEWER_ROLE,
    });
    return toBranchGrant(g);
  }

  /** Changing view ↔ build swaps the role: the old grant goes, a new one (new id) comes. */
  async update(actor: GrantActor, id: number, canBuild: boolean): Promise<BranchGrant> {
    const old = await this.get(id);
    if (old.canBuild === canBuild) return old;
    await this.grants.remove(actor, id);
    return this.create(actor, {
      ...(old.userId !== null ? { userId: old.userId } : { groupId: old.groupId! }),
      project: old.project,
      branch: old.branch,
      canView: true,
      canBuild,
    });
  }

  async remove(actor: GrantActor, id: number): Promise<void> {
    await this.get(id);
    await this.grants.remove(actor, id);
  }

  /** Grants on exact names that no longer exist in Jenkins (patterns are never orphans). */
  async orphans() {
    const [cat, kept, all] = await Promise.all([this.catalog.catalogue(), builds.keptOrphans(this.db), this.list({})]);
    const out = [];
    for (const g of all) {
      if (kept.has(g.id) || isPattern(g.project)) continue;
      const p = cat.byName.get(g.project);
      let reason: 'project-removed' | 'branch-removed' | null = null;
      if (!p) reason = 'project-removed';
      else if (!isPattern(g.branch) && !(cat.branches.get(p.id) ?? []).some((b) => b.name === g.branch)) reason = 'branch-removed';
      if (reason)
        out.push({
          grantId: g.id,
          userId: g.userId,
          groupId: g.groupId,
          subjectName: g.subjectName,
          project: g.project,
          branch: g.branch,
          reason,
        });
    }
    return out;
  }

  async keep(actor: GrantActor, grantId: number): Promise<void> {
    const g = await this.get(grantId);
    await this.db.transaction().execute(async (trx) => {
      await builds.keepOrphan(trx, grantId, actor.userId, this.ctx.clock.now().toISOString());
      await this.audit.record(trx, {
        actor,
        action: 'jenkins.orphan.keep',
        resourceType: 'grant',
        resourceId: grantId,
        project: g.project,
        details: { branch: g.branch },
      });
    });
  }
}
