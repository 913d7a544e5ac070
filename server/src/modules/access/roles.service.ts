import type { AppContext } from '../../core/context.js';
import { isUniqueViolation, type Db } from '../../core/db/db.js';
import type { AuditActor, AuditService } from '../audit/index.js';
import * as repo from './access.repo.js';
import { RoleBuiltin, RoleNameTaken, RoleNotFound, UnknownPermission } from './access.errors.js';
import { toRole, type AccessTables, type Role } from './access.types.js';

/** Built-in roles (seed 004), refreshed at every start so upgrades can widen them. */
export const BUILTIN_ROLES = [
  { name: 'super-admin', displayName: 'Super administrator / 超级管理员', description: 'Everything, everywhere.', permissions: ['*'] },
  {
    name: 'project-admin',
    displayName: 'Project administrator / 项目管理员',
    description: 'Manages access and work inside the projects it is granted on.',
    permissions: [
      'access.grants.read',
      'access.grants.manage',
      'identity.users.read',
      'jenkins.*',
      'automation.*',
      'approvals.*',
      'tickets.*',
      'releases.*',
    ],
  },
  // The seed's per-branch "can view / can build" pair, as two roles so one grant holds either.
  {
    name: 'jenkins-viewer',
    displayName: 'Branch viewer / 分支查看',
    description: 'Sees the Jenkins projects and branches it is granted on.',
    permissions: ['jenkins.view'],
  },
  {
    name: 'jenkins-builder',
    displayName: 'Branch builder / 分支构建',
    description: 'Sees and builds the Jenkins branches it is granted on.',
    permissions: ['jenkins.view', 'jenkins.build'],
  },
  {
    name: 'user',
    displayName: 'User / 普通用户',
    description: 'Signs in and uses what is granted to them on projects and branches.',
    permissions: [] as string[],
  },
];

export class RolesService {
  constructor(
    private readonly ctx: AppContext,
    private readonly audit: AuditService,
    private readonly changed: () => Promise<void>,
  ) {}

  private get db(): Db<AccessTables> {
    return this.ctx.db;
  }

  /** A code is valid when a module declared it, or it is a `module.*` wildcard, or '*'. */
  assertPermissions(codes: string[]): void {
    const bad = codes.filter((c) => c !== '*' && !this.ctx.permissions.has(c) && !/^[a-z][a-z0-9-]*\.\*$/.test(c));
    if (bad.length) throw new UnknownPermission({ codes: bad }, `Unknown permission code(s): ${bad.join(', ')}.`);
  }

  async seedBuiltins(): Promise<void> {
    const now = this.ctx.clock.now().toISOString();
    for (const r of BUILTIN_ROLES) {
      const existing = await repo.findRoleByName(this.db, r.name);
      const row = {
        display_name: r.displayName,
        description: r.description,
        permissions: JSON.stringify(r.permissions),
        builtin: 1,
        updated_at: now,
      };
      if (!existing) await repo.insertRole(this.db, { name: r.name, created_at: now, ...row });
      else if (existing.permissions !== row.permissions || existing.display_name !== row.display_name)
        await repo.updateRole(this.db, existing.id, row);
    }
  }

  async list(): Promise<Role[]> {
    return (await repo.listRoles(this.db)).map(toRole);
  }

  async create(
    actor: AuditActor,
    input: { name: string; displayName?: string; description?: string; permissions: string[] },
  ): Promise<Role> {
    this.assertPermissions(input.permissions);
    const now = this.ctx.clock.now().toISOString();
    const row = {
      name: input.name,
      display_name: input.displayName ?? input.name,
      description: input.description ?? '',
      permissions: JSON.stringify(input.permissions),
      builtin: 0,
      created_at: now,
      updated_at: now,
    };
    try {
      const id = await this.db.transaction().execute(async (trx) => {
        const id = await repo.insertRole(trx, row);
        await this.audit.record(trx, {
          actor,
          action: 'access.role.create',
          resourceType: 'role',
          resourceId: id,
          details: { name: input.name, permissions: input.permissions },
        });
        return id;
      });
      return toRole({ id, ...row });
    } catch (e) {
      if (isUniqueViolation(e)) throw new RoleNameTaken();
      throw e;
    }
  }

  async update(
    actor: AuditActor,
    id: number,
    patch: { displayName?: string; description?: string; permissions?: string[] },
  ): Promise<Role> {
    const role = await this.editable(id);
    if (patch.permissions) this.assertPermissions(patch.permissions);
    await this.db.transaction().execute(async (trx) => {
      await repo.updateRole(trx, id, {
        ...(patch.displayName !== undefined ? { display_name: patch.displayName } : {}),
        ...(patch.description !== undefined ? { description: patch.description } : {}),
        ...(patch.permissions ? { permissions: JSON.stringify(patch.permissions) } : {}),
        updated_at: this.ctx.clock.now().toISOString(),
      });
      await this.audit.record(trx, {
        actor,
        action: 'access.role.update',
        resourceType: 'role',
        resourceId: id,
        details: { name: role.name, ...patch },
      });
    });
    await this.changed();
    return toRole((await repo.findRoleById(this.db, id))!);
  }

  /** Deleting a role removes the grants of it (they would grant nothing): the audit names it. */
  async remove(actor: AuditActor, id: number): Promise<void> {
    const role = await this.editable(id);
    await this.db.transaction().execute(async (trx) => {
      await repo.deleteRole(trx, id);
      await this.audit.record(trx, {
        actor,
        action: 'access.role.delete',
        resourceType: 'role',
        resourceId: id,
        details: { name: role.name },
      });
    });
    await this.changed();
  }

  private async editable(id: number) {
    const role = await repo.findRoleById(this.db, id);
    if (!role) throw new RoleNotFound();
    if (role.builtin === 1) throw new RoleBuiltin();
    return role;
  }
}
