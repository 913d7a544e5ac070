import type { AppContext } from '../../core/context.js';
import type { AuditService } from '../audit/index.js';
import { generateTemporaryPassword, hashPassword } from './admin-passwords.js';
import type { IdentityService } from './identity.service.js';
import { passwordProblems } from './password-policy.js';
import * as users from './users.repo.js';

/**
 * On a database with no users, create `admin` with the super-admin role. With
 * GATEHOUSE_ADMIN_PASSWORD the password is that (and need not be changed); otherwise one is
 * generated, printed once, and must be changed at first sign-in.
 */
export async function bootstrapAdmin(
  ctx: AppContext,
  identity: IdentityService,
  audit: AuditService,
  env: NodeJS.ProcessEnv,
): Promise<void> {
  if ((await users.countUsers(ctx.db)) > 0) return;
  const given = env.GATEHOUSE_ADMIN_PASSWORD;
  if (given) {
    // The operator chose it explicitly, so it is used as given; a weak one is called out loudly.
    const problems = passwordProblems(given).filter((p) => p.rule !== 'too-long');
    if (problems.length) {
      ctx.log.warn(
        `GATEHOUSE_ADMIN_PASSWORD does not meet the password policy (needs ${problems.map((p) => p.message).join(', ')}); change it soon.`,
      );
    }
  }
  const password = given || generateTemporaryPassword('admin');
  const sec = ctx.config.get().security;
  const hash = await hashPassword(password, sec.bcryptCost);
  const now = ctx.clock.now();
  await ctx.db.transaction().execute(async (trx) => {
    const id = await users.insertUser(trx, {
      username: 'admin',
      display_name: 'Administrator',
      email: null,
      password_hash: hash,
      status: 'active',
      must_change_password: given ? 0 : 1,
      password_changed_at: now.toISOString(),
      password_expires_at: new Date(now.getTime() + sec.passwordMaxAgeDays * 86_400_000).toISOString(),
      password_reminded_at: null,
      failed_login_attempts: 0,
      locked_until: null,
      mfa_secret: null,
      mfa_pending_secret: null,
      mfa_enabled: 0,
      mfa_last_counter: null,
      locale: null,
      created_by: null,
      created_at: now.toISOString(),
      updated_at: now.toISOString(),
      last_login_at: null,
      last_login_ip: null,
    });
    await identity.access().assignRoles(trx, id, ['super-admin'], { userId: null, username: 'system' });
    await audit.record(trx, {
      actor: { userId: null, username: 'system' },
      action: 'identity.bootstrap.admin',
      resourceType: 'user',
      resourceId: id,
      // Not "passwordFrom": the audit log masks every key that looks like a secret, and this one is not.
      details: { source: given ? 'GATEHOUSE_ADMIN_PASSWORD' : 'generated' },
    });
  });
  if (!given) {
    const line = '='.repeat(72);
    process.stdout.write(
      `\n${line}\n  Gatehouse created the first administrator.\n    username: admin\n    password: ${password}\n  It is shown only this once and must be changed at first sign-in.\n${line}\n\n`,
    );
  }
}
