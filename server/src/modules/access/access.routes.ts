import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyRequest } from 'fastify';
import { Forbidden } from '../../core/http/errors.js';
import { pageOffset } from '../../core/http/pagination.js';
import type { PermissionRegistry } from '../../core/permissions.js';
import { scopeAllows, type Principal, type Resource } from '../../core/http/principal.js';
import { requestMeta } from '../../core/http/request-meta.js';
import { requirePrincipal } from '../../core/http/route-guard.js';
import type { IdentityService } from '../identity/index.js';
import { explain } from './access-explain.js';
import { SubjectNotFound } from './access.errors.js';
import type { AccessPolicy } from './access-policy.js';
import type { GrantsService } from './grants.service.js';
import type { RolesService } from './roles.service.js';
import type { TemplatesService } from './templates.service.js';

const Id = Type.Object({ id: Type.Integer({ minimum: 1, maximum: 2147483647 }) });
const Part = Type.String({ minLength: 1, maxLength: 200 });
const Code = Type.String({ minLength: 1, maxLength: 100 });
const SpecBody = {
  role: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
  permission: Type.Optional(Code),
  project: Type.Optional(Part),
  branch: Type.Optional(Part),
  environment: Type.Optional(Part),
};
const Spec = Type.Object(SpecBody, { additionalProperties: false });
const RoleName = Type.String({ minLength: 2, maxLength: 64, pattern: '^[a-z][a-z0-9-]*$' });
const RoleSchema = Type.Object({
  id: Type.Integer(),
  name: Type.String(),
  displayName: Type.String(),
  description: Type.String(),
  permissions: Type.Array(Type.String()),
  builtin: Type.Boolean(),
});
const GrantSchema = Type.Object({
  id: Type.Integer(),
  subjectType: Type.String(),
  subjectId: Type.Integer(),
  subjectName: Type.Union([Type.String(), Type.Null()]),
  role: Type.Union([Type.String(), Type.Null()]),
  permission: Type.Union([Type.String(), Type.Null()]),
  project: Type.String(),
  branch: Type.String(),
  environment: Type.String(),
  templateId: Type.Union([Type.Integer(), Type.Null()]),
  grantedBy: Type.Union([Type.Integer(), Type.Null()]),
  grantedAt: Type.String(),
});
const ExplainGrant = Type.Object({
  id: Type.Integer(),
  via: Type.String(),
  groupName: Type.Union([Type.String(), Type.Null()]),
  role: Type.Union([Type.String(), Type.Null()]),
  permission: Type.Union([Type.String(), Type.Null()]),
  project: Type.String(),
  branch: Type.String(),
  environment: Type.String(),
});
const TemplateSchema = Type.Object({
  id: Type.Integer(),
  name: Type.String(),
  description: Type.String(),
  grants: Type.Array(
    Type.Object({
      role: Type.Optional(Type.String()),
      permission: Type.Optional(Type.String()),
      project: Type.String(),
      branch: Type.String(),
      environment: Type.String(),
    }),
  ),
  createdAt: Type.String(),
  updatedAt: Type.String(),
});

export interface AccessRouteDeps {
  policy: AccessPolicy;
  roles: RolesService;
  grants: GrantsService;
  templates: TemplatesService;
  identity: IdentityService;
  registry: PermissionRegistry;
}

export const accessRoutes =
  (d: AccessRouteDeps): FastifyPluginAsyncTypebox =>
  async (app) => {
    const actor = (req: FastifyRequest) => {
      const p = requirePrincipal(req);
      return { userId: p.userId, username: p.username, scopes: p.scopes, ...requestMeta(req) };
    };
    // These routes are 'authenticated' and check permissions here, so an API token's scopes apply here too.
    const may = async (p: Principal, code: string, resource: Resource) =>
      scopeAllows(p.scopes, code) && d.policy.can(p.userId, code, resource);
    const authed = { permission: 'authenticated' } as const;

    app.get(
      '/api/access/permissions',
      {
        config: authed,
        schema: {
          tags: ['access'],
          summary: 'Every permission code the modules declare',
          response: {
            200: Type.Object({
              items: Type.Array(
                Type.Object({
                  code: Type.String(),
                  module: Type.String(),
                  description: Type.String(),
                  descriptionZh: Type.Optional(Type.String()),
                  scoped: Type.Boolean(),
                }),
              ),
            }),
          },
        },
      },
      async () => ({ items: d.registry.list() }),
    );

    const ScopeOut = Type.Object({ project: Type.String(), branch: Type.String(), environment: Type.String() });
    const AccessMe = Type.Object({
      isSuperAdmin: Type.Boolean(),
      roles: Type.Array(Type.String()),
      permissions: Type.Array(Type.Object({ code: Type.String(), scopes: Type.Array(ScopeOut) })),
      grants: Type.Array(
        Type.Object({
          id: Type.Integer(),
          via: Type.String(),
          role: Type.Union([Type.String(), Type.Null()]),
          permission: Type.Union([Type.String(), Type.Null()]),
          permissions: Type.Array(Type.String()),
          project: Type.String(),
          branch: Type.String(),
          environment: Type.String(),
        }),
      ),
    });
    app.get(
      '/api/access/me',
      {
        config: { ...authed, allowPending: true },
        schema: { tags: ['access'], summary: 'My roles and grants (the menu uses it)', response: { 200: AccessMe } },
      },
      async (req) => {
        const p = requirePrincipal(req);
        const mine = await d.policy.grantsOf(p.userId);
        // Each code (or wildcard) the user holds, with the scopes it holds it on: the menu and the
        // pages decide what to show from this; the server still checks every request.
        const byCode = new Map<string, Array<{ project: string; branch: string; environment: string }>>();
        for (const g of mine)
          for (const code of g.permissions)
            byCode.set(code, [...(byCode.get(code) ?? []), { project: g.project, branch: g.branch, environment: g.environment }]);
        return {
          isSuperAdmin: await d.policy.isSuperAdmin(p.userId),
          roles: [...new Set(mine.map((g) => g.role).filter((r): r is string => !!r))],
          permissions: [...byCode].map(([code, scopes]) => ({ code, scopes })),
          grants: mine.map((g) => ({
            id: g.id,
            via: g.via,
            role: g.role,
            permission: g.permission,
            permissions: g.permissions,
            project: g.project,
            branch: g.branch,
            environment: g.environment,
          })),
        };
      },
    );

    app.get(
      '/api/roles',
      { config: authed, schema: { tags: ['access'], summary: 'Roles', response: { 200: Type.Object({ items: Type.Array(RoleSchema) }) } } },
      async () => ({ items: await d.roles.list() }),
    );
    app.post(
      '/api/roles',
      {
        config: { permission: 'access.roles.manage' },
        schema: {
          tags: ['access'],
          summary: 'Create a role',
          body: Type.Object(
            {
              name: RoleName,
              displayName: Type.Optional(Type.String({ maxLength: 100 })),
              description: Type.Optional(Type.String({ maxLength: 1000 })),
              permissions: Type.Array(Code, { maxItems: 200 }),
            },
            { additionalProperties: false },
          ),
          response: { 201: RoleSchema },
        },
      },
      async (req, reply) => reply.status(201).send(await d.roles.create(actor(req), req.body)),
    );
    app.patch(
      '/api/roles/:id',
      {
        config: { permission: 'access.roles.manage' },
        schema: {
          tags: ['access'],
          summary: 'Change a role',
          params: Id,
          body: Type.Object(
            {
              displayName: Type.Optional(Type.String({ maxLength: 100 })),
              description: Type.Optional(Type.String({ maxLength: 1000 })),
              permissions: Type.Optional(Type.Array(Code, { maxItems: 200 })),
            },
            { additionalProperties: false },
          ),
          response: { 200: RoleSchema },
        },
      },
      async (req) => d.roles.update(actor(req), req.params.id, req.body),
    );
    app.delete(
      '/api/roles/:id',
      { config: { permission: 'access.roles.manage' }, schema: { tags: ['access'], summary: 'Delete a role and its grants', params: Id } },
      async (req, reply) => {
        await d.roles.remove(actor(req), req.params.id);
        return reply.status(204).send();
      },
    );

    app.get(
      '/api/access/grants',
      {
        config: authed,
        schema: {
          tags: ['access'],
          summary: 'List grants',
          querystring: Type.Object({
            subjectType: Type.Optional(Type.Union([Type.Literal('user'), Type.Literal('group')])),
            subjectId: Type.Optional(Type.Integer({ minimum: 1, maximum: 2147483647 })),
            project: Type.Optional(Part),
            page: Type.Integer({ minimum: 1, maximum: 100000, default: 1 }),
            pageSize: Type.Integer({ minimum: 1, maximum: 500, default: 50 }),
          }),
          response: { 200: Type.Object({ items: Type.Array(GrantSchema), total: Type.Integer() }) },
        },
      },
      async (req) => {
        const p = requirePrincipal(req);
        const { page, pageSize, ...f } = req.query;
        const self = f.subjectType === 'user' && f.subjectId === p.userId;
        if (!self && !(await may(p, 'access.grants.read', f.project ? { project: f.project } : {})))
          throw new Forbidden({ permission: 'access.grants.read' });
        const { limit, offset } = pageOffset({ page, pageSize });
        return d.grants.list(f, limit, offset);
      },
    );
    app.post(
      '/api/access/grants',
      {
        config: authed,
        schema: {
          tags: ['access'],
          summary: 'Grant a role or a permission to a user or group on a scope',
          body: Type.Object(
            {
              subjectType: Type.Union([Type.Literal('user'), Type.Literal('group')]),
              subjectId: Type.Integer({ minimum: 1, maximum: 2147483647 }),
              ...SpecBody,
            },
            { additionalProperties: false },
          ),
          response: { 201: GrantSchema },
        },
      },
      async (req, reply) => {
        const { subjectType, subjectId, ...spec } = req.body;
        return reply.status(201).send(await d.grants.create(actor(req), subjectType, subjectId, spec));
      },
    );
    app.delete(
      '/api/access/grants/:id',
      { config: authed, schema: { tags: ['access'], summary: 'Remove a grant', params: Id } },
      async (req, reply) => {
        await d.grants.remove(actor(req), req.params.id);
        return reply.status(204).send();
      },
    );

    app.get(
      '/api/access/explain',
      {
        config: authed,
        schema: {
          tags: ['access'],
          summary: 'Which grant allows a permission, or why it is denied',
          querystring: Type.Object({
            userId: Type.Integer({ minimum: 1, maximum: 2147483647 }),
            permission: Code,
            project: Type.Optional(Part),
            branch: Type.Optional(Part),
            environment: Type.Optional(Part),
          }),
          response: {
            200: Type.Object({
              allowed: Type.Boolean(),
              permission: Type.String(),
              resource: Type.Object({
                project: Type.Optional(Type.String()),
                branch: Type.Optional(Type.String()),
                environment: Type.Optional(Type.String()),
              }),
              grant: Type.Optional(ExplainGrant),
              nearest: Type.Array(ExplainGrant),
              reason: Type.String(),
            }),
          },
        },
      },
      async (req) => {
        const p = requirePrincipal(req);
        const { userId, permission, ...resource } = req.query;
        if (userId !== p.userId && !(await may(p, 'access.grants.read', resource.project ? { project: resource.project } : {})))
          throw new Forbidden({ permission: 'access.grants.read' });
        // An unknown user would otherwise read as "no grants at all", hiding a typo in the id.
        if (!(await d.identity.getUser(userId))) throw new SubjectNotFound({ subjectType: 'user', subjectId: userId }, 'No such user.');
        return explain(d.policy, d.identity, userId, permission, resource);
      },
    );

    app.get(
      '/api/access/templates',
      {
        config: authed,
        schema: {
          tags: ['access'],
          summary: 'Permission templates',
          response: { 200: Type.Object({ items: Type.Array(TemplateSchema) }) },
        },
      },
      async () => ({ items: await d.templates.list() }),
    );
    const TemplateBody = Type.Object(
      {
        name: Type.String({ minLength: 1, maxLength: 100 }),
        description: Type.Optional(Type.String({ maxLength: 1000 })),
        grants: Type.Array(Spec, { minItems: 1, maxItems: 200 }),
      },
      { additionalProperties: false },
    );
    app.post(
      '/api/access/templates',
      {
        config: { permission: 'access.templates.manage' },
        schema: { tags: ['access'], summary: 'Create a template', body: TemplateBody, response: { 201: TemplateSchema } },
      },
      async (req, reply) => reply.status(201).send(await d.templates.create(actor(req), req.body)),
    );
    app.get(
      '/api/access/templates/:id',
      { config: authed, schema: { tags: ['access'], summary: 'One template', params: Id, response: { 200: TemplateSchema } } },
      async (req) => d.templates.get(req.params.id),
    );
    app.patch(
      '/api/access/templates/:id',
      {
        config: { permission: 'access.templates.manage' },
        schema: {
          tags: ['access'],
          summary: 'Change a template',
          params: Id,
          body: Type.Partial(TemplateBody),
          response: { 200: TemplateSchema },
        },
      },
      async (req) => d.templates.update(actor(req), req.params.id, req.body),
    );
    app.delete(
      '/api/access/templates/:id',
      {
        config: { permission: 'access.templates.manage' },
        schema: { tags: ['access'], summary: 'Delete a template (its grants stay)', params: Id },
      },
      async (req, reply) => {
        await d.templates.remove(actor(req), req.params.id);
        return reply.status(204).send();
      },
    );
    app.post(
      '/api/access/templates/:id/apply',
      {
        config: authed,
        schema: {
          tags: ['access'],
          summary: 'Apply a template to users and groups',
          params: Id,
          body: Type.Object(
            {
              userIds: Type.Optional(Type.Array(Type.Integer({ minimum: 1, maximum: 2147483647 }), { maxItems: 1000 })),
              groupIds: Type.Optional(Type.Array(Type.Integer({ minimum: 1, maximum: 2147483647 }), { maxItems: 1000 })),
            },
            { additionalProperties: false },
          ),
          response: { 200: Type.Object({ created: Type.Integer(), skipped: Type.Integer() }) },
        },
      },
      async (req) => d.templates.apply(actor(req), req.params.id, req.body.userIds ?? [], req.body.groupIds ?? []),
    );
  };
