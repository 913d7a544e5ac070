import type { SelectQueryBuilder } from 'kysely';
import type { Db } from '../../core/db/db.js';
import type { Visible } from './automation-access.js';
import { creatorClause, nameLike, nothing } from './automation.sql.js';
import type { AutomationTables, TaskRow } from './automation.types.js';

type D = Db<AutomationTables>;

export interface TaskFilter {
  visible: Visible;
  q?: string;
  type?: 'manual' | 'scheduled';
  status?: 'enabled' | 'disabled';
  scriptId?: number;
  creator?: string;
  createdFrom?: string;
  createdTo?: string;
  project?: string;
}

function applyFilter<O>(qb: SelectQueryBuilder<AutomationTables, 'automation_tasks', O>, f: TaskFilter) {
  if (!f.visible.all) qb = f.visible.projects.length ? qb.where('project', 'in', f.visible.projects) : qb.where(nothing);
  if (f.q) qb = qb.where(nameLike(f.q));
  if (f.type === 'manual') qb = qb.where('schedule', 'is', null);
  if (f.type === 'scheduled') qb = qb.where('schedule', 'is not', null);
  if (f.status) qb = qb.where('enabled', '=', f.status === 'enabled' ? 1 : 0);
  if (f.scriptId) qb = qb.where('script_id', '=', f.scriptId);
  if (f.creator) qb = qb.where(creatorClause(f.creator));
  if (f.createdFrom) qb = qb.where('created_at', '>=', f.createdFrom);
  if (f.createdTo) qb = qb.where('created_at', '<=', f.createdTo);
  if (f.project) qb = qb.where('project', '=', f.project);
  return qb;
}

export async function listTasks(db: D, f: TaskFilter, limit: number, offset: number): Promise<{ rows: TaskRow[]; total: number }> {
  const base = db.selectFrom('automation_tasks');
  const count = await applyFilter(
    base.select((eb) => eb.fn.countAll<number>().as('n')),
    f,
  ).executeTakeFirstOrThrow();
  const rows = await applyFilter(base.selectAll(), f).orderBy('id', 'desc').limit(limit).offset(offset).execute();
  return { rows, total: Number(count.n) };
}

/** Enabled scheduled tasks matching a filter, newest first: the next-run filter is decided in memory. */
export function scheduledTasks(db: D, f: TaskFilter, cap: number): Promise<TaskRow[]> {
  return applyFilter(db.selectFrom('automation_tasks').selectAll(), f)
    .where('schedule', 'is not', null)
    .where('enabled', '=', 1)
    .orderBy('id', 'desc')
    .limit(cap)
    .execute();
}

export async function taskProjects(db: D): Promise<string[]> {
  return (await db.selectFrom('automation_tasks').select('project').distinct().execute()).map((r) => r.project);
}

export const findTask = (db: D, id: number): Promise<TaskRow | undefined> =>
  db.selectFrom('automation_tasks').selectAll().where('id', '=', id).executeTakeFirst();

export const findTaskByName = (db: D, project: string, name: string): Promise<TaskRow | undefined> =>
  db.selectFrom('automation_tasks').selectAll().where('project', '=', project).where('name', '=', name).executeTakeFirst();

export const allTasks = (db: D): Promise<Pick<TaskRow, 'id' | 'schedule' | 'timezone' | 'enabled'>[]> =>
  db.selectFrom('automation_tasks').select(['id', 'schedule', 'timezone', 'enabled']).orderBy('id').execute();

export async function insertTask(db: D, row: Omit<TaskRow, 'id'>): Promise<number> {
  const r = await db
    .insertInto('automation_tasks')
    .values(row as never)
    .returning('id')
    .executeTakeFirstOrThrow();
  return r.id;
}

export async function updateTask(db: D, id: number, patch: Partial<Omit<TaskRow, 'id'>>): Promise<void> {
  await db.updateTable('automation_tasks').set(patch).where('id', '=', id).execute();
}

export async function deleteTask(db: D, id: number): Promise<void> {
  await db.deleteFrom('automation_tasks').where('id', '=', id).execute();
}

/** Tasks of a project that name a target by id (target_ids is a JSON array, read in memory). */
export async function tasksNamingTarget(db: D, project: string, targetId: number): Promise<{ id: number; name: string }[]> {
  const rows = await db.selectFrom('automation_tasks').select(['id', 'name', 'target_ids']).where('project', '=', project).execute();
  return rows.filter((r) => (JSON.parse(r.target_ids) as number[]).includes(targetId)).map((r) => ({ id: r.id, name: r.name }));
}

/** Ids of the tasks that run a script (for the script's run history). */
export async function taskIdsOfScript(db: D, scriptId: number): Promise<number[]> {
  const rows = await db.selectFrom('automation_tasks').select('id').where('script_id', '=', scriptId).execute();
  return rows.map((r) => r.id);
}
