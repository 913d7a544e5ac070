import { sql, type SelectQueryBuilder } from 'kysely';
import type { Db } from '../../core/db/db.js';
import { likeContains } from '../../core/http/pagination.js';
import type { Visible } from './automation-access.js';
import { jsonHas, nothing } from './automation.sql.js';
import type { AutomationTables, JumpHostRow, TargetRow } from './automation.types.js';

type D = Db<AutomationTables>;

export interface HostFilter {
  visible: Visible;
  /** Jump hosts only: also show the global ones (project null). */
  withGlobal?: boolean;
  q?: string;
  label?: string;
  project?: string;
}

/** q matches the name or the host, case-insensitively, wildcards literal. */
const nameOrHost = (q: string) => {
  const p = likeContains(q.toLowerCase());
  return sql<boolean>`(lower(name) like ${p} escape '\\' or lower(host) like ${p} escape '\\')`;
};

function targetFilter<O>(qb: SelectQueryBuilder<AutomationTables, 'automation_targets', O>, f: HostFilter) {
  if (!f.visible.all) qb = f.visible.projects.length ? qb.where('project', 'in', f.visible.projects) : qb.where(nothing);
  if (f.q) qb = qb.where(nameOrHost(f.q));
  if (f.project) qb = qb.where('project', '=', f.project);
  if (f.label) qb = qb.where(jsonHas('labels', f.label));
  return qb;
}

function jumpHostFilter<O>(qb: SelectQueryBuilder<AutomationTables, 'automation_jump_hosts', O>, f: HostFilter) {
  const { visible } = f;
  if (!visible.all) {
    qb = qb.where((eb) => {
      const ors = [];
      if (visible.projects.length) ors.push(eb('project', 'in', visible.projects));
      if (f.withGlobal) ors.push(eb('project', 'is', null));
      return ors.length ? eb.or(ors) : nothing;
    });
  }
  if (f.q) qb = qb.where(nameOrHost(f.q));
  if (f.project) qb = qb.where('project', '=', f.project);
  return qb;
}

export async function listTargets(db: D, f: HostFilter, limit: number, offset: number): Promise<{ rows: TargetRow[]; total: number }> {
  const base = db.selectFrom('automation_targets');
  const count = await targetFilter(
    base.select((eb) => eb.fn.countAll<number>().as('n')),
    f,
  ).executeTakeFirstOrThrow();
  const rows = await targetFilter(base.selectAll(), f).orderBy('name').orderBy('id').limit(limit).offset(offset).execute();
  return { rows, total: Number(count.n) };
}

export async function listJumpHosts(db: D, f: HostFilter, limit: number, offset: number): Promise<{ rows: JumpHostRow[]; total: number }> {
  const base = db.selectFrom('automation_jump_hosts');
  const count = await jumpHostFilter(
    base.select((eb) => eb.fn.countAll<number>().as('n')),
    f,
  ).executeTakeFirstOrThrow();
  const rows = await jumpHostFilter(base.selectAll(), f).orderBy('name').orderBy('id').limit(limit).offset(offset).execute();
  return { rows, total: Number(count.n) };
}

export async function targetProjects(db: D): Promise<string[]> {
  return (await db.selectFrom('automation_targets').select('project').distinct().execute()).map((r) => r.project);
}

export async function jumpHostProjects(db: D): Promise<string[]> {
  const rows = await db.selectFrom('automation_jump_hosts').select('project').distinct().where('project', 'is not', null).execute();
  return rows.map((r) => r.project!);
}

export const findTarget = (db: D, id: number): Promise<TargetRow | undefined> =>
  db.selectFrom('automation_targets').selectAll().where('id', '=', id).executeTakeFirst();

export const findTargetByName = (db: D, project: string, name: string): Promise<TargetRow | undefined> =>
  db.selectFrom('automation_targets').selectAll().where('project', '=', project).where('name', '=', name).executeTakeFirst();

export function findTargets(db: D, ids: number[]): Promise<TargetRow[]> {
  if (!ids.length) return Promise.resolve([]);
  return db.selectFrom('automation_targets').selectAll().where('id', 'in', ids).execute();
}

/** Targets of a project that carry every one of `labels`. */
export function targetsWithLabels(db: D, project: string, labels: string[]): Promise<TargetRow[]> {
  let q = db.selectFrom('automation_targets').selectAll().where('project', '=', project);
  for (const l of labels) q = q.where(jsonHas('labels', l));
  return q.orderBy('id').execute();
}

export const findJumpHost = (db: D, id: number): Promise<JumpHostRow | undefined> =>
  db.selectFrom('automation_jump_hosts').selectAll().where('id', '=', id).executeTakeFirst();

export function findJumpHosts(db: D, ids: number[]): Promise<JumpHostRow[]> {
  if (!ids.length) return Promise.resolve([]);
  return db.selectFrom('automation_jump_hosts').selectAll().where('id', 'in', ids).execute();
}

export async function insertTarget(db: D, row: Omit<TargetRow, 'id'>): Promise<number> {
  const r = await db
    .insertInto('automation_targets')
    .values(row as never)
    .returning('id')
    .executeTakeFirstOrThrow();
  return r.id;
}

export async function updateTarget(db: D, id: number, patch: Partial<Omit<TargetRow, 'id'>>): Promise<void> {
  await db.updateTable('automation_targets').set(patch).where('id', '=', id).execute();
}

export async function deleteTarget(db: D, id: number): Promise<void> {
  await db.deleteFrom('automation_targets').where('id', '=', id).execute();
}

export async function insertJumpHost(db: D, row: Omit<JumpHostRow, 'id'>): Promise<number> {
  const r = await db
    .insertInto('automation_jump_hosts')
    .values(row as never)
    .returning('id')
    .executeTakeFirstOrThrow();
  return r.id;
}

export async function updateJumpHost(db: D, id: number, patch: Partial<Omit<JumpHostRow, 'id'>>): Promise<void> {
  await db.updateTable('automation_jump_hosts').set(patch).where('id', '=', id).execute();
}

export async function deleteJumpHost(db: D, id: number): Promise<void> {
  await db.deleteFrom('automation_jump_hosts').where('id', '=', id).execute();
}

/** Targets whose chain goes through a jump host (chains are JSON arrays of ids). */
export async function targetsBehind(db: D, jumpHostId: number): Promise<{ id: number; name: string }[]> {
  const rows = await db
    .selectFrom('automation_targets')
    .select(['id', 'name', 'jump_host_ids'])
    .where('jump_host_ids', '!=', '[]')
    .execute();
  return rows.filter((r) => (JSON.parse(r.jump_host_ids) as number[]).includes(jumpHostId)).map((r) => ({ id: r.id, name: r.name }));
}

/** Pin a host key on first contact only: a pin already there (or set meanwhile) is kept. */
export async function pinHostKey(
  db: D,
  table: 'automation_targets' | 'automation_jump_hosts',
  id: number,
  fingerprint: string,
): Promise<boolean> {
  const r = await db
    .updateTable(table)
    .set({ host_fingerprint: fingerprint })
    .where('id', '=', id)
    .where('host_fingerprint', 'is', null)
    .executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}
