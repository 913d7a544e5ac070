import type { FastifyPluginAsync } from 'fastify';
import type { AppContext } from '../../core/context.js';
import type { AuditService } from '../audit/index.js';
import type { NotifyService } from '../notify/index.js';
import { ApiTokensService } from './api-tokens.service.js';
import { createAuthenticator } from './authenticator.js';
import { authRoutes } from './auth.routes.js';
import { AuthService } from './auth.service.js';
import { bootstrapAdmin } from './bootstrap.js';
import { groupsRoutes } from './groups.routes.js';
import { IdentityService } from './identity.service.js';
import { meRoutes } from './me.routes.js';
import { MeService } from './me.service.js';
import { MfaService } from './mfa.service.js';
import { registerIdentityJobs } from './password-reminder.jobs.js';
import { RsaLoginKeys } from './rsa-login.js';
import { declareAdminPermissions, usersAdminRoutes } from './users-admin.routes.js';
import { findUsersByIds } from './users.repo.js';

export { IdentityService } from './identity.service.js';
export type { UserAccessProvider, RemovalHook } from './identity.service.js';
export type { User, UserStatus } from './identity.types.js';
export { totp, verifyTotp, generateTotpSecret } from './mfa/totp.js';
export { revokeAllSessions } from './sessions.repo.js';
export { sendPasswordReminders } from './password-reminder.jobs.js';

/** Accounts, sign-in, sessions, MFA, API tokens, users and groups administration. */
export function createIdentityModule(ctx: AppContext, deps: { audit: AuditService; notify: NotifyService }) {
  declareAdminPermissions(ctx);
  const service = new IdentityService(ctx.db, ctx.clock);
  const rsa = new RsaLoginKeys(ctx.dataDir);
  const mfa = new MfaService(ctx, deps.audit);
  const auth = new AuthService(ctx, deps.audit, mfa, rsa, deps.notify);
  // notify addresses people by id; it reads their language and e-mail through this (same transaction).
  deps.notify.setDirectory(async (db, ids) =>
    (await findUsersByIds(db, ids)).map((u) => ({
      id: u.id,
      username: u.username,
      email: u.email,
      locale: u.locale,
      disabled: u.status === 'disabled',
    })),
  );
  const me = new MeService(ctx, deps.audit, auth, service);
  const tokens = new ApiTokensService(ctx, deps.audit);
  const scheduleJobs = registerIdentityJobs(ctx, deps.notify);
  const adminDeps = { ctx, audit: deps.audit, identity: service };

  const routes: FastifyPluginAsync = async (app) => {
    await app.register(authRoutes(auth, rsa, () => ctx.config.get().security.rsaLogin));
    await app.register(meRoutes(me, mfa, tokens));
    await app.register(usersAdminRoutes(adminDeps));
    await app.register(groupsRoutes(adminDeps));
  };

  return {
    service,
    auth,
    mfa,
    authenticator: createAuthenticator(ctx, auth.tokens),
    routes,
    async bootstrap(env: NodeJS.ProcessEnv) {
      await bootstrapAdmin(ctx, service, deps.audit, env);
      await scheduleJobs();
    },
  };
}
export type IdentityModule = ReturnType<typeof createIdentityModule>;
