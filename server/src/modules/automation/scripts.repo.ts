import type { SelectQueryBuilder } from 'kysely';
import type { Db } from '../../core/db/db.js';
import type { Visible } from './automation-access.js';
import { creatorClause, nameLike, nothing } from './automation.sql.js';
import type { AutomationTables, Language, ScriptRow, ScriptVersionRow } from './automation.types.js';

type D = Db<AutomationTables>;

export interface ScriptFilter {
  visible: Visible;
  q?: string;
  language?: Language;
  creator?: string;
  createdFrom?: string;
  createdTo?: string;
  project?: string;
}

function applyFilter<O>(qb: SelectQueryBuilder<AutomationTables, 'automation_scripts', O>, f: ScriptFilter) {
  if (!f.visible.all) qb = f.visible.projects.length ? qb.where('project', 'in', f.visible.projects) : qb.where(nothing);
  if (f.q) qb = qb.where(nameLike(f.q));
  if (f.language) qb = qb.where('language', '=', f.language);
  if (f.creator) qb = qb.where(creatorClause(f.creator));
  if (f.createdFrom) qb = qb.where('created_at', '>=', f.createdFrom);
  if (f.createdTo) qb = qb.where('created_at', '<=', f.createdTo);
  if (f.project) qb = qb.where('project', '=', f.project);
  return qb;
}

export async function listScripts(db: D, f: ScriptFilter, limit: number, offset: number): Promise<{ rows: ScriptRow[]; total: number }> {
  const base = db.selectFrom('automation_scripts');
  const count = await applyFilter(
    base.select((eb) => eb.fn.countAll<number>().as('n')),
    f,
  ).executeTakeFirstOrThrow();
  const rows = await applyFilter(base.selectAll(), f).orderBy('id', 'desc').limit(limit).offset(offset).execute();
  return { rows, total: Number(count.n) };
}

export async function scriptProjects(db: D): Promise<string[]> {
  return (await db.selectFrom('automation_scripts').select('project').distinct().execute()).map((r) => r.project);
}

export const findScript = (db: D, id: number): Promise<ScriptRow | undefined> =>
  db.selectFrom('automation_scripts').selectAll().where('id', '=', id).executeTakeFirst();

export const findScriptByName = (db: D, project: string, name: string): Promise<ScriptRow | undefined> =>
  db.selectFrom('automation_scripts').selectAll().where('project', '=', project).where('name', '=', name).executeTakeFirst();

export async function scriptNames(db: D, ids: number[]): Promise<Map<number, string>> {
  if (!ids.length) return new Map();
  const rows = await db.selectFrom('automation_scripts').select(['id', 'name']).where('id', 'in', ids).execute();
  return new Map(rows.map((r) => [r.id, r.name]));
}

export async function insertScript(db: D, row: Omit<ScriptRow, 'id'>): Promise<number> {
  const r = await db
    .insertInto('automation_scripts')
    .values(row as never)
    .returning('id')
    .executeTakeFirstOrThrow();
  return r.id;
}

export async function updateScript(db: D, id: number, patch: Partial<Omit<ScriptRow, 'id'>>): Promise<void> {
  await db.updateTable('automation_scripts').set(patch).where('id', '=', id).execute();
}

export async function deleteScript(db: D, id: number): Promise<void> {
  // Versions first: SQLite enforces the foreign key, PostgreSQL would cascade either way.
  await db.deleteFrom('automation_script_versions').where('script_id', '=', id).execute();
  await db.deleteFrom('automation_scripts').where('id', '=', id).execute();
}

export async function insertVersion(db: D, row: Omit<ScriptVersionRow, 'id'>): Promise<void> {
  await db
    .insertInto('automation_script_versions')
    .values(row as never)
    .execute();
}

export const findVersion = (db: D, scriptId: number, version: number): Promise<ScriptVersionRow | undefined> =>
  db
    .selectFrom('automation_script_versions')
    .selectAll()
    .where('script_id', '=', scriptId)
    .where('version', '=', version)
    .executeTakeFirst();

export const listVersions = (db: D, scriptId: number): Promise<Omit<ScriptVersionRow, 'content'>[]> =>
  db
    .selectFrom('automation_script_versions')
    .select(['id', 'script_id', 'version', 'language', 'created_by', 'created_by_name', 'created_at'])
    .where('script_id', '=', scriptId)
    .orderBy('version', 'desc')
    .execute();

export async function countTasksUsing(db: D, scriptId: number): Promise<number> {
  const r = await db
    .selectFrom('automation_tasks')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('script_id', '=', scriptId)
    .executeTakeFirstOrThrow();
  return Number(r.n);
}
