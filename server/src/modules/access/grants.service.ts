import type { AppContext } from '../../core/context.js';
import type { Db } from '../../core/db/db.js';
import { Forbidden } from '../../core/http/errors.js';
import { scopeAllows, type Resource } from '../../core/http/principal.js';
import type { AuditActor, AuditService } from '../audit/index.js';
import type { IdentityService } from '../identity/index.js';
import * as repo from './access.repo.js';
import { GrantExists, GrantNotFound, GrantShape, SubjectNotFound, UnknownRole } from './access.errors.js';
import type { AccessPolicy } from './access-policy.js';
import type { AccessTables, Grant, GrantRow, GrantSpec, Scope } from './access.types.js';
import { isExact, permissionCovers, validatePattern } from './patterns.js';
import type { RolesService } from './roles.service.js';

/** `scopes`: set when the caller is a scoped API token, which may manage grants only if scoped for it. */
export type GrantActor = AuditActor & { userId: number | null; scopes?: string[] };

/** The scope of a grant, asked as a resource: '*' parts are left out. */
const asResource = (s: Scope): Resource => ({
  ...(s.project !== '*' ? { project: s.project } : {}),
  ...(s.branch !== '*' ? { branch: s.branch } : {}),
  ...(s.environment !== '*' ? { environment: s.environment } : {}),
});

/** Creating and removing grants, with the rule that nobody grants more than they hold. */
export class GrantsService {
  constructor(
    private readonly ctx: AppContext,
    private readonly audit: AuditService,
    private readonly identity: IdentityService,
    private readonly policy: AccessPolicy,
    private readonly roles: RolesService,
    private readonly changed: () => Promise<void>,
  ) {}

  private get db(): Db<AccessTables> {
    return this.ctx.db;
  }

  normalize(spec: Partial<GrantSpec>): GrantSpec {
    const s = {
      project: spec.project || '*',
      branch: spec.branch || '*',
      environment: spec.environment || '*',
      role: spec.role,
      permission: spec.permission,
    };
    if (!s.role === !s.permission) throw new GrantShape();
    validatePattern('project', s.project);
    validatePattern('branch', s.branch);
    validatePattern('environment', s.environment);
    if (s.permission) this.roles.assertPermissions([s.permission]);
    return s;
  }

  /**
   * Project admins grant inside their projects: the actor needs access.grants.manage on the
   * grant's exact project (a pattern or '*' needs it globally), must hold every permission granted
   * on that scope, and global-only permissions only when they hold them globally. `null` actor =
   * the system (bootstrap, role assignment by an already-authorised admin route).
   */
  async authorize(
    actor: GrantActor,
    spec: GrantSpec,
    permissions: string[],
    attempt: { action: 'access.grant.create' | 'access.grant.delete'; grantId?: number } = { action: 'access.grant.create' },
  ): Promise<void> {
    if (actor.userId === null) return;
    const manageOn: Resource = isExact(spec.project) ? { project: spec.project } : {};
    const deny = async (reason: string) => {
      await this.audit.record(this.db, {
        actor,
        action: attempt.action,
        outcome: 'denied',
        ...(attempt.grantId ? { resourceType: 'grant', resourceId: attempt.grantId } : {}),
        project: isExact(spec.project) ? spec.project : null,
        details: { ...spec, reason },
      });
      return new Forbidden({ reason }, reason);
    };
    if (!scopeAllows(actor.scopes, 'access.grants.manage')) throw await deny('This API token is not scoped for access.grants.manage.');
    if (!(await this.policy.can(actor.userId, 'access.grants.manage', manageOn))) {
      throw await deny(
        isExact(spec.project)
          ? `You may not manage grants in project ${spec.project}.`
          : 'Only a global administrator may grant on every project or on a pattern.',
      );
    }
    const mine = await this.policy.grantsOf(actor.userId);
    const scope = asResource(spec);
    for (const code of permissions) {
      const def = this.ctx.permissions.get(code);
      const where = def && !def.scoped ? {} : scope;
      const held = mine.some(
        (g) =>
          permissionCovers(g.permissions, code) &&
          g.match.project(where.project) &&
          g.match.branch(where.branch) &&
          g.match.environment(where.environment),
      );
      if (!held)
        throw await deny(`You cannot grant ${code}: you do not hold it ${Object.keys(where).length ? 'on that scope' : 'globally'}.`);
    }
  }

  async permissionsOf(spec: GrantSpec, db: Db = this.db): Promise<{ roleId: number | null; permissions: string[] }> {
    if (spec.permission) return { roleId: null, permissions: [spec.permission] };
    const role = await repo.findRoleByName(db as Db<AccessTables>, spec.role!);
    if (!role) throw new UnknownRole({ role: spec.role }, `Unknown role: ${spec.role}.`);
    return { roleId: role.id, permissions: JSON.parse(role.permissions) as string[] };
  }

  async assertSubject(type: 'user' | 'group', id: number): Promise<void> {
    const ok = type === 'user' ? !!(await this.identity.getUser(id)) : await this.identity.groupExists(id);
    if (!ok) throw new SubjectNotFound({ subjectType: type, subjectId: id });
  }

  /** Insert one grant inside `trx` (no authorization: callers do it). Returns null when it existed. */
  async insert(
    trx: Db,
    actor: GrantActor,
    subjectType: 'user' | 'group',
    subjectId: number,
    spec: GrantSpec,
    roleId: number | null,
    templateId: number | null,
  ): Promise<number | null> {
    const row: Omit<GrantRow, 'id'> = {
      subject_type: subjectType,
      subject_id: subjectId,
      role_id: roleId,
      permission: spec.permission ?? null,
      project: spec.project,
      branch: spec.branch,
      environment: spec.environment,
      template_id: templateId,
      granted_by: actor.userId,
      granted_at: this.ctx.clock.now().toISOString(),
    };
    const db = trx as Db<AccessTables>;
    if (await repo.findSameGrant(db, row)) return null;
    const id = await repo.insertGrant(db, row);
    await this.audit.record(trx, {
      actor,
      action: 'access.grant.create',
      resourceType: 'grant',
      resourceId: id,
      project: isExact(spec.project) ? spec.project : null,
      details: { subjectType, subjectId, ...spec, templateId },
    });
    return id;
  }

  async create(actor: GrantActor, subjectType: 'user' | 'group', subjectId: number, raw: Partial<GrantSpec>): Promise<Grant> {
    const spec = this.normalize(raw);
    await this.assertSubject(subjectType, subjectId);
    const { roleId, permissions } = await this.permissionsOf(spec);
    await this.authorize(actor, spec, permissions);
    const id = await this.db.transaction().execute((trx) => this.insert(trx, actor, subjectType, subjectId, spec, roleId, null));
    if (id === null) throw new GrantExists();
    await this.changed();
    return (await this.list({ ids: [id] }, 1, 0)).items[0];
  }

  async remove(actor: GrantActor, id: number): Promise<void> {
    const g = await repo.findGrant(this.db, id);
    if (!g) throw new GrantNotFound();
    const spec: GrantSpec = { project: g.project, branch: g.branch, environment: g.environment, permission: g.permission ?? undefined };
    const roles = g.role_id ? await repo.findRoleById(this.db, g.role_id) : undefined;
    // A refused removal is audited as what was attempted (a delete), naming the grant.
    await this.authorize(actor, { ...spec, role: roles?.name }, roles ? (JSON.parse(roles.permissions) as string[]) : [g.permission!], {
      action: 'access.grant.delete',
      grantId: id,
    });
    await this.db.transaction().execute(async (trx) => {
      await repo.deleteGrant(trx, id);
      await this.audit.record(trx, {
        actor,
        action: 'access.grant.delete',
        resourceType: 'grant',
        resourceId: id,
        project: isExact(g.project) ? g.project : null,
        details: {
          subjectType: g.subject_type,
          subjectId: g.subject_id,
          role: roles?.name,
          permission: g.permission,
          project: g.project,
          branch: g.branch,
          environment: g.environment,
        },
      });
    });
    await this.changed();
  }

  async list(
    f: { subjectType?: 'user' | 'group'; subjectId?: number; project?: string; ids?: number[] },
    limit: number,
    offset: number,
  ): Promise<{ items: Grant[]; total: number }> {
    const { rows, total } = f.ids
      ? { rows: (await Promise.all(f.ids.map((id) => repo.findGrant(this.db, id)))).filter((r): r is GrantRow => !!r), total: f.ids.length }
      : await repo.listGrants(this.db, f, limit, offset);
    const roles = new Map((await repo.listRoles(this.db)).map((r) => [r.id, r.name]));
    const users = new Map(
      (await this.identity.getUsersByIds(rows.filter((r) => r.subject_type === 'user').map((r) => r.subject_id))).map((u) => [
        u.id,
        u.username,
      ]),
    );
    const groups = new Map(
      (await this.identity.getGroupsByIds(rows.filter((r) => r.subject_type === 'group').map((r) => r.subject_id))).map((g) => [
        g.id,
        g.name,
      ]),
    );
    const items = rows.map((r) => ({
      id: r.id,
      subjectType: r.subject_type,
      subjectId: r.subject_id,
      subjectName: (r.subject_type === 'user' ? users.get(r.subject_id) : groups.get(r.subject_id)) ?? null,
      role: r.role_id !== null ? (roles.get(r.role_id) ?? null) : null,
      permission: r.permission,
      project: r.project,
      branch: r.branch,
      environment: r.environment,
      templateId: r.template_id,
      grantedBy: r.granted_by,
      grantedAt: r.granted_at,
    }));
    return { items, total };
  }
}
