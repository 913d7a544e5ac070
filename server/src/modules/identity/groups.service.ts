import type { Db } from '../../core/db/db.js';
import { Conflict, type AppErrorCtor } from '../../core/http/errors.js';
import { pageOffset } from '../../core/http/pagination.js';
import { isUniqueViolation } from './admin-passwords.js';
import { GroupNameTaken, GroupNotFound } from './identity.errors.js';
import type { GroupRow, IdentityTables } from './identity.types.js';
import * as repo from './groups.repo.js';
import { existingUserIds } from './users-admin.repo.js';
import { GroupMemberNotFound, UnknownGroups, UnknownUsers } from './users-admin.errors.js';
import type { Actor, GroupRef, UsersAdminDeps } from './users-admin.types.js';

/** Published after membership changes; access drops its cached permissions of these users. */
export const MEMBERSHIP_CHANGED = 'identity.membership.changed';

export interface Group {
  id: number;
  name: string;
  description: string;
  memberCount: number;
  createdAt: string;
}
export interface GroupDetail extends Group {
  members: { id: number; username: string; displayName: string }[];
}

const toGroup = (r: GroupRow, memberCount: number): Group => ({
  id: r.id,
  name: r.name,
  description: r.description,
  memberCount,
  createdAt: r.created_at,
});

/** Turn group ids and names into ids; unknown ones fail the whole request with their names. */
export async function resolveGroupRefs(db: Db, refs: GroupRef[]): Promise<number[]> {
  const ids = refs.filter((r): r is number => typeof r === 'number');
  const names = refs.filter((r): r is string => typeof r === 'string');
  const found = await repo.findGroupsByRefs(db as Db<IdentityTables>, ids, names);
  const unknown = refs.filter((r) => !found.some((g) => (typeof r === 'number' ? g.id === r : g.name === r)));
  if (unknown.length) throw new UnknownGroups({ groups: unknown });
  return [...new Set(found.filter((g) => ids.includes(g.id) || names.includes(g.name)).map((g) => g.id))];
}

export class GroupsService {
  private readonly db: Db<IdentityTables>;

  constructor(private readonly deps: UsersAdminDeps) {
    this.db = deps.ctx.db;
  }

  async list(q: string | undefined, page: number, pageSize: number) {
    const { limit, offset } = pageOffset({ page, pageSize });
    const { rows, total } = await repo.listGroups(this.db, q, limit, offset);
    return { items: rows.map((r) => toGroup(r, r.member_count)), total, page, pageSize };
  }

  async get(id: number): Promise<GroupDetail> {
    const g = await repo.findGroupById(this.db, id);
    if (!g) throw new GroupNotFound();
    const members = (await repo.members(this.db, id)).map((m) => ({ id: m.id, username: m.username, displayName: m.display_name }));
    return { ...toGroup(g, members.length), members };
  }

  async create(input: { name: string; description?: string }, actor: Actor): Promise<GroupDetail> {
    const name = input.name.trim();
    if (await repo.findGroupByName(this.db, name)) throw new GroupNameTaken();
    const id = await this.write(async (trx) => {
      const id = await repo.insertGroup(trx, {
        name,
        description: input.description ?? '',
        created_at: this.deps.ctx.clock.now().toISOString(),
      });
      await this.audit(trx, actor, 'identity.group.create', id, { name });
      return id;
    });
    return this.get(id);
  }

  async update(id: number, patch: { name?: string; description?: string }, actor: Actor): Promise<GroupDetail> {
    const g = await repo.findGroupById(this.db, id);
    if (!g) throw new GroupNotFound();
    const name = patch.name?.trim();
    if (name !== undefined && name !== g.name && (await repo.findGroupByName(this.db, name))) throw new GroupNameTaken();
    await this.write(async (trx) => {
      await repo.updateGroup(trx, id, {
        ...(name !== undefined ? { name } : {}),
        ...(patch.description !== undefined ? { description: patch.description } : {}),
      });
      await this.audit(trx, actor, 'identity.group.update', id, {
        before: { name: g.name, description: g.description },
        after: { name, description: patch.description },
      });
    });
    return this.get(id);
  }

  async remove(id: number, actor: Actor): Promise<void> {
    const g = await repo.findGroupById(this.db, id);
    if (!g) throw new GroupNotFound();
    const former = await repo.memberIds(this.db, id);
    await this.write(async (trx) => {
      // Hooks first: access removes the group's grants before the group row goes.
      await this.deps.identity.runRemovalHooks(trx, 'group', id);
      await repo.deleteGroup(trx, id);
      await this.audit(trx, actor, 'identity.group.delete', id, { name: g.name, members: former });
    });
    await this.changed(former);
  }

  /** Replace (mode 'set') or extend (mode 'add') the members. */
  async putMembers(id: number, userIds: number[], mode: 'set' | 'add', actor: Actor): Promise<GroupDetail> {
    if (!(await repo.findGroupById(this.db, id))) throw new GroupNotFound();
    const wanted = [...new Set(userIds)];
    const existing = await existingUserIds(this.db, wanted);
    const unknown = wanted.filter((u) => !existing.includes(u));
    if (unknown.length) throw new UnknownUsers({ userIds: unknown });
    const before = await repo.memberIds(this.db, id);
    const added = wanted.filter((u) => !before.includes(u));
    const removed = mode === 'set' ? before.filter((u) => !wanted.includes(u)) : [];
    if (added.length || removed.length) {
      await this.write(async (trx) => {
        await repo.removeMembers(trx, id, removed);
        await repo.addMembers(trx, id, added);
        await this.audit(trx, actor, 'identity.group.members', id, { mode, added, removed });
      }, Conflict);
      await this.changed([...added, ...removed]);
    }
    return this.get(id);
  }

  async removeMember(id: number, userId: number, actor: Actor): Promise<void> {
    if (!(await repo.findGroupById(this.db, id))) throw new GroupNotFound();
    const before = await repo.memberIds(this.db, id);
    if (!before.includes(userId)) throw new GroupMemberNotFound();
    await this.write(async (trx) => {
      await repo.removeMembers(trx, id, [userId]);
      await this.audit(trx, actor, 'identity.group.members', id, { mode: 'remove', added: [], removed: [userId] });
    });
    await this.changed([userId]);
  }

  /** A transaction; a unique violation means a concurrent admin won (same name or same member). */
  private async write<T>(fn: (trx: Db<IdentityTables>) => Promise<T>, onUnique: AppErrorCtor = GroupNameTaken): Promise<T> {
    try {
      return await this.db.transaction().execute(fn);
    } catch (e) {
      if (isUniqueViolation(e)) throw new onUnique();
      throw e;
    }
  }

  private audit(trx: Db, actor: Actor, action: string, id: number, details: Record<string, unknown>) {
    return this.deps.audit.record(trx, { actor, action, resourceType: 'group', resourceId: id, details });
  }

  private async changed(userIds: number[]): Promise<void> {
    if (userIds.length) await this.deps.ctx.events.publish(MEMBERSHIP_CHANGED, { userIds });
  }
}
