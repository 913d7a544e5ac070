import type { Db } from '../../core/db/db.js';
import type { AccessTables, GrantRow, RoleRow, Scope, TemplateRow } from './access.types.js';

type D = Db<AccessTables>;

export const listRoles = (db: D): Promise<RoleRow[]> => db.selectFrom('access_roles').selectAll().orderBy('id').execute();
export const findRoleByName = (db: D, name: string) =>
  db.selectFrom('access_roles').selectAll().where('name', '=', name).executeTakeFirst();
export const findRoleById = (db: D, id: number) => db.selectFrom('access_roles').selectAll().where('id', '=', id).executeTakeFirst();

export async function insertRole(db: D, row: Omit<RoleRow, 'id'>): Promise<number> {
  return (
    await db
      .insertInto('access_roles')
      .values(row as never)
      .returning('id')
      .executeTakeFirstOrThrow()
  ).id;
}
export async function updateRole(db: D, id: number, patch: Partial<Omit<RoleRow, 'id'>>): Promise<void> {
  await db.updateTable('access_roles').set(patch).where('id', '=', id).execute();
}
export async function deleteRole(db: D, id: number): Promise<void> {
  await db.deleteFrom('access_grants').where('role_id', '=', id).execute();
  await db.deleteFrom('access_roles').where('id', '=', id).execute();
}

/** Grants held directly by a user or through any of their groups. */
export function grantsOfSubjects(db: D, userId: number, groupIds: number[]): Promise<GrantRow[]> {
  return db
    .selectFrom('access_grants')
    .selectAll()
    .where((eb) =>
      eb.or([
        eb.and([eb('subject_type', '=', 'user'), eb('subject_id', '=', userId)]),
        ...(groupIds.length ? [eb.and([eb('subject_type', '=', 'group'), eb('subject_id', 'in', groupIds)])] : []),
      ]),
    )
    .orderBy('id')
    .execute();
}

export function findGrant(db: D, id: number) {
  return db.selectFrom('access_grants').selectAll().where('id', '=', id).executeTakeFirst();
}

export function findSameGrant(
  db: D,
  g: { subject_type: string; subject_id: number; role_id: number | null; permission: string | null } & Scope,
) {
  let q = db
    .selectFrom('access_grants')
    .select('id')
    .where('subject_type', '=', g.subject_type as 'user')
    .where('subject_id', '=', g.subject_id)
    .where('project', '=', g.project)
    .where('branch', '=', g.branch)
    .where('environment', '=', g.environment);
  q = g.role_id !== null ? q.where('role_id', '=', g.role_id) : q.where('role_id', 'is', null);
  q = g.permission !== null ? q.where('permission', '=', g.permission) : q.where('permission', 'is', null);
  return q.executeTakeFirst();
}

export async function insertGrant(db: D, row: Omit<GrantRow, 'id'>): Promise<number> {
  return (
    await db
      .insertInto('access_grants')
      .values(row as never)
      .returning('id')
      .executeTakeFirstOrThrow()
  ).id;
}
export async function deleteGrant(db: D, id: number): Promise<void> {
  await db.deleteFrom('access_grants').where('id', '=', id).execute();
}
export async function deleteGrantsOf(db: D, subjectType: 'user' | 'group', id: number): Promise<void> {
  await db.deleteFrom('access_grants').where('subject_type', '=', subjectType).where('subject_id', '=', id).execute();
}

export async function listGrants(db: D, f: { subjectType?: string; subjectId?: number; project?: string }, limit: number, offset: number) {
  let q = db.selectFrom('access_grants');
  if (f.subjectType) q = q.where('subject_type', '=', f.subjectType as 'user');
  if (f.subjectId) q = q.where('subject_id', '=', f.subjectId);
  if (f.project) q = q.where('project', '=', f.project);
  const [rows, c] = await Promise.all([
    q.selectAll().orderBy('id').limit(limit).offset(offset).execute(),
    q.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow(),
  ]);
  return { rows, total: Number(c.n) };
}

export function grantsOfUsers(db: D, userIds: number[]) {
  return db
    .selectFrom('access_grants')
    .selectAll()
    .where('subject_type', '=', 'user')
    .where('subject_id', 'in', userIds.length ? userIds : [-1])
    .execute();
}

export const listTemplates = (db: D): Promise<TemplateRow[]> => db.selectFrom('access_templates').selectAll().orderBy('name').execute();
export const findTemplate = (db: D, id: number) => db.selectFrom('access_templates').selectAll().where('id', '=', id).executeTakeFirst();
export async function insertTemplate(db: D, row: Omit<TemplateRow, 'id'>): Promise<number> {
  return (
    await db
      .insertInto('access_templates')
      .values(row as never)
      .returning('id')
      .executeTakeFirstOrThrow()
  ).id;
}
export async function updateTemplate(db: D, id: number, patch: Partial<Omit<TemplateRow, 'id'>>): Promise<void> {
  await db.updateTable('access_templates').set(patch).where('id', '=', id).execute();
}
export async function deleteTemplate(db: D, id: number): Promise<void> {
  await db.deleteFrom('access_templates').where('id', '=', id).execute();
}
