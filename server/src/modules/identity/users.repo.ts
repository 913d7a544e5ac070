import type { Db } from '../../core/db/db.js';
import type { IdentityTables, UserRow } from './identity.types.js';

type D = Db<IdentityTables>;

export function findUserById(db: D, id: number): Promise<UserRow | undefined> {
  return db.selectFrom('identity_users').selectAll().where('id', '=', id).executeTakeFirst();
}

export function findUserByUsername(db: D, username: string): Promise<UserRow | undefined> {
  return db.selectFrom('identity_users').selectAll().where('username', '=', username.toLowerCase()).executeTakeFirst();
}

export function findUsersByIds(db: D, ids: number[]): Promise<UserRow[]> {
  if (!ids.length) return Promise.resolve([]);
  return db.selectFrom('identity_users').selectAll().where('id', 'in', ids).execute();
}

export async function insertUser(db: D, row: Omit<UserRow, 'id'>): Promise<number> {
  return (
    await db
      .insertInto('identity_users')
      .values(row as never)
      .returning('id')
      .executeTakeFirstOrThrow()
  ).id;
}

export async function updateUser(db: D, id: number, patch: Partial<Omit<UserRow, 'id'>>): Promise<void> {
  await db.updateTable('identity_users').set(patch).where('id', '=', id).execute();
}

export async function countUsers(db: D): Promise<number> {
  const r = await db
    .selectFrom('identity_users')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirstOrThrow();
  return Number(r.n);
}

export async function groupIdsOfUser(db: D, userId: number): Promise<number[]> {
  const rows = await db.selectFrom('identity_group_members').select('group_id').where('user_id', '=', userId).execute();
  return rows.map((r) => r.group_id);
}
