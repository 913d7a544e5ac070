import { sql, type SqlBool } from 'kysely';
import type { Db } from '../../core/db/db.js';
import type { ApprovalsTables, ApprovalStatus, ApproverRow, HistoryRow, RequestRow, VoteRow } from './approvals.types.js';

type D = Db<ApprovalsTables>;

export async function insertRequest(db: D, row: Omit<RequestRow, 'id'>): Promise<number> {
  const r = await db
    .insertInto('approvals_requests')
    .values(row as never)
    .returning('id')
    .executeTakeFirstOrThrow();
  return Number(r.id);
}

export function findRequest(db: D, id: number): Promise<RequestRow | undefined> {
  return db.selectFrom('approvals_requests').selectAll().where('id', '=', id).executeTakeFirst();
}

export function findByDedupeKey(db: D, key: string): Promise<RequestRow | undefined> {
  return db.selectFrom('approvals_requests').selectAll().where('dedupe_key', '=', key).executeTakeFirst();
}

export async function updateRequest(db: D, id: number, patch: Partial<Omit<RequestRow, 'id'>>): Promise<void> {
  await db
    .updateTable('approvals_requests')
    .set(patch as never)
    .where('id', '=', id)
    .execute();
}

/** Compare-and-set on updated_at: false when someone else changed the row first. */
export async function updateRequestIf(db: D, id: number, updatedAt: string, patch: Partial<Omit<RequestRow, 'id'>>): Promise<boolean> {
  const r = await db
    .updateTable('approvals_requests')
    .set(patch as never)
    .where('id', '=', id)
    .where('updated_at', '=', updatedAt)
    .executeTakeFirst();
  return Number(r.numUpdatedRows) > 0;
}

export async function insertApprovers(db: D, rows: ApproverRow[]): Promise<void> {
  if (rows.length)
    await db
      .insertInto('approvals_approvers')
      .values(rows as never)
      .execute();
}

export async function approversOf(db: D, requestId: number): Promise<ApproverRow[]> {
  const rows = await db
    .selectFrom('approvals_approvers')
    .selectAll()
    .where('request_id', '=', requestId)
    .orderBy('level')
    .orderBy('user_id')
    .execute();
  return rows.map((r) => ({ request_id: Number(r.request_id), level: Number(r.level), user_id: Number(r.user_id) }));
}

export async function votesOf(db: D, requestId: number): Promise<VoteRow[]> {
  const rows = await db.selectFrom('approvals_votes').selectAll().where('request_id', '=', requestId).orderBy('id').execute();
  return rows.map((r) => ({ ...r, level: Number(r.level), user_id: Number(r.user_id) }));
}

export async function insertVote(db: D, row: Omit<VoteRow, 'id'>): Promise<void> {
  await db
    .insertInto('approvals_votes')
    .values(row as never)
    .execute();
}

export async function updateVote(db: D, id: number, patch: Pick<VoteRow, 'decision' | 'comment' | 'via' | 'at'>): Promise<void> {
  await db.updateTable('approvals_votes').set(patch).where('id', '=', id).execute();
}

export async function insertHistory(db: D, row: Omit<HistoryRow, 'id'>): Promise<void> {
  await db
    .insertInto('approvals_history')
    .values(row as never)
    .execute();
}

export function historyOf(db: D, requestId: number): Promise<HistoryRow[]> {
  return db.selectFrom('approvals_history').selectAll().where('request_id', '=', requestId).orderBy('id').execute();
}

export async function usernames(db: D, ids: number[]): Promise<Map<number, { username: string; displayName: string }>> {
  const unique = [...new Set(ids)];
  if (!unique.length) return new Map();
  const rows = await db.selectFrom('identity_users').select(['id', 'username', 'display_name']).where('id', 'in', unique).execute();
  return new Map(rows.map((r) => [Number(r.id), { username: r.username, displayName: r.display_name }]));
}

export interface ListQuery {
  status?: ApprovalStatus;
  project?: string;
  environment?: string;
  pendingFor?: number;
  /** Visibility: all, or these (project, environment) pairs plus requests the user takes part in. */
  visible?: { all: true } | { all: false; pairs: Array<[string, string]>; userId: number };
  limit: number;
  offset: number;
}

/** A user's part in a request: approver of any level, or requester. */
const involves = (userId: number) =>
  sql<SqlBool>`(r.requested_by = ${userId} or exists (select 1 from approvals_approvers a where a.request_id = r.id and a.user_id = ${userId}))`;

/** Pending at its current level for this user, who has not voted there yet. */
const pendingFor = (userId: number) => sql<SqlBool>`(r.status = 'pending'
  and exists (select 1 from approvals_approvers a where a.request_id = r.id and a.level = r.current_level and a.user_id = ${userId})
  and not exists (select 1 from approvals_votes v where v.request_id = r.id and v.level = r.current_level and v.user_id = ${userId})
  and (r.allow_self_approval = 1 or r.requested_by is null or r.requested_by <> ${userId}))`;

export async function listRequests(db: D, q: ListQuery): Promise<{ rows: RequestRow[]; total: number }> {
  let base = db.selectFrom('approvals_requests as r');
  if (q.status) base = base.where('r.status', '=', q.status);
  if (q.project) base = base.where('r.project', '=', q.project);
  if (q.environment) base = base.where('r.environment', '=', q.environment);
  if (q.pendingFor !== undefined) base = base.where(pendingFor(q.pendingFor));
  const v = q.visible;
  if (v && !v.all) {
    base = base.where((eb) =>
      eb.or([...v.pairs.map(([p, e]) => eb.and([eb('r.project', '=', p), eb('r.environment', '=', e)])), involves(v.userId)]),
    );
  }
  const total = await base.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
  const rows = await base.selectAll('r').orderBy('r.id', 'desc').limit(q.limit).offset(q.offset).execute();
  return { rows: rows as RequestRow[], total: Number(total.n) };
}

export async function scopePairs(db: D): Promise<Array<[string, string]>> {
  const rows = await db.selectFrom('approvals_requests').select(['project', 'environment']).distinct().execute();
  return rows.map((r) => [r.project, r.environment]);
}

export async function countByStatus(db: D): Promise<Map<string, number>> {
  const rows = await db
    .selectFrom('approvals_requests')
    .select(['status', (eb) => eb.fn.countAll<number>().as('n')])
    .groupBy('status')
    .execute();
  return new Map(rows.map((r) => [r.status, Number(r.n)]));
}

export async function pendingIds(db: D): Promise<number[]> {
  const rows = await db.selectFrom('approvals_requests').select('id').where('status', '=', 'pending').execute();
  return rows.map((r) => Number(r.id));
}

export async function followUpPendingIds(db: D): Promise<number[]> {
  const rows = await db.selectFrom('approvals_requests').select('id').where('follow_up', 'in', ['pending', 'running']).execute();
  return rows.map((r) => Number(r.id));
}
