import type { Db } from '../../core/db/db.js';
import { createError } from '../../core/http/errors.js';
import { pageOffset } from '../../core/http/pagination.js';
import { assertStrongPassword, generateTemporaryPassword, hashPassword, isUniqueViolation } from './admin-passwords.js';
import { MEMBERSHIP_CHANGED, resolveGroupRefs } from './groups.service.js';
import { CannotModifySelf, UserNotFound, UsernameTaken } from './identity.errors.js';
import type { UserAccessProvider } from './identity.service.js';
import type { IdentityTables, UserRow } from './identity.types.js';
import * as users from './users.repo.js';
import * as repo from './users-admin.repo.js';
import { FilterUnavailable } from './users-admin.errors.js';
import {
  newUserRow,
  toAdminUser,
  type Actor,
  type AdminUser,
  type GroupRef,
  type RoleRef,
  type UserQuery,
  type UsersAdminDeps,
} from './users-admin.types.js';

const UserDisabled = createError('USER_DISABLED', 409, 'The account is disabled; enable it first.');

export interface CreateUserInput {
  username: string;
  password: string;
  displayName?: string;
  email?: string | null;
  roles?: RoleRef[];
  groups?: GroupRef[];
  mustChangePassword?: boolean;
}

export interface UpdateUserInput {
  displayName?: string;
  email?: string | null;
  locale?: string | null;
  roles?: RoleRef[];
  groups?: GroupRef[];
}

export type StatusAction = 'disable' | 'enable' | 'lock' | 'unlock';

/** The project filter needs a lookup access may offer beyond the base provider. */
type ProjectLookup = { usersWithGrantOn?: (project: string) => Promise<number[]> };

/** Creating, finding and changing accounts on behalf of an administrator. */
export class UsersAdminService {
  readonly db: Db<IdentityTables>;

  constructor(readonly deps: UsersAdminDeps) {
    this.db = deps.ctx.db;
  }

  get access(): UserAccessProvider {
    return this.deps.identity.access();
  }

  now(): Date {
    return this.deps.ctx.clock.now();
  }

  security() {
    return this.deps.ctx.config.get().security;
  }

  async list(q: UserQuery, page: number, pageSize: number) {
    const { limit, offset } = pageOffset({ page, pageSize });
    const { rows, total } = await this.findRows(q, limit, offset);
    return { items: await this.decorate(rows), total, page, pageSize };
  }

  /** The rows matching a filter; role and project narrow to ids that access reports. */
  async findRows(q: UserQuery, limit: number, offset: number) {
    let ids: number[] | undefined;
    if (q.role) ids = await this.access.usersWithRole(q.role);
    if (q.project) {
      const lookup = (this.access as UserAccessProvider & ProjectLookup).usersWithGrantOn;
      if (!lookup) throw new FilterUnavailable({ filter: 'project' }, 'Filtering by project is not available in this version.');
      const onProject = await lookup.call(this.access, q.project);
      ids = ids ? ids.filter((i) => onProject.includes(i)) : onProject;
    }
    return repo.listUsers(this.db, { q: q.q, status: q.status, ids, now: this.now().toISOString() }, limit, offset);
  }

  async decorate(rows: UserRow[]): Promise<AdminUser[]> {
    const ids = rows.map((r) => r.id);
    const [roles, groups] = await Promise.all([this.access.rolesOf(ids), repo.groupsOfUsers(this.db, ids)]);
    const now = this.now();
    return rows.map((r) => toAdminUser(r, now, roles.get(r.id) ?? [], groups.get(r.id) ?? []));
  }

  async get(id: number): Promise<AdminUser> {
    return (await this.decorate([await this.row(id)]))[0];
  }

  async create(input: CreateUserInput, actor: Actor): Promise<AdminUser> {
    const username = input.username.toLowerCase();
    assertStrongPassword(input.password, username);
    if (await users.findUserByUsername(this.db, username)) throw new UsernameTaken();
    if (input.roles?.length) await this.access.assertRolesExist(input.roles, actor);
    const groupIds = input.groups?.length ? await resolveGroupRefs(this.db, input.groups) : [];
    const passwordHash = await hashPassword(input.password, this.security().bcryptCost);
    const mustChangePassword = input.mustChangePassword ?? true;
    const id = await this.write(async (trx) => {
      const row = newUserRow(
        { ...input, username, passwordHash, mustChangePassword, createdBy: actor.userId },
        this.now(),
        this.security().passwordMaxAgeDays,
      );
      const id = await users.insertUser(trx, row);
      if (input.roles?.length) await this.access.assignRoles(trx, id, input.roles, actor);
      if (groupIds.length) await repo.setGroupsOfUser(trx, id, groupIds);
      await this.audit(trx, actor, 'identity.user.create', id, {
        username,
        displayName: row.display_name,
        email: row.email,
        roles: input.roles ?? [],
        groups: groupIds,
        mustChangePassword,
      });
      return id;
    });
    if (groupIds.length) await this.membershipChanged([id]);
    return this.get(id);
  }

  async update(id: number, input: UpdateUserInput, actor: Actor): Promise<AdminUser> {
    const before = await this.row(id);
    if (input.roles) await this.access.assertRolesExist(input.roles, actor, id);
    const groupIds = input.groups ? await resolveGroupRefs(this.db, input.groups) : undefined;
    const patch: Partial<UserRow> = {};
    if (input.displayName !== undefined) patch.display_name = input.displayName;
    if (input.email !== undefined) patch.email = input.email || null;
    if (input.locale !== undefined) patch.locale = input.locale || null;
    let groupsChanged = false;
    await this.write(async (trx) => {
      await users.updateUser(trx, id, { ...patch, updated_at: this.now().toISOString() });
      if (input.roles) await this.access.replaceRoles(trx, id, input.roles, actor);
      if (groupIds) groupsChanged = await repo.setGroupsOfUser(trx, id, groupIds);
      await this.audit(trx, actor, 'identity.user.update', id, {
        username: before.username,
        before: { displayName: before.display_name, email: before.email, locale: before.locale },
        changes: { ...input, groups: groupIds },
      });
    });
    if (groupsChanged) await this.membershipChanged([id]);
    return this.get(id);
  }

  async setStatus(id: number, action: StatusAction, actor: Actor): Promise<AdminUser> {
    if (id === actor.userId && (action === 'disable' || action === 'lock')) throw new CannotModifySelf();
    const before = await this.row(id);
    if (action === 'lock' && before.status === 'disabled') throw new UserDisabled();
    const now = this.now().toISOString();
    const patch: Partial<UserRow> = { updated_at: now };
    if (action === 'disable') patch.status = 'disabled';
    if (action === 'enable' && before.status === 'disabled') patch.status = 'active';
    if (action === 'lock') patch.status = 'locked';
    if (action === 'unlock') {
      // Clears both kinds of lock: the admin lock and an automatic lockout after failed sign-ins.
      if (before.status === 'locked') patch.status = 'active';
      Object.assign(patch, { locked_until: null, failed_login_attempts: 0 });
    }
    await this.write(async (trx) => {
      await users.updateUser(trx, id, patch);
      // A disabled or locked account must not keep working through an open session.
      const revoked =
        action === 'disable' || action === 'lock'
          ? await repo.revokeSessionsOf(trx, id, action === 'disable' ? 'disabled' : 'locked', now)
          : 0;
      await this.audit(trx, actor, `identity.user.${action}`, id, {
        username: before.username,
        statusBefore: before.status,
        sessionsRevoked: revoked,
      });
    });
    return this.get(id);
  }

  /** Set a new password (or generate one, returned once) that must be changed at next sign-in. */
  async resetPassword(id: number, newPassword: string | undefined, actor: Actor): Promise<{ temporaryPassword?: string }> {
    if (id === actor.userId) throw new CannotModifySelf(undefined, 'Change your own password with POST /api/auth/password.');
    const before = await this.row(id);
    const password = newPassword ?? generateTemporaryPassword(before.username);
    assertStrongPassword(password, before.username);
    const hash = await hashPassword(password, this.security().bcryptCost);
    const now = this.now();
    await this.write(async (trx) => {
      await users.updateUser(trx, id, {
        password_hash: hash,
        must_change_password: 1,
        password_changed_at: now.toISOString(),
        password_expires_at: new Date(now.getTime() + this.security().passwordMaxAgeDays * 86_400_000).toISOString(),
        password_reminded_at: null,
        updated_at: now.toISOString(),
      });
      const revoked = await repo.revokeSessionsOf(trx, id, 'password-reset', now.toISOString());
      await this.audit(trx, actor, 'identity.user.password-reset', id, {
        username: before.username,
        generated: !newPassword,
        sessionsRevoked: revoked,
      });
    });
    return newPassword ? {} : { temporaryPassword: password };
  }

  async remove(id: number, actor: Actor): Promise<void> {
    if (id === actor.userId) throw new CannotModifySelf();
    const before = await this.row(id);
    await this.write(async (trx) => {
      // Hooks first: access removes the user's grants while the user row still exists.
      await this.deps.identity.runRemovalHooks(trx, 'user', id);
      await repo.deleteUser(trx, id);
      await this.audit(trx, actor, 'identity.user.delete', id, { username: before.username });
    });
    await this.membershipChanged([id]);
  }

  async row(id: number): Promise<UserRow> {
    const r = await users.findUserById(this.db, id);
    if (!r) throw new UserNotFound();
    return r;
  }

  /** A transaction; a unique violation means a concurrent request took the username first. */
  async write<T>(fn: (trx: Db<IdentityTables>) => Promise<T>): Promise<T> {
    try {
      return await this.db.transaction().execute(fn);
    } catch (e) {
      if (isUniqueViolation(e)) throw new UsernameTaken();
      throw e;
    }
  }

  audit(trx: Db, actor: Actor, action: string, id: number | undefined, details: Record<string, unknown>) {
    return this.deps.audit.record(trx, { actor, action, resourceType: 'user', resourceId: id, details });
  }

  async membershipChanged(userIds: number[]): Promise<void> {
    if (userIds.length) await this.deps.ctx.events.publish(MEMBERSHIP_CHANGED, { userIds });
  }
}
