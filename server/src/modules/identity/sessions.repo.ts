import type { Db } from '../../core/db/db.js';
import type { IdentityTables, SessionRow, ApiTokenRow, UserRow } from './identity.types.js';

type D = Db<IdentityTables>;

export async function insertSession(db: D, row: Omit<SessionRow, 'id'>): Promise<number> {
  return (
    await db
      .insertInto('identity_sessions')
      .values(row as never)
      .returning('id')
      .executeTakeFirstOrThrow()
  ).id;
}

export function findSessionById(db: D, id: number): Promise<SessionRow | undefined> {
  return db.selectFrom('identity_sessions').selectAll().where('id', '=', id).executeTakeFirst();
}

/** What every signed-in request checks: its session and that session's user, in one read. */
export interface SessionWithUser {
  session: Pick<SessionRow, 'id' | 'user_id' | 'expires_at' | 'revoked_at'>;
  user: UserRow;
}

export async function findSessionWithUser(db: D, id: number): Promise<SessionWithUser | undefined> {
  const r = await db
    .selectFrom('identity_sessions as s')
    .innerJoin('identity_users as u', 'u.id', 's.user_id')
    .selectAll('u')
    .select(['s.id as s_id', 's.user_id as s_user_id', 's.expires_at as s_expires_at', 's.revoked_at as s_revoked_at'])
    .where('s.id', '=', id)
    .executeTakeFirst();
  if (!r) return undefined;
  const { s_id, s_user_id, s_expires_at, s_revoked_at, ...user } = r;
  return { session: { id: s_id, user_id: s_user_id, expires_at: s_expires_at, revoked_at: s_revoked_at }, user: user as UserRow };
}

export function findSessionByRefresh(db: D, hash: string): Promise<SessionRow | undefined> {
  return db.selectFrom('identity_sessions').selectAll().where('refresh_hash', '=', hash).executeTakeFirst();
}

/** A session whose previous (already rotated) refresh token matches: a replay. */
export function findSessionByPreviousRefresh(db: D, hash: string): Promise<SessionRow | undefined> {
  return db.selectFrom('identity_sessions').selectAll().where('previous_refresh_hash', '=', hash).executeTakeFirst();
}

/** Swap the refresh token only if it is still the one presented (two refreshes racing: one wins). */
export async function rotateRefresh(db: D, id: number, oldHash: string, newHash: string, at: string, expiresAt: string): Promise<boolean> {
  const r = await db
    .updateTable('identity_sessions')
    .set({ refresh_hash: newHash, previous_refresh_hash: oldHash, refreshed_at: at, expires_at: expiresAt })
    .where('id', '=', id)
    .where('refresh_hash', '=', oldHash)
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

export async function revokeSession(db: D, id: number, reason: string, at: string): Promise<void> {
  await db
    .updateTable('identity_sessions')
    .set({ revoked_at: at, revoked_reason: reason })
    .where('id', '=', id)
    .where('revoked_at', 'is', null)
    .execute();
}

/** Revoke every open session of a user (logout everywhere, password change, disable, reset). */
export async function revokeAllSessions(
  db: D,
  userId: number,
  reason: string,
  at: string = new Date().toISOString(),
  exceptId?: number,
): Promise<number> {
  let q = db
    .updateTable('identity_sessions')
    .set({ revoked_at: at, revoked_reason: reason })
    .where('user_id', '=', userId)
    .where('revoked_at', 'is', null);
  if (exceptId !== undefined) q = q.where('id', '!=', exceptId);
  return Number((await q.executeTakeFirst()).numUpdatedRows);
}

export function listOpenSessions(db: D, userId: number, now: string): Promise<SessionRow[]> {
  return db
    .selectFrom('identity_sessions')
    .selectAll()
    .where('user_id', '=', userId)
    .where('revoked_at', 'is', null)
    .where('expires_at', '>', now)
    .orderBy('refreshed_at', 'desc')
    .execute();
}

export async function pruneSessions(db: D, before: string): Promise<number> {
  const r = await db
    .deleteFrom('identity_sessions')
    .where((eb) => eb.or([eb('revoked_at', '<', before), eb('expires_at', '<', before)]))
    .executeTakeFirst();
  return Number(r.numDeletedRows);
}

export async function insertApiToken(db: D, row: Omit<ApiTokenRow, 'id'>): Promise<number> {
  return (
    await db
      .insertInto('identity_api_tokens')
      .values(row as never)
      .returning('id')
      .executeTakeFirstOrThrow()
  ).id;
}

export function findApiTokenByHash(db: D, hash: string): Promise<ApiTokenRow | undefined> {
  return db.selectFrom('identity_api_tokens').selectAll().where('token_hash', '=', hash).executeTakeFirst();
}

export function listApiTokens(db: D, userId: number): Promise<ApiTokenRow[]> {
  return db
    .selectFrom('identity_api_tokens')
    .selectAll()
    .where('user_id', '=', userId)
    .where('revoked_at', 'is', null)
    .orderBy('id', 'desc')
    .execute();
}

export async function revokeApiToken(db: D, userId: number, id: number, at: string): Promise<boolean> {
  const r = await db
    .updateTable('identity_api_tokens')
    .set({ revoked_at: at })
    .where('id', '=', id)
    .where('user_id', '=', userId)
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

export async function touchApiToken(db: D, id: number, at: string): Promise<void> {
  await db.updateTable('identity_api_tokens').set({ last_used_at: at }).where('id', '=', id).execute();
}
