import { sql, type SelectQueryBuilder } from 'kysely';
import type { Db } from '../../core/db/db.js';
import { likeContains } from '../../core/http/pagination.js';
import type { IdentityTables, UserRow, UserStatus } from './identity.types.js';

type D = Db<IdentityTables>;

export interface UserListFilter {
  q?: string;
  status?: UserStatus;
  /** Restrict to these ids (the role and project filters resolve to ids first). */
  ids?: number[];
  /** The current time as an ISO string: an automatic lockout counts as "locked" until then. */
  now: string;
}

function applyFilter<O>(qb: SelectQueryBuilder<IdentityTables, 'identity_users', O>, f: UserListFilter) {
  if (f.q) {
    // Wildcards in q are escaped, so "%" or "_" match literally; lower() makes PostgreSQL match
    // case-insensitively like SQLite does.
    const p = likeContains(f.q.toLowerCase());
    qb = qb.where(
      sql<boolean>`(lower(username) like ${p} escape '\\' or lower(display_name) like ${p} escape '\\' or lower(coalesce(email, '')) like ${p} escape '\\')`,
    );
  }
  if (f.ids) qb = qb.where('id', 'in', f.ids.length ? f.ids : [-1]);
  if (f.status === 'disabled') qb = qb.where('status', '=', 'disabled');
  if (f.status === 'locked') {
    qb = qb.where((eb) => eb.or([eb('status', '=', 'locked'), eb.and([eb('status', '=', 'active'), eb('locked_until', '>', f.now)])]));
  }
  if (f.status === 'active') {
    qb = qb.where('status', '=', 'active').where((eb) => eb.or([eb('locked_until', 'is', null), eb('locked_until', '<=', f.now)]));
  }
  return qb;
}

export async function listUsers(db: D, f: UserListFilter, limit: number, offset: number): Promise<{ rows: UserRow[]; total: number }> {
  const base = db.selectFrom('identity_users');
  const count = await applyFilter(
    base.select((eb) => eb.fn.countAll<number>().as('n')),
    f,
  ).executeTakeFirstOrThrow();
  const rows = await applyFilter(base.selectAll(), f).orderBy('username').limit(limit).offset(offset).execute();
  return { rows, total: Number(count.n) };
}

export function findUsersByUsernames(db: D, usernames: string[]): Promise<Pick<UserRow, 'id' | 'username'>[]> {
  if (!usernames.length) return Promise.resolve([]);
  return db.selectFrom('identity_users').select(['id', 'username']).where('username', 'in', usernames).execute();
}

export async function existingUserIds(db: D, ids: number[]): Promise<number[]> {
  if (!ids.length) return [];
  return (await db.selectFrom('identity_users').select('id').where('id', 'in', ids).execute()).map((r) => r.id);
}

/** Groups per user, for lists and exports. */
export async function groupsOfUsers(db: D, userIds: number[]): Promise<Map<number, { id: number; name: string }[]>> {
  const out = new Map<number, { id: number; name: string }[]>();
  if (!userIds.length) return out;
  const rows = await db
    .selectFrom('identity_group_members as m')
    .innerJoin('identity_groups as g', 'g.id', 'm.group_id')
    .select(['m.user_id', 'g.id', 'g.name'])
    .where('m.user_id', 'in', userIds)
    .orderBy('g.name')
    .execute();
  for (const r of rows) {
    const list = out.get(r.user_id) ?? [];
    list.push({ id: r.id, name: r.name });
    out.set(r.user_id, list);
  }
  return out;
}

/** Replace a user's group memberships; returns whether anything changed. */
export async function setGroupsOfUser(db: D, userId: number, groupIds: number[]): Promise<boolean> {
  const before = (await db.selectFrom('identity_group_members').select('group_id').where('user_id', '=', userId).execute()).map(
    (r) => r.group_id,
  );
  const want = new Set(groupIds);
  const drop = before.filter((g) => !want.has(g));
  const add = [...want].filter((g) => !before.includes(g));
  if (drop.length) await db.deleteFrom('identity_group_members').where('user_id', '=', userId).where('group_id', 'in', drop).execute();
  if (add.length)
    await db
      .insertInto('identity_group_members')
      .values(add.map((group_id) => ({ group_id, user_id: userId })))
      .execute();
  return drop.length + add.length > 0;
}

/**
 * End every open session of a user (disable, lock, admin reset). Kept here until the session
 * repository's revokeAllSessions is available to this half of identity.
 */
export async function revokeSessionsOf(db: D, userId: number, reason: string, now: string): Promise<number> {
  const r = await db
    .updateTable('identity_sessions')
    .set({ revoked_at: now, revoked_reason: reason })
    .where('user_id', '=', userId)
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
  return Number(r.numUpdatedRows);
}

export async function deleteUser(db: D, id: number): Promise<void> {
  // Memberships, sessions, tokens and recovery codes follow by ON DELETE CASCADE; deleted
  // explicitly as well so the outcome does not depend on SQLite's foreign_keys pragma.
  await db.deleteFrom('identity_group_members').where('user_id', '=', id).execute();
  await db.deleteFrom('identity_sessions').where('user_id', '=', id).execute();
  await db.deleteFrom('identity_api_tokens').where('user_id', '=', id).execute();
  await db.deleteFrom('identity_recovery_codes').where('user_id', '=', id).execute();
  await db.deleteFrom('identity_users').where('id', '=', id).execute();
}
