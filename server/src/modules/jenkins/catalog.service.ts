import type { Kysely } from 'kysely';
import type { AppContext } from '../../core/context.js';
import type { AuditActor, AuditService } from '../audit/index.js';
import { compilePattern, isExact, permissionCovers, scopeMatches, validatePattern, type CompiledGrant } from '../access/index.js';
import * as repo from './catalog.repo.js';
import { BranchNotFound, ProjectNotFound } from './jenkins.errors.js';
import { CATALOG_CHANGED, lastBuildOf, type BranchRow, type JenkinsTables, type LastBuildView, type ProjectRow } from './jenkins.types.js';

export interface Catalogue {
  projects: ProjectRow[];
  byName: Map<string, ProjectRow>;
  branches: Map<number, BranchRow[]>;
}

export interface ProjectView {
  name: string;
  description: string | null;
  kind: string;
  branchCount: number;
  lastBuild: { result: string | null; building: boolean; at: string } | null;
  favourite: boolean;
}

export interface Viewer {
  userId: number;
  view: CompiledGrant[];
  build: CompiledGrant[];
}

const allows = (grants: CompiledGrant[], project: string, branch: string) => grants.some((g) => scopeMatches(g, { project, branch }));

/** A filter as typed in a search box: glob or /regex/ as in grants, otherwise fuzzy text. */
export function textMatcher(q: string): (s: string) => boolean {
  if (!isExact(q)) {
    validatePattern('q', q);
    const m = compilePattern(q);
    return (s) => m(s);
  }
  const needle = q.toLowerCase();
  return (s) => {
    const hay = s.toLowerCase();
    let i = 0;
    for (const ch of hay) if (ch === needle[i]) i++;
    return i === needle.length;
  };
}

/** The order project names are listed in (a collator compares far faster than localeCompare per call). */
const nameOrder = new Intl.Collator();

/**
 * The synced projects and branches, held in memory between syncs (a sync or another instance's
 * sync drops it), and filtered per caller with their compiled grants: one pass, no query per branch.
 */
export class CatalogService {
  private cache: Promise<Catalogue> | null = null;
  private readonly viewers = new WeakMap<CompiledGrant[], Viewer>();
  private readonly visible = new WeakMap<Viewer, { cat: Catalogue; items: Omit<ProjectView, 'favourite'>[] }>();

  constructor(
    private readonly ctx: AppContext,
    private readonly audit: AuditService,
    /** The caller's compiled grants; the same array until anything about their grants changes. */
    private readonly grantsOf: (userId: number) => Promise<CompiledGrant[]>,
  ) {
    ctx.events.subscribe(CATALOG_CHANGED, () => this.invalidate());
  }

  private get db() {
    return this.ctx.db as Kysely<JenkinsTables>;
  }

  invalidate(): void {
    this.cache = null;
  }

  catalogue(): Promise<Catalogue> {
    if (!this.cache) {
      const p = this.load();
      this.cache = p;
      p.catch(() => {
        if (this.cache === p) this.cache = null;
      });
    }
    return this.cache;
  }

  private async load(): Promise<Catalogue> {
    const projects = await repo.listProjects(this.db);
    const rows = await repo.listBranches(this.db, { projectIds: undefined });
    const branches = new Map<number, BranchRow[]>();
    for (const b of rows) {
      const list = branches.get(b.project_id);
      if (list) list.push(b);
      else branches.set(b.project_id, [b]);
    }
    return { projects, byName: new Map(projects.map((p) => [p.name, p])), branches };
  }

  private grantsFor = async (userId: number, permission: string) =>
    (await this.grantsOf(userId)).filter((g) => permissionCovers(g.permissions, permission));

  async viewer(userId: number): Promise<Viewer> {
    const all = await this.grantsOf(userId);
    let v = this.viewers.get(all);
    if (!v) {
      v = {
        userId,
        view: all.filter((g) => permissionCovers(g.permissions, 'jenkins.view')),
        build: all.filter((g) => permissionCovers(g.permissions, 'jenkins.build')),
      };
      this.viewers.set(all, v);
    }
    return v;
  }

  /**
   * The projects a viewer sees, computed once per (catalogue, grants) pair: both are replaced, not
   * changed, when a sync or a grant change happens, so identity tells whether the result still holds.
   */
  private visibleOf(cat: Catalogue, v: Viewer): Omit<ProjectView, 'favourite'>[] {
    const hit = this.visible.get(v);
    if (hit && hit.cat === cat) return hit.items;
    const items: Omit<ProjectView, 'favourite'>[] = [];
    for (const p of cat.projects) {
      const seen = (cat.branches.get(p.id) ?? []).filter((b) => this.canView(v, p.name, b.name));
      if (!seen.length) continue;
      const newest = seen.reduce<BranchRow | null>((a, b) => (b.last_at && (!a || !a.last_at || b.last_at > a.last_at) ? b : a), null);
      items.push({
        name: p.name,
        description: p.description,
        kind: p.kind,
        branchCount: seen.length,
        lastBuild: newest?.last_at ? { result: newest.last_result, building: newest.last_building === 1, at: newest.last_at } : null,
      });
    }
    // Sorted by name once here, so each call only moves favourites (and recent builds) forward.
    items.sort((a, b) => nameOrder.compare(a.name, b.name));
    this.visible.set(v, { cat, items });
    return items;
  }

  canView = (v: Viewer, project: string, branch: string) => allows(v.view, project, branch);
  canBuild = (v: Viewer, project: string, branch: string) => allows(v.build, project, branch) && allows(v.view, project, branch);

  async listProjects(userId: number, opts: { q?: string; sort?: 'name' | 'lastBuild' }) {
    const [cat, v, favs] = await Promise.all([this.catalogue(), this.viewer(userId), repo.listFavourites(this.db, userId)]);
    const q = opts.q?.toLowerCase();
    const items: ProjectView[] = this.visibleOf(cat, v)
      .filter((p) => !q || p.name.toLowerCase().includes(q) || (p.description ?? '').toLowerCase().includes(q))
      .map((p) => ({ ...p, favourite: favs.has(p.name) }));
    const byLast = (a: ProjectView, b: ProjectView) => {
      const x = a.lastBuild?.at ?? '';
      const y = b.lastBuild?.at ?? '';
      return x === y ? 0 : x < y ? 1 : -1;
    };
    // Stable sort over the name order of visibleOf: ties keep their names' order.
    items.sort((a, b) => Number(b.favourite) - Number(a.favourite) || (opts.sort === 'lastBuild' ? byLast(a, b) : 0));
    return items;
  }

  /** A project the caller can see at least one branch of; otherwise 404 (its existence is not revealed). */
  async visibleProject(userId: number, name: string): Promise<{ project: ProjectRow; branches: BranchRow[]; viewer: Viewer }> {
    const [cat, v] = await Promise.all([this.catalogue(), this.viewer(userId)]);
    const project = cat.byName.get(name);
    if (!project) throw new ProjectNotFound({ project: name });
    const branches = (cat.branches.get(project.id) ?? []).filter((b) => this.canView(v, name, b.name));
    if (!branches.length) throw new ProjectNotFound({ project: name });
    return { project, branches, viewer: v };
  }

  async listBranches(userId: number, project: string) {
    const { branches, viewer } = await this.visibleProject(userId, project);
    return branches.map((b) => ({
      name: b.name,
      buildable: b.buildable === 1,
      canBuild: this.canBuild(viewer, project, b.name),
      lastBuild: lastBuildOf(b) as LastBuildView | null,
    }));
  }

  /** A branch the caller may see; 404 for unknown and for hidden ones alike. */
  async visibleBranch(userId: number, project: string, branch: string) {
    const r = await this.visibleProject(userId, project).catch(() => {
      throw new BranchNotFound({ project, branch });
    });
    const b = r.branches.find((x) => x.name === branch);
    if (!b) throw new BranchNotFound({ project, branch });
    return { project: r.project, branch: b, viewer: r.viewer };
  }

  async setFavourite(actor: AuditActor & { userId: number }, project: string, on: boolean): Promise<void> {
    await this.visibleProject(actor.userId, project);
    await this.db.transaction().execute(async (trx) => {
      await repo.setFavourite(trx, actor.userId, project, on, this.ctx.clock.now().toISOString());
      await this.audit.record(trx, { actor, action: on ? 'jenkins.favourite.add' : 'jenkins.favourite.remove', project });
    });
  }

  /**
   * Projects and branches for the assignment screen: only projects the caller may grant on, and,
   * with `q`, only what matches it — a glob (`feature/*`), a `/regex/`, or fuzzy text (its letters in
   * order) — on the project name or the branch name.
   */
  async grantableTree(userId: number, q?: string): Promise<{ project: string; description: string | null; branches: string[] }[]> {
    const [cat, manage] = await Promise.all([this.catalogue(), this.grantsFor(userId, 'access.grants.manage')]);
    const match = q ? textMatcher(q) : () => true;
    const out = [];
    for (const p of cat.projects) {
      if (!manage.some((g) => scopeMatches(g, { project: p.name }))) continue;
      const names = (cat.branches.get(p.id) ?? []).map((b) => b.name);
      const branches = match(p.name) ? names : names.filter(match);
      if (branches.length || match(p.name)) out.push({ project: p.name, description: p.description, branches });
    }
    return out;
  }
}
