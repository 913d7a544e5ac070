import { sql } from 'kysely';
import type { Db } from '../../core/db/db.js';
import { likeContains } from '../../core/http/pagination.js';
import type { GroupRow, IdentityTables } from './identity.types.js';

type D = Db<IdentityTables>;

export type GroupWithCount = GroupRow & { member_count: number };

export async function listGroups(
  db: D,
  q: string | undefined,
  limit: number,
  offset: number,
): Promise<{ rows: GroupWithCount[]; total: number }> {
  let base = db.selectFrom('identity_groups');
  if (q) {
    const p = likeContains(q.toLowerCase());
    base = base.where(sql<boolean>`(lower(name) like ${p} escape '\\' or lower(description) like ${p} escape '\\')`);
  }
  const count = await base.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
  const rows = await base
    .selectAll('identity_groups')
    .select((eb) =>
      eb
        .selectFrom('identity_group_members as m')
        .select((e2) => e2.fn.countAll<number>().as('c'))
        .whereRef('m.group_id', '=', 'identity_groups.id')
        .as('member_count'),
    )
    .orderBy('name')
    .limit(limit)
    .offset(offset)
    .execute();
  return { rows: rows.map((r) => ({ ...r, member_count: Number(r.member_count ?? 0) })), total: Number(count.n) };
}

export function findGroupById(db: D, id: number): Promise<GroupRow | undefined> {
  return db.selectFrom('identity_groups').selectAll().where('id', '=', id).executeTakeFirst();
}

export function findGroupByName(db: D, name: string): Promise<GroupRow | undefined> {
  return db.selectFrom('identity_groups').selectAll().where('name', '=', name).executeTakeFirst();
}

/** Groups matching any of the ids or names (for resolving references given by a client). */
export async function findGroupsByRefs(db: D, ids: number[], names: string[]): Promise<Pick<GroupRow, 'id' | 'name'>[]> {
  if (!ids.length && !names.length) return [];
  return db
    .selectFrom('identity_groups')
    .select(['id', 'name'])
    .where((eb) => eb.or([eb('id', 'in', ids.length ? ids : [-1]), eb('name', 'in', names.length ? names : [''])]))
    .execute();
}

export async function insertGroup(db: D, row: Omit<GroupRow, 'id'>): Promise<number> {
  return (
    await db
      .insertInto('identity_groups')
      .values(row as never)
      .returning('id')
      .executeTakeFirstOrThrow()
  ).id;
}

export async function updateGroup(db: D, id: number, patch: Partial<Pick<GroupRow, 'name' | 'description'>>): Promise<void> {
  await db.updateTable('identity_groups').set(patch).where('id', '=', id).execute();
}

export async function deleteGroup(db: D, id: number): Promise<void> {
  await db.deleteFrom('identity_group_members').where('group_id', '=', id).execute();
  await db.deleteFrom('identity_groups').where('id', '=', id).execute();
}

export async function memberIds(db: D, groupId: number): Promise<number[]> {
  const rows = await db.selectFrom('identity_group_members').select('user_id').where('group_id', '=', groupId).execute();
  return rows.map((r) => r.user_id);
}

export function members(db: D, groupId: number) {
  return db
    .selectFrom('identity_group_members as m')
    .innerJoin('identity_users as u', 'u.id', 'm.user_id')
    .select(['u.id', 'u.username', 'u.display_name'])
    .where('m.group_id', '=', groupId)
    .orderBy('u.username')
    .execute();
}

export async function addMembers(db: D, groupId: number, userIds: number[]): Promise<void> {
  if (!userIds.length) return;
  await db
    .insertInto('identity_group_members')
    .values(userIds.map((user_id) => ({ group_id: groupId, user_id })))
    .execute();
}

export async function removeMembers(db: D, groupId: number, userIds: number[]): Promise<number> {
  if (!userIds.length) return 0;
  const r = await db
    .deleteFrom('identity_group_members')
    .where('group_id', '=', groupId)
    .where('user_id', 'in', userIds)
    .executeTakeFirst();
  return Number(r.numDeletedRows);
}
