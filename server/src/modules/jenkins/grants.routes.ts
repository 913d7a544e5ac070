import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Forbidden } from '../../core/http/errors.js';
import type { Authorizer } from '../../core/http/principal.js';
import type { BranchGrantsService } from './branch-grants.service.js';
import { actorOf, BranchGrantSchema, Id } from './jenkins.schemas.js';

// Creating and removing is authorised by the foundation's grant rules (access.grants.manage on the
// project, and holding what is granted); listing needs access.grants.read, or asks about oneself.
const authed = { permission: 'authenticated' };
const Pattern = Type.String({ minLength: 1, maxLength: 200 });
const SubjectId = Type.Integer({ minimum: 1, maximum: 2147483647 });

export const grantsRoutes =
  (d: { grants: BranchGrantsService; authorizer: Authorizer }): FastifyPluginAsyncTypebox =>
  async (app) => {
    app.get(
      '/api/grants',
      {
        config: authed,
        schema: {
          tags: ['jenkins'],
          summary: 'Branch grants (view / build on project and branch patterns)',
          querystring: Type.Object({
            userId: Type.Optional(SubjectId),
            groupId: Type.Optional(SubjectId),
            project: Type.Optional(Pattern),
          }),
          response: { 200: Type.Object({ items: Type.Array(BranchGrantSchema) }) },
        },
      },
      async (req) => {
        const a = actorOf(req);
        const self = req.query.userId === a.userId && req.query.groupId === undefined;
        if (!self && !(await d.authorizer.can(a.userId, 'access.grants.read', req.query.project ? { project: req.query.project } : {})))
          throw new Forbidden({ permission: 'access.grants.read' });
        return { items: await d.grants.list(req.query) };
      },
    );
    app.post(
      '/api/grants',
      {
        config: authed,
        schema: {
          tags: ['jenkins'],
          summary: 'Grant view or build on a project/branch (exact, glob such as feature/*, or /regex/)',
          body: Type.Object(
            {
              userId: Type.Optional(SubjectId),
              groupId: Type.Optional(SubjectId),
              project: Pattern,
              branch: Pattern,
              canView: Type.Boolean({ default: true }),
              canBuild: Type.Boolean({ default: false }),
            },
            { additionalProperties: false },
          ),
          response: { 201: BranchGrantSchema },
        },
      },
      async (req, reply) => reply.status(201).send(await d.grants.create(actorOf(req), req.body)),
    );
    app.patch(
      '/api/grants/:id',
      {
        config: authed,
        schema: {
          tags: ['jenkins'],
          summary: 'Switch a branch grant between view and build (the grant is replaced: a new id is returned)',
          params: Id,
          body: Type.Object({ canBuild: Type.Boolean() }, { additionalProperties: false }),
          response: { 200: BranchGrantSchema },
        },
      },
      async (req) => d.grants.update(actorOf(req), req.params.id, req.body.canBuild),
    );
    app.delete(
      '/api/grants/:id',
      { config: authed, schema: { tags: ['jenkins'], summary: 'Remove a branch grant', params: Id } },
      async (req, reply) => {
        await d.grants.remove(actorOf(req), req.params.id);
        return reply.status(204).send();
      },
    );
  };
