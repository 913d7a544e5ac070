import type { AppContext } from '../../core/context.js';
import type { Authorizer } from '../../core/http/principal.js';
import type { AuditService } from '../audit/index.js';
import type { IdentityService } from '../identity/index.js';
import { AccessPolicy } from './access-policy.js';
import { createUserAccessProvider } from './access-provider.js';
import { accessRoutes } from './access.routes.js';
import * as repo from './access.repo.js';
import { GrantsService } from './grants.service.js';
import { RolesService } from './roles.service.js';
import { TemplatesService } from './templates.service.js';

export { compilePattern, isExact, permissionCovers, validatePattern } from './patterns.js';
export type { CompiledGrant } from './access-policy.js';
export type { GrantActor } from './grants.service.js';
export { scopeMatches } from './access-policy.js';

const CHANGED = 'access.changed';

/** Permission codes, roles, scoped grants, templates, and the fast can() behind every route. */
export function createAccessModule(ctx: AppContext, deps: { audit: AuditService; identity: IdentityService }) {
  ctx.permissions.declare(
    {
      code: 'access.roles.manage',
      module: 'access',
      description: 'Create, change and delete roles',
      descriptionZh: '管理角色',
      scoped: false,
    },
    {
      code: 'access.grants.read',
      module: 'access',
      description: 'See grants and explain decisions',
      descriptionZh: '查看授权',
      scoped: true,
    },
    {
      code: 'access.grants.manage',
      module: 'access',
      description: 'Grant and revoke access (project admins inside their projects)',
      descriptionZh: '分配与回收权限',
      scoped: true,
    },
    {
      code: 'access.templates.manage',
      module: 'access',
      description: 'Manage permission templates',
      descriptionZh: '管理权限模板',
      scoped: false,
    },
  );
  const policy = new AccessPolicy(ctx.db, deps.identity);
  // Every instance drops its cache on a change anywhere; group membership lives in identity.
  ctx.events.subscribe(CHANGED, () => policy.invalidate());
  ctx.events.subscribe('identity.membership.changed', () => policy.invalidate());
  const changed = async () => {
    policy.invalidate();
    await ctx.events.publish(CHANGED, {});
  };
  const roles = new RolesService(ctx, deps.audit, changed);
  const grants = new GrantsService(ctx, deps.audit, deps.identity, policy, roles, changed);
  const templates = new TemplatesService(ctx, deps.audit, grants, changed);
  const provider = createUserAccessProvider(ctx.db, deps.identity, grants, changed, deps.audit);
  deps.identity.setAccessProvider(provider);
  deps.identity.addRemovalHook(async (trx, kind, id) => {
    await repo.deleteGrantsOf(trx, kind, id);
    await changed();
  });
  const authorizer: Authorizer = { can: (userId, permission, resource) => policy.can(userId, permission, resource) };
  return {
    service: { policy, roles, grants, templates, provider },
    policy,
    authorizer,
    routes: accessRoutes({ policy, roles, grants, templates, identity: deps.identity, registry: ctx.permissions }),
    bootstrap: () => roles.seedBuiltins(),
  };
}
export type AccessModule = ReturnType<typeof createAccessModule>;
