import type { Db } from '../../core/db/db.js';
import type { ApprovalsTables, PolicyRow } from './approvals.types.js';

type D = Db<ApprovalsTables>;

export function listPolicies(db: D): Promise<PolicyRow[]> {
  return db.selectFrom('approvals_policies').selectAll().orderBy('id').execute();
}

export function listEnabledPolicies(db: D): Promise<PolicyRow[]> {
  return db.selectFrom('approvals_policies').selectAll().where('enabled', '=', 1).orderBy('id').execute();
}

export function findPolicy(db: D, id: number): Promise<PolicyRow | undefined> {
  return db.selectFrom('approvals_policies').selectAll().where('id', '=', id).executeTakeFirst();
}

export function findPolicyByName(db: D, name: string): Promise<PolicyRow | undefined> {
  return db.selectFrom('approvals_policies').selectAll().where('name', '=', name).executeTakeFirst();
}

export async function insertPolicy(db: D, row: Omit<PolicyRow, 'id'>): Promise<number> {
  const r = await db
    .insertInto('approvals_policies')
    .values(row as never)
    .returning('id')
    .executeTakeFirstOrThrow();
  return Number(r.id);
}

export async function updatePolicy(db: D, id: number, patch: Partial<Omit<PolicyRow, 'id'>>): Promise<void> {
  await db
    .updateTable('approvals_policies')
    .set(patch as never)
    .where('id', '=', id)
    .execute();
}

export async function deletePolicy(db: D, id: number): Promise<void> {
  await db.deleteFrom('approvals_policies').where('id', '=', id).execute();
}

/** Read-only look-ups into identity and access tables, to expand approvers (no writes here). */
export async function usersByNames(db: Db, names: string[]): Promise<Array<{ id: number; username: string; status: string }>> {
  if (!names.length) return [];
  return db.selectFrom('identity_users').select(['id', 'username', 'status']).where('username', 'in', names).execute();
}

export async function groupsByNames(db: Db, names: string[]): Promise<Array<{ id: number; name: string }>> {
  if (!names.length) return [];
  return db.selectFrom('identity_groups').select(['id', 'name']).where('name', 'in', names).execute();
}

export async function rolesByNames(db: Db, names: string[]): Promise<Array<{ id: number; name: string }>> {
  if (!names.length) return [];
  return db.selectFrom('access_roles').select(['id', 'name']).where('name', 'in', names).execute();
}

export async function groupMembers(db: Db, groupIds: number[]): Promise<number[]> {
  if (!groupIds.length) return [];
  const rows = await db.selectFrom('identity_group_members').select('user_id').where('group_id', 'in', groupIds).execute();
  return rows.map((r) => Number(r.user_id));
}

/** Grants of these roles (to users or groups), with their scope, for expanding role approvers. */
export async function roleGrants(
  db: Db,
  roleIds: number[],
): Promise<Array<{ subject_type: 'user' | 'group'; subject_id: number; project: string; environment: string }>> {
  if (!roleIds.length) return [];
  return db
    .selectFrom('access_grants')
    .select(['subject_type', 'subject_id', 'project', 'environment'])
    .where('role_id', 'in', roleIds)
    .execute();
}

export async function activeUserIds(db: Db, ids: number[]): Promise<number[]> {
  if (!ids.length) return [];
  const rows = await db.selectFrom('identity_users').select('id').where('id', 'in', ids).where('status', '!=', 'disabled').execute();
  return rows.map((r) => Number(r.id));
}
