import type { Clock } from '../../core/clock.js';
import type { Db } from '../../core/db/db.js';
import type { IdentityTables, User } from './identity.types.js';
import { toUser } from './identity.types.js';
import * as users from './users.repo.js';

/** What access (a higher layer) registers on identity so identity can assign and show roles. */
export interface UserAccessProvider {
  /** Give each role to the user, inside the caller's transaction (global scope unless a project is given). */
  assignRoles(
    trx: Db,
    userId: number,
    roles: Array<string | { role: string; project?: string }>,
    actor: { userId: number | null; username: string | null },
  ): Promise<void>;
  /**
   * Make the user's role grants (branch and environment '*') exactly `roles`: missing ones are
   * added, others removed. Runs inside the caller's transaction; authorise first with
   * assertRolesExist(roles, actor, userId).
   */
  replaceRoles(
    trx: Db,
    userId: number,
    roles: Array<string | { role: string; project?: string }>,
    actor: { userId: number | null; username: string | null },
  ): Promise<void>;
  /** Role names per user, for lists, filters and exports. */
  rolesOf(userIds: number[]): Promise<Map<number, string[]>>;
  /** Ids of users holding a role directly or through a group (for the role filter). */
  usersWithRole(role: string): Promise<number[]>;
  /** Readable grant scopes per user ("project/branch" lines) for the export of seed 004. */
  grantsSummaryOf(userIds: number[]): Promise<Map<number, string[]>>;
  /**
   * Throws 400 UNKNOWN_ROLE when a role does not exist and, given the acting admin, 403 when they
   * may not hand those roles out. Call it before opening the transaction that assigns them.
   */
  assertRolesExist(
    roles: Array<string | { role: string; project?: string }>,
    actor?: { userId: number | null; username: string | null; ip?: string; userAgent?: string },
    /** When replacing a user's roles: the roles they lose must be revocable by the actor too. */
    replacingFor?: number,
  ): Promise<void>;
}

/** Called inside the transaction that deletes a user or group, so dependants go with it. */
export type RemovalHook = (trx: Db, kind: 'user' | 'group', id: number) => Promise<void>;

/**
 * The face identity shows other modules: look users and groups up, and the registration points
 * through which access plugs in without identity importing it.
 */
export class IdentityService {
  private accessProvider?: UserAccessProvider;
  private readonly removalHooks: RemovalHook[] = [];

  constructor(
    private readonly db: Db<IdentityTables>,
    private readonly clock: Clock,
  ) {}

  setAccessProvider(p: UserAccessProvider): void {
    this.accessProvider = p;
  }

  access(): UserAccessProvider {
    if (!this.accessProvider) throw new Error('access has not registered itself on identity');
    return this.accessProvider;
  }

  addRemovalHook(hook: RemovalHook): void {
    this.removalHooks.push(hook);
  }

  async runRemovalHooks(trx: Db, kind: 'user' | 'group', id: number): Promise<void> {
    for (const h of this.removalHooks) await h(trx, kind, id);
  }

  async getUser(id: number): Promise<User | null> {
    const r = await users.findUserById(this.db, id);
    return r ? toUser(r, this.clock.now()) : null;
  }

  async getUserByUsername(username: string): Promise<User | null> {
    const r = await users.findUserByUsername(this.db, username);
    return r ? toUser(r, this.clock.now()) : null;
  }

  async getUsersByIds(ids: number[]): Promise<User[]> {
    const now = this.clock.now();
    return (await users.findUsersByIds(this.db, ids)).map((r) => toUser(r, now));
  }

  groupIdsOf(userId: number): Promise<number[]> {
    return users.groupIdsOfUser(this.db, userId);
  }

  async groupExists(id: number): Promise<boolean> {
    return !!(await this.db.selectFrom('identity_groups').select('id').where('id', '=', id).executeTakeFirst());
  }

  async getGroupsByIds(ids: number[]): Promise<Array<{ id: number; name: string }>> {
    if (!ids.length) return [];
    return this.db.selectFrom('identity_groups').select(['id', 'name']).where('id', 'in', ids).execute();
  }

  async groupByName(name: string): Promise<{ id: number; name: string } | null> {
    return (await this.db.selectFrom('identity_groups').select(['id', 'name']).where('name', '=', name).executeTakeFirst()) ?? null;
  }
}
