import type { Kysely } from 'kysely';
import { scopeAllows } from '../../core/http/principal.js';
import { scopeMatches, type AccessModule } from '../access/index.js';
import type { ApprovalsTables, RequestRow } from './approvals.types.js';
import type { ListQuery } from './approvals.repo.js';

export const VIEW = 'approvals.view';

export interface Viewer {
  userId: number;
  scopes?: string[];
}

/**
 * Which requests a user may list: everything with a global approvals.view, else the (project,
 * environment) pairs their grants cover — decided in memory from compiled grants, then handed to
 * SQL as plain pairs — plus the requests they take part in (approver or requester).
 */
export async function visibleScope(
  access: AccessModule,
  v: Viewer,
  pairs: () => Promise<Array<[string, string]>>,
): Promise<ListQuery['visible']> {
  const grants = scopeAllows(v.scopes, VIEW) ? await access.service.policy.grantsFor(v.userId, VIEW) : [];
  if (grants.some((g) => scopeMatches(g, {}))) return { all: true };
  const covered = grants.length
    ? (await pairs()).filter(([project, environment]) => grants.some((g) => scopeMatches(g, { project, environment })))
    : [];
  return { all: false, pairs: covered, userId: v.userId };
}

/** May this user see this one request? */
export async function canSee(access: AccessModule, db: Kysely<ApprovalsTables>, v: Viewer, row: RequestRow): Promise<boolean> {
  if (row.requested_by === v.userId) return true;
  if (
    scopeAllows(v.scopes, VIEW) &&
    (await access.service.policy.can(v.userId, VIEW, { project: row.project, environment: row.environment }))
  )
    return true;
  const hit = await db
    .selectFrom('approvals_approvers')
    .select('user_id')
    .where('request_id', '=', row.id)
    .where('user_id', '=', v.userId)
    .executeTakeFirst();
  return !!hit;
}
