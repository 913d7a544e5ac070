import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { requestMeta } from '../../core/http/request-meta.js';
import { requirePrincipal } from '../../core/http/route-guard.js';
import type { ApiTokensService } from './api-tokens.service.js';
import { ApiTokenSchema, IdParams, OtpBody, Recovery, SessionSchema, UserSchema } from './auth.schemas.js';
import type { MeService } from './me.service.js';
import type { MfaService } from './mfa.service.js';

const pending = { permission: 'authenticated', allowPending: true } as const;

/** Self-service: my account, MFA, API tokens and sessions. */
export const meRoutes =
  (me: MeService, mfa: MfaService, tokens: ApiTokensService): FastifyPluginAsyncTypebox =>
  async (app) => {
    const actor = (req: Parameters<typeof requestMeta>[0]) => {
      const p = requirePrincipal(req);
      return { userId: p.userId, username: p.username, ...requestMeta(req) };
    };

    app.get('/api/me', { config: pending, schema: { tags: ['me'], summary: 'Who I am', response: { 200: UserSchema } } }, async (req) =>
      me.get(requirePrincipal(req).userId),
    );

    app.patch(
      '/api/me',
      {
        config: { permission: 'authenticated' },
        schema: {
          tags: ['me'],
          summary: 'Change my display name, e-mail or language',
          body: Type.Object(
            {
              displayName: Type.Optional(Type.String({ maxLength: 100 })),
              email: Type.Optional(Type.Union([Type.String({ format: 'email', maxLength: 255 }), Type.Null()])),
              locale: Type.Optional(Type.Union([Type.Literal('en'), Type.Literal('zh-CN'), Type.Null()])),
            },
            { additionalProperties: false },
          ),
          response: { 200: UserSchema },
        },
      },
      async (req) => me.update(actor(req), req.body),
    );

    app.post(
      '/api/me/mfa/setup',
      {
        config: pending,
        schema: {
          tags: ['me'],
          summary: 'Start MFA enrolment: a new secret and its QR code',
          response: { 200: Type.Object({ secret: Type.String(), otpauthUrl: Type.String(), qrDataUrl: Type.String() }) },
        },
      },
      async (req) => mfa.setup(requirePrincipal(req).userId, requestMeta(req)),
    );
    app.post(
      '/api/me/mfa/enable',
      {
        config: pending,
        schema: {
          tags: ['me'],
          summary: 'Finish enrolment with a code; returns recovery codes once',
          body: OtpBody,
          response: { 200: Recovery },
        },
      },
      async (req) => mfa.enable(requirePrincipal(req).userId, req.body.otp, requestMeta(req)),
    );
    app.post(
      '/api/me/mfa/disable',
      {
        config: { permission: 'authenticated' },
        schema: {
          tags: ['me'],
          summary: 'Turn MFA off (password and a code)',
          body: Type.Object(
            { password: Type.String({ minLength: 1, maxLength: 1024 }), otp: Type.String({ minLength: 1, maxLength: 32 }) },
            { additionalProperties: false },
          ),
        },
      },
      async (req, reply) => {
        await mfa.disable(requirePrincipal(req).userId, req.body.password, req.body.otp, requestMeta(req));
        return reply.status(204).send();
      },
    );
    app.post(
      '/api/me/mfa/recovery-codes',
      {
        config: { permission: 'authenticated' },
        schema: { tags: ['me'], summary: 'Replace my recovery codes', body: OtpBody, response: { 200: Recovery } },
      },
      async (req) => mfa.regenerateCodes(requirePrincipal(req).userId, req.body.otp, requestMeta(req)),
    );
    app.post(
      '/api/users/:id/mfa/reset',
      {
        config: { permission: 'identity.users.manage' },
        schema: { tags: ['users'], summary: "Clear a user's MFA (lost device)", params: IdParams },
      },
      async (req, reply) => {
        await mfa.adminReset(req.params.id, actor(req));
        return reply.status(204).send();
      },
    );

    app.post(
      '/api/me/tokens',
      {
        config: { permission: 'authenticated' },
        schema: {
          tags: ['me'],
          summary: 'Create a personal API token (shown once)',
          body: Type.Object(
            {
              name: Type.String({ minLength: 1, maxLength: 100 }),
              expiresInDays: Type.Optional(Type.Integer({ minimum: 1, maximum: 3650 })),
              scopes: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 100 }), { maxItems: 100 })),
            },
            { additionalProperties: false },
          ),
          response: { 201: Type.Composite([ApiTokenSchema, Type.Object({ token: Type.String() })]) },
        },
      },
      async (req, reply) => reply.status(201).send(await tokens.create(actor(req), req.body, requirePrincipal(req).scopes)),
    );
    app.get(
      '/api/me/tokens',
      {
        config: { permission: 'authenticated' },
        schema: {
          tags: ['me'],
          summary: 'My API tokens (never the secret)',
          response: { 200: Type.Object({ items: Type.Array(ApiTokenSchema) }) },
        },
      },
      async (req) => ({
        items: await tokens.list(requirePrincipal(req).userId),
      }),
    );
    app.delete(
      '/api/me/tokens/:id',
      { config: { permission: 'authenticated' }, schema: { tags: ['me'], summary: 'Revoke an API token', params: IdParams } },
      async (req, reply) => {
        await tokens.revoke(actor(req), req.params.id);
        return reply.status(204).send();
      },
    );

    app.get(
      '/api/me/sessions',
      {
        config: { permission: 'authenticated' },
        schema: { tags: ['me'], summary: 'My open sessions', response: { 200: Type.Object({ items: Type.Array(SessionSchema) }) } },
      },
      async (req) => ({
        items: await me.sessions(requirePrincipal(req)),
      }),
    );
    app.delete(
      '/api/me/sessions/:id',
      { config: { permission: 'authenticated' }, schema: { tags: ['me'], summary: 'End one of my sessions', params: IdParams } },
      async (req, reply) => {
        await me.endSession(actor(req), req.params.id);
        return reply.status(204).send();
      },
    );
  };
