import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { ValidationFailed } from '../../core/http/errors.js';
import { requestMeta } from '../../core/http/request-meta.js';
import { requirePrincipal } from '../../core/http/route-guard.js';
import type { AuthService } from './auth.service.js';
import { LoginBody, LoginResponse, PasswordBody, TokenPairSchema } from './auth.schemas.js';
import type { RsaLoginKeys } from './rsa-login.js';

/** Sign-in and the routes a pending password change still allows. */
export const authRoutes =
  (auth: AuthService, rsa: RsaLoginKeys, rsaEnabled: () => boolean): FastifyPluginAsyncTypebox =>
  async (app) => {
    app.post(
      '/api/auth/login',
      {
        config: { auth: 'public' },
        schema: {
          tags: ['auth'],
          summary: 'Sign in (password, or RSA-OAEP encrypted password; otp when MFA is on)',
          security: [],
          body: LoginBody,
          response: { 200: LoginResponse },
        },
      },
      async (req) => {
        const b = req.body;
        if ((b.password === undefined) === (b.encryptedPassword === undefined)) {
          throw new ValidationFailed(undefined, 'Send exactly one of "password" or "encryptedPassword".');
        }
        if (b.encryptedPassword !== undefined && !rsaEnabled())
          throw new ValidationFailed(undefined, 'Encrypted passwords are turned off (security.rsaLogin).');
        return auth.login(b, requestMeta(req));
      },
    );

    app.post(
      '/api/auth/refresh',
      {
        config: { auth: 'public' },
        schema: {
          tags: ['auth'],
          summary: 'Exchange a refresh token for a new pair (rotation)',
          security: [],
          body: Type.Object({ refreshToken: Type.String({ minLength: 1, maxLength: 200 }) }, { additionalProperties: false }),
          response: { 200: Type.Object(TokenPairSchema) },
        },
      },
      async (req) => auth.refresh(req.body.refreshToken, requestMeta(req)),
    );

    app.post(
      '/api/auth/logout',
      {
        config: { permission: 'authenticated', allowPending: true },
        // A body (the web app sends its refresh token) is ignored: the access token names the session.
        schema: {
          tags: ['auth'],
          summary: 'End this session',
        },
      },
      async (req, reply) => {
        const p = requirePrincipal(req);
        await auth.logout(p.userId, p.username, p.sessionId, requestMeta(req));
        return reply.status(204).send();
      },
    );

    app.post(
      '/api/auth/password',
      {
        config: { permission: 'authenticated', allowPending: true },
        schema: {
          tags: ['auth'],
          summary: 'Change my password (ends every other session)',
          body: PasswordBody,
          response: { 200: LoginResponse },
        },
      },
      async (req) => auth.changePassword(requirePrincipal(req).userId, req.body.currentPassword, req.body.newPassword, requestMeta(req)),
    );

    app.get(
      '/api/auth/public-key',
      {
        config: { auth: 'public' },
        schema: {
          tags: ['auth'],
          summary: 'Public key for the optional RSA-OAEP password encryption',
          security: [],
          response: {
            200: Type.Object({
              enabled: Type.Boolean(),
              algorithm: Type.Optional(Type.String()),
              publicKey: Type.Optional(Type.String()),
              keyId: Type.Optional(Type.String()),
            }),
          },
        },
      },
      async () => (rsaEnabled() ? { enabled: true, ...rsa.publicInfo() } : { enabled: false }),
    );
  };
