import type { Db } from '../../core/db/db.js';
import type { BranchInfo, JenkinsItem, ProjectInfo } from './client/index.js';
import * as repo from './catalog.repo.js';
import type { BranchRow, JenkinsTables, ProjectRow, SyncChanges } from './jenkins.types.js';

export interface FetchedProject {
  name: string;
  item: JenkinsItem;
  info: ProjectInfo;
}

type D = Db<JenkinsTables>;

/** The stored form of what Jenkins said about a branch (everything but ids and bookkeeping). */
function branchFields(b: BranchInfo): Omit<BranchRow, 'id' | 'project_id' | 'name' | 'removed_at' | 'synced_at'> {
  const lb = b.lastBuild;
  return {
    item_name: b.itemName,
    buildable: b.buildable ? 1 : 0,
    last_number: lb?.number ?? null,
    last_result: lb?.result ?? null,
    last_building: lb?.building ? 1 : 0,
    last_at: lb ? new Date(lb.timestamp).toISOString() : null,
    last_duration_ms: lb ? lb.durationMs : null,
    commit_id: lb?.commit?.id ?? null,
    commit_message: lb?.commit?.message ?? null,
    commit_author: lb?.commit?.author ?? null,
  };
}

function differs<T extends object>(row: T, fields: Partial<T>): boolean {
  return Object.entries(fields).some(([k, v]) => (row as Record<string, unknown>)[k] !== v);
}

/**
 * Replace one server's catalogue with a fresh snapshot: insert what is new, update what changed,
 * mark what vanished as removed (never delete: grants that point at it become orphans an admin
 * decides about). Only changed rows are written, so a quiet re-sync of 10,000 branches is cheap.
 */
export async function applySnapshot(
  trx: D,
  serverId: number,
  fetched: FetchedProject[],
  at: string,
): Promise<{ projects: number; branches: number; changes: SyncChanges }> {
  const changes: SyncChanges = { added: { projects: [], branches: [] }, removed: { projects: [], branches: [] } };
  const existing = new Map((await repo.listProjects(trx, { serverId, includeRemoved: true })).map((p) => [p.name, p]));
  const seen = new Set(fetched.map((f) => f.name));

  const fresh: Omit<ProjectRow, 'id'>[] = [];
  for (const f of fetched) {
    const fields = { path: JSON.stringify(f.item.path), kind: f.info.kind, description: f.info.description, url: f.item.url };
    const old = existing.get(f.name);
    if (!old) {
      fresh.push({ server_id: serverId, name: f.name, ...fields, removed_at: null, first_seen_at: at, synced_at: at });
      changes.added.projects.push(f.name);
    } else if (old.removed_at || differs(old, fields)) {
      if (old.removed_at) changes.added.projects.push(f.name);
      await repo.updateProject(trx, old.id, { ...fields, removed_at: null });
    }
  }
  const ids = await repo.insertProjects(trx, fresh);
  for (const p of existing.values()) ids.set(p.name, p.id);
  const gone = [...existing.values()].filter((p) => !p.removed_at && !seen.has(p.name));
  await repo.markProjectsRemoved(
    trx,
    gone.map((p) => p.id),
    at,
  );
  changes.removed.projects.push(...gone.map((p) => p.name));
  await repo.touchProjects(
    trx,
    fetched.map((f) => ids.get(f.name)!),
    at,
  );

  const branches = await applyBranches(trx, fetched, ids, existing, at, changes);
  return { projects: fetched.length, branches, changes };
}

async function applyBranches(
  trx: D,
  fetched: FetchedProject[],
  ids: Map<string, number>,
  existing: Map<string, ProjectRow>,
  at: string,
  changes: SyncChanges,
): Promise<number> {
  const known = [...existing.values()].map((p) => p.id);
  const rows = await repo.listBranches(trx, { projectIds: known, includeRemoved: true });
  const byKey = new Map(rows.map((b) => [`${b.project_id}\u0000${b.name}`, b]));
  const seen = new Set<string>();
  const fresh: Omit<BranchRow, 'id'>[] = [];
  let count = 0;
  for (const f of fetched) {
    const pid = ids.get(f.name)!;
    for (const b of f.info.branches) {
      count++;
      const key = `${pid}\u0000${b.name}`;
      seen.add(key);
      const fields = branchFields(b);
      const old = byKey.get(key);
      if (!old) {
        fresh.push({ project_id: pid, name: b.name, ...fields, removed_at: null, synced_at: at });
        if (existing.has(f.name)) changes.added.branches.push(`${f.name} » ${b.name}`);
      } else if (old.removed_at || differs(old, fields)) {
        if (old.removed_at) changes.added.branches.push(`${f.name} » ${b.name}`);
        await repo.updateBranch(trx, old.id, { ...fields, removed_at: null, synced_at: at });
      }
    }
  }
  await repo.insertBranches(trx, fresh);
  const names = new Map([...existing.values()].map((p) => [p.id, p.name]));
  const gone = rows.filter((b) => !b.removed_at && !seen.has(`${b.project_id}\u0000${b.name}`));
  await repo.markBranchesRemoved(
    trx,
    gone.map((b) => b.id),
    at,
  );
  changes.removed.branches.push(...gone.map((b) => `${names.get(b.project_id)} » ${b.name}`));
  return count;
}
