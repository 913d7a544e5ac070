import type { Db } from '../../core/db/db.js';
import type { BranchRow, JenkinsTables, ProjectRow } from './jenkins.types.js';

type D = Db<JenkinsTables>;

// Multi-row inserts stay under SQLite's bound-parameter limit (32766) and PostgreSQL's (65535).
const CHUNK = 500;

export function listProjects(db: D, opts: { serverId?: number; includeRemoved?: boolean } = {}): Promise<ProjectRow[]> {
  let q = db.selectFrom('jenkins_projects').selectAll();
  if (opts.serverId !== undefined) q = q.where('server_id', '=', opts.serverId);
  if (!opts.includeRemoved) q = q.where('removed_at', 'is', null);
  return q.orderBy('name').execute();
}

export function listBranches(db: D, opts: { projectIds?: number[]; includeRemoved?: boolean } = {}): Promise<BranchRow[]> {
  let q = db.selectFrom('jenkins_branches').selectAll();
  if (opts.projectIds) {
    if (!opts.projectIds.length) return Promise.resolve([]);
    q = q.where('project_id', 'in', opts.projectIds);
  }
  if (!opts.includeRemoved) q = q.where('removed_at', 'is', null);
  return q.orderBy('project_id').orderBy('name').execute();
}

export const findProject = (db: D, name: string): Promise<ProjectRow | undefined> =>
  db.selectFrom('jenkins_projects').selectAll().where('name', '=', name).where('removed_at', 'is', null).executeTakeFirst();

export const findBranch = (db: D, projectId: number, name: string): Promise<BranchRow | undefined> =>
  db
    .selectFrom('jenkins_branches')
    .selectAll()
    .where('project_id', '=', projectId)
    .where('name', '=', name)
    .where('removed_at', 'is', null)
    .executeTakeFirst();

export async function insertProjects(db: D, rows: Omit<ProjectRow, 'id'>[]): Promise<Map<string, number>> {
  const ids = new Map<string, number>();
  for (let i = 0; i < rows.length; i += CHUNK) {
    const out = await db
      .insertInto('jenkins_projects')
      .values(rows.slice(i, i + CHUNK) as never)
      .returning(['id', 'name'])
      .execute();
    for (const r of out) ids.set(r.name, r.id);
  }
  return ids;
}

export async function updateProject(db: D, id: number, patch: Partial<Omit<ProjectRow, 'id'>>): Promise<void> {
  await db.updateTable('jenkins_projects').set(patch).where('id', '=', id).execute();
}

export async function touchProjects(db: D, ids: number[], at: string): Promise<void> {
  for (let i = 0; i < ids.length; i += CHUNK)
    await db
      .updateTable('jenkins_projects')
      .set({ synced_at: at })
      .where('id', 'in', ids.slice(i, i + CHUNK))
      .execute();
}

export async function markProjectsRemoved(db: D, ids: number[], at: string): Promise<void> {
  for (let i = 0; i < ids.length; i += CHUNK)
    await db
      .updateTable('jenkins_projects')
      .set({ removed_at: at })
      .where('id', 'in', ids.slice(i, i + CHUNK))
      .execute();
}

export async function insertBranches(db: D, rows: Omit<BranchRow, 'id'>[]): Promise<void> {
  for (let i = 0; i < rows.length; i += CHUNK)
    await db
      .insertInto('jenkins_branches')
      .values(rows.slice(i, i + CHUNK) as never)
      .execute();
}

export async function updateBranch(db: D, id: number, patch: Partial<Omit<BranchRow, 'id'>>): Promise<void> {
  await db.updateTable('jenkins_branches').set(patch).where('id', '=', id).execute();
}

export async function markBranchesRemoved(db: D, ids: number[], at: string): Promise<void> {
  for (let i = 0; i < ids.length; i += CHUNK)
    await db
      .updateTable('jenkins_branches')
      .set({ removed_at: at })
      .where('id', 'in', ids.slice(i, i + CHUNK))
      .execute();
}

export async function listFavourites(db: D, userId: number): Promise<Set<string>> {
  const rows = await db.selectFrom('jenkins_favourites').select('project').where('user_id', '=', userId).execute();
  return new Set(rows.map((r) => r.project));
}

export async function setFavourite(db: D, userId: number, project: string, on: boolean, at: string): Promise<void> {
  await db.deleteFrom('jenkins_favourites').where('user_id', '=', userId).where('project', '=', project).execute();
  if (on) await db.insertInto('jenkins_favourites').values({ user_id: userId, project, created_at: at }).execute();
}
