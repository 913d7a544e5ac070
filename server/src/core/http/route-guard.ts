import type { FastifyInstance, FastifyRequest, RouteOptions } from 'fastify';
import { Forbidden, MfaEnrollmentRequired, PasswordChangeRequired, Unauthenticated } from './errors.js';
import { scopeAllows, type Authenticator, type Authorizer, type Principal, type Resource } from './principal.js';

/**
 * Route-level access rules. Every /api route must say who may call it in `config`:
 *   { auth: 'public' }                       anyone, no token
 *   { permission: 'authenticated' }          any signed-in user (the service checks the rest)
 *   { permission: 'identity.users.manage' }  this permission, globally
 *   { permission: 'x', resource: req => … }  this permission on a project/branch/environment
 * A route that says nothing makes the server refuse to start, so a forgotten check cannot ship.
 */
declare module 'fastify' {
  interface FastifyContextConfig {
    auth?: 'public';
    permission?: string;
    resource?: (req: FastifyRequest) => Resource;
    /** Reachable while a password change or MFA enrolment is pending (login, password, MFA, me). */
    allowPending?: boolean;
  }
  interface FastifyRequest {
    principal: Principal | null;
  }
}

export function bearerToken(req: FastifyRequest): string | null {
  const h = req.headers.authorization;
  if (!h) return null;
  const m = /^Bearer\s+(\S+)$/i.exec(h);
  return m ? m[1] : null;
}

export function requirePrincipal(req: FastifyRequest): Principal {
  if (!req.principal) throw new Unauthenticated();
  return req.principal;
}

export function registerRouteGuard(app: FastifyInstance, deps: { authenticator: () => Authenticator; authorizer: () => Authorizer }): void {
  app.decorateRequest('principal', null);

  app.addHook('onRoute', (route: RouteOptions) => {
    if (!route.url.startsWith('/api/')) return;
    const cfg = (route.config ?? {}) as { auth?: string; permission?: string };
    if (cfg.auth !== 'public' && !cfg.permission) {
      throw new Error(`Route ${route.method} ${route.url} declares no access rule (config.auth or config.permission).`);
    }
  });

  app.addHook('preHandler', async (req) => {
    const cfg = req.routeOptions.config;
    if (!req.url.startsWith('/api/') || cfg.auth === 'public' || !cfg.permission) {
      // Public routes still learn who is calling when a valid token is sent.
      const token = bearerToken(req);
      if (token && cfg.auth === 'public') req.principal = await deps.authenticator().authenticate(token);
      return;
    }
    const token = bearerToken(req);
    if (!token) throw new Unauthenticated();
    const principal = await deps.authenticator().authenticate(token);
    if (!principal) throw new Unauthenticated(undefined, 'Your session has expired or the token is not valid; sign in again.');
    req.principal = principal;
    if (!cfg.allowPending) {
      if (principal.mustChangePassword) throw new PasswordChangeRequired();
      if (principal.mustEnrollMfa) throw new MfaEnrollmentRequired();
    }
    if (cfg.permission === 'authenticated') return;
    if (!scopeAllows(principal.scopes, cfg.permission)) {
      throw new Forbidden({ permission: cfg.permission }, `This API token is not scoped for ${cfg.permission}.`);
    }
    const resource = cfg.resource?.(req);
    if (!(await deps.authorizer().can(principal.userId, cfg.permission, resource))) {
      throw new Forbidden({ permission: cfg.permission, resource });
    }
  });
}
