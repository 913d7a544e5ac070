import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { CatalogService } from './catalog.service.js';
import type { BuildsService } from './builds.service.js';
import { actorOf, BranchParams, LastBuild, Name, ProjectParams, Stale } from './jenkins.schemas.js';
import type { SyncService } from './sync.service.js';

// Lists are filtered per branch by the caller's jenkins.view grants inside the service, so the
// route itself only requires a signed-in caller.
const authed = { permission: 'authenticated' };

const ProjectSchema = Type.Object({
  name: Type.String(),
  description: Type.Union([Type.String(), Type.Null()]),
  kind: Type.String(),
  branchCount: Type.Integer(),
  lastBuild: Type.Union([
    Type.Object({ result: Type.Union([Type.String(), Type.Null()]), building: Type.Boolean(), at: Type.String() }),
    Type.Null(),
  ]),
  favourite: Type.Boolean(),
});
const BranchSchema = Type.Object({ name: Type.String(), buildable: Type.Boolean(), canBuild: Type.Boolean(), lastBuild: LastBuild });
const ParamSchema = Type.Object({
  name: Type.String(),
  type: Type.String(),
  default: Type.Union([Type.String(), Type.Boolean(), Type.Null()]),
  hasDefault: Type.Boolean(),
  description: Type.Union([Type.String(), Type.Null()]),
  choices: Type.Optional(Type.Array(Type.String())),
});

export const projectsRoutes =
  (d: { catalog: CatalogService; builds: BuildsService; sync: SyncService }): FastifyPluginAsyncTypebox =>
  async (app) => {
    app.get(
      '/api/projects',
      {
        config: authed,
        schema: {
          tags: ['jenkins'],
          summary: 'Projects the caller may see (favourites first)',
          querystring: Type.Object({
            q: Type.Optional(Type.String({ maxLength: 200 })),
            sort: Type.Union([Type.Literal('name'), Type.Literal('lastBuild')], { default: 'name' }),
          }),
          response: { 200: Type.Object({ items: Type.Array(ProjectSchema), ...Stale }) },
        },
      },
      async (req) => {
        const p = actorOf(req);
        const [items, fresh] = await Promise.all([d.catalog.listProjects(p.userId, req.query), d.sync.freshness()]);
        return { items, ...fresh };
      },
    );
    app.get(
      '/api/projects/:project/branches',
      {
        config: authed,
        schema: {
          tags: ['jenkins'],
          summary: 'Branches of a project the caller may see, with their last build',
          params: ProjectParams,
          response: { 200: Type.Object({ items: Type.Array(BranchSchema), ...Stale }) },
        },
      },
      async (req) => {
        const [items, fresh] = await Promise.all([d.catalog.listBranches(actorOf(req).userId, req.params.project), d.sync.freshness()]);
        return { items, ...fresh };
      },
    );
    for (const [method, on] of [
      ['PUT', true],
      ['DELETE', false],
    ] as const) {
      app.route({
        method,
        url: '/api/projects/:project/favourite',
        config: authed,
        schema: { tags: ['jenkins'], summary: on ? 'Mark a project as a favourite' : 'Unmark a favourite project', params: ProjectParams },
        handler: async (req, reply) => {
          await d.catalog.setFavourite(actorOf(req), (req.params as { project: string }).project, on);
          return reply.status(204).send();
        },
      });
    }
    app.get(
      '/api/projects/:project/branches/:branch/parameters',
      {
        config: authed,
        schema: {
          tags: ['jenkins'],
          summary: "The branch job's build parameters (password defaults are never sent)",
          params: BranchParams,
          response: { 200: Type.Object({ items: Type.Array(ParamSchema) }) },
        },
      },
      async (req) => ({ items: await d.builds.parameters(actorOf(req), req.params.project, req.params.branch) }),
    );

    app.get(
      '/api/jenkins/tree',
      {
        config: authed,
        schema: {
          tags: ['jenkins'],
          summary: 'Every synced project and branch the caller may grant on (assignment screen)',
          querystring: Type.Object({ q: Type.Optional(Name) }),
          response: {
            200: Type.Object({
              items: Type.Array(
                Type.Object({
                  project: Type.String(),
                  description: Type.Union([Type.String(), Type.Null()]),
                  branches: Type.Array(Type.String()),
                }),
              ),
            }),
          },
        },
      },
      async (req) => ({ items: await d.catalog.grantableTree(actorOf(req).userId, req.query.q) }),
    );
  };
