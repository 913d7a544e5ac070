import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyRequest } from 'fastify';
import type { AppContext } from '../../core/context.js';
import { requestMeta } from '../../core/http/request-meta.js';
import { requirePrincipal } from '../../core/http/route-guard.js';
import * as S from './users-admin.schemas.js';
import { UsersAdminService } from './users-admin.service.js';
import type { Actor, UsersAdminDeps } from './users-admin.types.js';
import { exportUsers } from './users-export.js';
import { importUsers } from './users-import.js';

/** The permission codes the administration routes check (roles in access bundle them). */
export function declareAdminPermissions(ctx: AppContext): void {
  ctx.permissions.declare(
    {
      code: 'identity.users.read',
      module: 'identity',
      description: 'List, view and export users and groups',
      descriptionZh: '查看与导出用户和用户组',
      scoped: false,
    },
    {
      code: 'identity.users.manage',
      module: 'identity',
      description: 'Create, edit, disable, lock, reset and delete users; import users',
      descriptionZh: '创建、编辑、禁用、锁定、重置和删除用户；导入用户',
      scoped: false,
    },
    {
      code: 'identity.groups.manage',
      module: 'identity',
      description: 'Create, edit and delete groups and their members',
      descriptionZh: '管理用户组及其成员',
      scoped: false,
    },
  );
}

export function actorOf(req: FastifyRequest): Actor {
  const p = requirePrincipal(req);
  const m = requestMeta(req);
  return { userId: p.userId, username: p.username, ip: m.ip, userAgent: m.userAgent };
}

const READ = { permission: 'identity.users.read' };
const MANAGE = { permission: 'identity.users.manage' };
const tags = ['users'];

export function usersAdminRoutes(deps: UsersAdminDeps): FastifyPluginAsyncTypebox {
  declareAdminPermissions(deps.ctx);
  const svc = new UsersAdminService(deps);
  return async (app) => {
    // CSV uploads arrive as text; the server-wide body limit still applies.
    app.addContentTypeParser('text/csv', { parseAs: 'string' }, (_req, body, done) => done(null, body));

    app.get(
      '/api/users',
      { config: READ, schema: { tags, summary: 'Find users (paged, filtered)', querystring: S.ListQuery, response: { 200: S.UserList } } },
      async (req) => {
        const { page, pageSize, ...q } = req.query;
        return svc.list(q, page, pageSize);
      },
    );

    app.post(
      '/api/users',
      { config: MANAGE, schema: { tags, summary: 'Create a user', body: S.CreateUserBody, response: { 201: S.UserSchema } } },
      async (req, reply) => reply.status(201).send(await svc.create(req.body, actorOf(req))),
    );

    app.get(
      '/api/users/export',
      {
        config: READ,
        schema: {
          tags,
          summary: 'Download the filtered users as CSV or XLSX (no secrets)',
          querystring: S.ExportQuery,
          produces: ['text/csv', 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet'],
        },
      },
      async (req, reply) => {
        const { format, ...q } = req.query;
        const file = await exportUsers(svc, q, format, actorOf(req));
        return reply
          .header('content-type', file.contentType)
          .header('content-disposition', `attachment; filename="${file.filename}"`)
          .header('cache-control', 'no-store')
          .send(file.body);
      },
    );

    app.post(
      '/api/users/import',
      {
        config: MANAGE,
        schema: {
          tags,
          summary: 'Import users from CSV: all rows or none (text/csv body, or JSON {csv, dryRun})',
          consumes: ['text/csv', 'application/json'],
          querystring: Type.Object({ dryRun: Type.Optional(Type.Boolean()) }),
          body: S.ImportBody,
          response: { 200: S.ImportDryRunReply, 201: S.ImportReply },
        },
      },
      async (req, reply) => {
        const csv = typeof req.body === 'string' ? req.body : req.body.csv;
        const dryRun = (typeof req.body === 'string' ? undefined : req.body.dryRun) ?? req.query.dryRun ?? false;
        const result = await importUsers(svc, csv, dryRun, actorOf(req));
        return reply.status('dryRun' in result ? 200 : 201).send(result);
      },
    );

    app.get(
      '/api/users/:id',
      { config: READ, schema: { tags, summary: 'One user', params: S.IdParams, response: { 200: S.UserSchema } } },
      async (req) => svc.get(req.params.id),
    );

    app.patch(
      '/api/users/:id',
      {
        config: MANAGE,
        schema: {
          tags,
          summary: 'Change a user (profile, roles, groups)',
          params: S.IdParams,
          body: S.UpdateUserBody,
          response: { 200: S.UserSchema },
        },
      },
      async (req) => svc.update(req.params.id, req.body, actorOf(req)),
    );

    for (const action of ['disable', 'enable', 'lock', 'unlock'] as const) {
      app.post(
        `/api/users/:id/${action}`,
        {
          config: MANAGE,
          schema: {
            tags,
            summary: `${action[0].toUpperCase()}${action.slice(1)} a user`,
            params: S.IdParams,
            response: { 200: S.UserSchema },
          },
        },
        async (req) => svc.setStatus(req.params.id, action, actorOf(req)),
      );
    }

    app.post(
      '/api/users/:id/reset-password',
      {
        config: MANAGE,
        schema: {
          tags,
          summary: 'Reset a password (generated when none is given); the user must change it at next sign-in',
          params: S.IdParams,
          body: S.ResetPasswordBody,
          response: { 200: S.ResetPasswordReply },
        },
        // No body at all means "generate one", the same as {}.
        preValidation: async (req) => {
          req.body ??= {};
        },
      },
      async (req) => ({ ...(await svc.resetPassword(req.params.id, req.body.newPassword, actorOf(req))), mustChangePassword: true }),
    );

    app.delete(
      '/api/users/:id',
      { config: MANAGE, schema: { tags, summary: 'Delete a user', params: S.IdParams, response: { 204: Type.Null() } } },
      async (req, reply) => {
        await svc.remove(req.params.id, actorOf(req));
        return reply.status(204).send(null);
      },
    );
  };
}
