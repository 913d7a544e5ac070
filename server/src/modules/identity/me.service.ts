import type { AppContext } from '../../core/context.js';
import type { Db } from '../../core/db/db.js';
import { createError } from '../../core/http/errors.js';
import type { Principal } from '../../core/http/principal.js';
import type { AuditService } from '../audit/index.js';
import type { AuthService } from './auth.service.js';
import type { Meta } from './auth.types.js';
import { UserNotFound } from './identity.errors.js';
import type { IdentityService } from './identity.service.js';
import type { IdentityTables } from './identity.types.js';
import * as sessions from './sessions.repo.js';
import * as users from './users.repo.js';

const SessionNotFound = createError('SESSION_NOT_FOUND', 404, 'No such session.');

/** The signed-in user's own account and sessions. */
export class MeService {
  constructor(
    private readonly ctx: AppContext,
    private readonly audit: AuditService,
    private readonly auth: AuthService,
    private readonly identity: IdentityService,
  ) {}

  private get db(): Db<IdentityTables> {
    return this.ctx.db;
  }

  async get(userId: number) {
    const row = await users.findUserById(this.db, userId);
    if (!row) throw new UserNotFound();
    let roles: string[] = [];
    try {
      roles = (await this.identity.access().rolesOf([userId])).get(userId) ?? [];
    } catch {
      // access not composed (unit tests of identity alone): no roles to show.
    }
    return { ...this.auth.loginUser(row), roles };
  }

  async update(
    actor: Meta & { userId: number; username: string },
    patch: { displayName?: string; email?: string | null; locale?: string | null },
  ) {
    await this.db.transaction().execute(async (trx) => {
      await users.updateUser(trx, actor.userId, {
        ...(patch.displayName !== undefined ? { display_name: patch.displayName } : {}),
        ...(patch.email !== undefined ? { email: patch.email } : {}),
        ...(patch.locale !== undefined ? { locale: patch.locale } : {}),
        updated_at: this.ctx.clock.now().toISOString(),
      });
      await this.audit.record(trx, {
        actor,
        action: 'identity.profile.update',
        resourceType: 'user',
        resourceId: actor.userId,
        details: patch,
      });
    });
    return this.get(actor.userId);
  }

  async sessions(p: Principal) {
    const rows = await sessions.listOpenSessions(this.db, p.userId, this.ctx.clock.now().toISOString());
    return rows.map((s) => ({
      id: s.id,
      current: s.id === p.sessionId,
      createdAt: s.created_at,
      lastActiveAt: s.refreshed_at,
      expiresAt: s.expires_at,
      ipAddress: s.ip_address,
      userAgent: s.user_agent,
    }));
  }

  async endSession(actor: Meta & { userId: number; username: string }, id: number): Promise<void> {
    const s = await sessions.findSessionById(this.db, id);
    if (!s || s.user_id !== actor.userId || s.revoked_at) throw new SessionNotFound();
    await this.db.transaction().execute(async (trx) => {
      await sessions.revokeSession(trx, id, 'ended-by-user', this.ctx.clock.now().toISOString());
      await this.audit.record(trx, { actor, action: 'identity.session.end', resourceType: 'session', resourceId: id });
    });
  }
}
