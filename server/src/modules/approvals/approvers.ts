import type { Db } from '../../core/db/db.js';
import { matchPattern } from './approvals-patterns.js';
import type { ApproverSpec } from './approvals.types.js';
import * as repo from './policies.repo.js';

/** Names a spec lists that do not exist, per kind (empty lists when all exist). */
export async function unknownApprovers(db: Db, spec: ApproverSpec): Promise<{ users: string[]; groups: string[]; roles: string[] }> {
  const users = spec.users ?? [];
  const groups = spec.groups ?? [];
  const roles = spec.roles ?? [];
  const [u, g, r] = await Promise.all([repo.usersByNames(db, users), repo.groupsByNames(db, groups), repo.rolesByNames(db, roles)]);
  const has = (rows: Array<{ username?: string; name?: string }>, n: string) => rows.some((x) => (x.username ?? x.name) === n);
  return {
    users: users.filter((n) => !has(u, n)),
    groups: groups.filter((n) => !has(g, n)),
    roles: roles.filter((n) => !has(r, n)),
  };
}

/**
 * The user ids a level's approvers stand for on one project/environment: named users, members of
 * named groups, and holders of named roles whose grant covers the request's project and
 * environment (directly or through a group). Disabled accounts are left out. The result is frozen
 * on the request, so later membership changes do not move a running request.
 */
export async function expandApprovers(db: Db, spec: ApproverSpec, scope: { project: string; environment: string }): Promise<number[]> {
  const ids = new Set<number>();
  for (const u of await repo.usersByNames(db, spec.users ?? [])) ids.add(Number(u.id));
  const groups = await repo.groupsByNames(db, spec.groups ?? []);
  for (const id of await repo.groupMembers(
    db,
    groups.map((g) => Number(g.id)),
  ))
    ids.add(id);
  const roles = await repo.rolesByNames(db, spec.roles ?? []);
  const grants = await repo.roleGrants(
    db,
    roles.map((r) => Number(r.id)),
  );
  const covering = grants.filter((g) => matchPattern(g.project)(scope.project) && matchPattern(g.environment)(scope.environment));
  for (const g of covering) if (g.subject_type === 'user') ids.add(Number(g.subject_id));
  const viaGroups = covering.filter((g) => g.subject_type === 'group').map((g) => Number(g.subject_id));
  for (const id of await repo.groupMembers(db, viaGroups)) ids.add(id);
  const active = await repo.activeUserIds(db, [...ids]);
  return active.sort((a, b) => a - b);
}
