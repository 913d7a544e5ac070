import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { GroupsService } from './groups.service.js';
import { actorOf, declareAdminPermissions } from './users-admin.routes.js';
import * as S from './users-admin.schemas.js';
import type { UsersAdminDeps } from './users-admin.types.js';

const READ = { permission: 'identity.users.read' };
const MANAGE = { permission: 'identity.groups.manage' };
const tags = ['groups'];

export function groupsRoutes(deps: UsersAdminDeps): FastifyPluginAsyncTypebox {
  declareAdminPermissions(deps.ctx);
  const svc = new GroupsService(deps);
  return async (app) => {
    app.get(
      '/api/groups',
      { config: READ, schema: { tags, summary: 'Find groups (paged)', querystring: S.GroupListQuery, response: { 200: S.GroupList } } },
      async (req) => svc.list(req.query.q, req.query.page, req.query.pageSize),
    );

    app.post(
      '/api/groups',
      { config: MANAGE, schema: { tags, summary: 'Create a group', body: S.CreateGroupBody, response: { 201: S.GroupDetailSchema } } },
      async (req, reply) => reply.status(201).send(await svc.create(req.body, actorOf(req))),
    );

    app.get(
      '/api/groups/:id',
      { config: READ, schema: { tags, summary: 'One group with its members', params: S.IdParams, response: { 200: S.GroupDetailSchema } } },
      async (req) => svc.get(req.params.id),
    );

    app.patch(
      '/api/groups/:id',
      {
        config: MANAGE,
        schema: {
          tags,
          summary: 'Rename or describe a group',
          params: S.IdParams,
          body: S.UpdateGroupBody,
          response: { 200: S.GroupDetailSchema },
        },
      },
      async (req) => svc.update(req.params.id, req.body, actorOf(req)),
    );

    app.delete(
      '/api/groups/:id',
      {
        config: MANAGE,
        schema: { tags, summary: 'Delete a group (its grants go with it)', params: S.IdParams, response: { 204: Type.Null() } },
      },
      async (req, reply) => {
        await svc.remove(req.params.id, actorOf(req));
        return reply.status(204).send(null);
      },
    );

    app.put(
      '/api/groups/:id/members',
      {
        config: MANAGE,
        schema: { tags, summary: 'Replace the members', params: S.IdParams, body: S.MembersBody, response: { 200: S.GroupDetailSchema } },
      },
      async (req) => svc.putMembers(req.params.id, req.body.userIds, 'set', actorOf(req)),
    );

    app.post(
      '/api/groups/:id/members',
      {
        config: MANAGE,
        schema: { tags, summary: 'Add members', params: S.IdParams, body: S.MembersBody, response: { 200: S.GroupDetailSchema } },
      },
      async (req) => svc.putMembers(req.params.id, req.body.userIds, 'add', actorOf(req)),
    );

    app.delete(
      '/api/groups/:id/members/:userId',
      { config: MANAGE, schema: { tags, summary: 'Remove one member', params: S.MemberParams, response: { 204: Type.Null() } } },
      async (req, reply) => {
        await svc.removeMember(req.params.id, req.params.userId, actorOf(req));
        return reply.status(204).send(null);
      },
    );
  };
}
