import type { Db } from '../../core/db/db.js';
import type { IdentityService, UserAccessProvider } from '../identity/index.js';
import * as repo from './access.repo.js';
import { UnknownRole } from './access.errors.js';
import type { AccessTables } from './access.types.js';
import type { GrantsService } from './grants.service.js';
import type { AuditService } from '../audit/index.js';

const key = (role: string, project: string) => `${role}@${project}`;
const roleGrantsOf = (db: Db<AccessTables>, userId: number) =>
  db
    .selectFrom('access_grants')
    .selectAll()
    .where('subject_type', '=', 'user')
    .where('subject_id', '=', userId)
    .where('role_id', 'is not', null)
    .where('branch', '=', '*')
    .where('environment', '=', '*')
    .execute();

/** What identity asks of access (roles at user creation, role columns in lists and exports). */
export function createUserAccessProvider(
  db: Db<AccessTables>,
  identity: IdentityService,
  grants: GrantsService,
  changed: () => Promise<void>,
  audit: AuditService,
): UserAccessProvider & { usersWithGrantOn(project: string): Promise<number[]> } {
  return {
    async assignRoles(trx, userId, roles, actor) {
      for (const r of roles) {
        const spec = typeof r === 'string' ? { role: r, project: '*' } : { role: r.role, project: r.project ?? '*' };
        const full = grants.normalize({ ...spec, branch: '*', environment: '*' });
        // Only the caller's transaction may be used here (SQLite has one connection); the
        // authorisation was done by assertRolesExist before the transaction opened.
        const { roleId } = await grants.permissionsOf(full, trx);
        await grants.insert(trx, actor, 'user', userId, full, roleId, null);
      }
      await changed();
    },
    async rolesOf(userIds) {
      const rows = await repo.grantsOfUsers(db, userIds);
      const roles = new Map((await repo.listRoles(db)).map((r) => [r.id, r.name]));
      const out = new Map<number, string[]>();
      for (const g of rows) {
        if (g.role_id === null) continue;
        const name = roles.get(g.role_id)!;
        const label = g.project === '*' ? name : `${name}@${g.project}`;
        const list = out.get(g.subject_id) ?? [];
        if (!list.includes(label)) list.push(label);
        out.set(g.subject_id, list);
      }
      return out;
    },
    async usersWithRole(role) {
      const r = await repo.findRoleByName(db, role);
      if (!r) return [];
      const rows = await db.selectFrom('access_grants').select(['subject_type', 'subject_id']).where('role_id', '=', r.id).execute();
      const ids = new Set(rows.filter((x) => x.subject_type === 'user').map((x) => x.subject_id));
      return [...ids];
    },
    async usersWithGrantOn(project) {
      const rows = await db
        .selectFrom('access_grants')
        .select('subject_id')
        .where('subject_type', '=', 'user')
        .where('project', '=', project)
        .execute();
      return [...new Set(rows.map((r) => r.subject_id))];
    },
    async grantsSummaryOf(userIds) {
      const rows = await repo.grantsOfUsers(db, userIds);
      const roles = new Map((await repo.listRoles(db)).map((r) => [r.id, r.name]));
      const out = new Map<number, string[]>();
      for (const g of rows) {
        const what = g.role_id !== null ? roles.get(g.role_id) : g.permission;
        const line = `${g.project}/${g.branch}${g.environment !== '*' ? `@${g.environment}` : ''} (${what})`;
        out.set(g.subject_id, [...(out.get(g.subject_id) ?? []), line]);
      }
      return out;
    },
    async replaceRoles(trx, userId, roles, actor) {
      const want = new Set(roles.map((r) => key(typeof r === 'string' ? r : r.role, typeof r === 'string' ? '*' : (r.project ?? '*'))));
      const tdb = trx as Db<AccessTables>;
      const names = new Map((await repo.listRoles(tdb)).map((r) => [r.id, r.name]));
      for (const g of await roleGrantsOf(tdb, userId)) {
        if (want.has(key(names.get(g.role_id!)!, g.project))) continue;
        await repo.deleteGrant(tdb, g.id);
        await audit.record(trx, {
          actor,
          action: 'access.grant.delete',
          resourceType: 'grant',
          resourceId: g.id,
          details: { subjectType: 'user', subjectId: userId, role: names.get(g.role_id!), project: g.project },
        });
      }
      await this.assignRoles(trx, userId, roles, actor);
    },
    async assertRolesExist(roles, actor, replacingFor) {
      const names = roles.map((r) => (typeof r === 'string' ? r : r.role));
      const known = new Set((await repo.listRoles(db)).map((r) => r.name));
      const bad = names.filter((n) => !known.has(n));
      if (bad.length) throw new UnknownRole({ roles: bad }, `Unknown role(s): ${bad.join(', ')}.`);
      if (!actor) return;
      // An administrator creating or editing an account cannot hand out, or take away, more than they hold.
      const lost: Array<{ role: string; project: string }> = [];
      if (replacingFor !== undefined) {
        const want = new Set(roles.map((r) => key(typeof r === 'string' ? r : r.role, typeof r === 'string' ? '*' : (r.project ?? '*'))));
        const names = new Map((await repo.listRoles(db)).map((r) => [r.id, r.name]));
        for (const g of await roleGrantsOf(db, replacingFor)) {
          if (!want.has(key(names.get(g.role_id!)!, g.project))) lost.push({ role: names.get(g.role_id!)!, project: g.project });
        }
      }
      for (const r of [...roles, ...lost]) {
        const full = grants.normalize({
          role: typeof r === 'string' ? r : r.role,
          project: typeof r === 'string' ? '*' : (r.project ?? '*'),
        });
        await grants.authorize(actor, full, (await grants.permissionsOf(full)).permissions);
      }
    },
  };
}
