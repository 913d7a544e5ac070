import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { actorOf, Authored, EntityName, Id, isoOrUndefined, NStr, PageQuery, paged, Project, Time } from './automation.schemas.js';
import type { ScriptsService } from './scripts.service.js';

// Every route is open to signed-in users; the service checks automation.* on the script's project.
const authed = { permission: 'authenticated' };
const tags = ['automation'];
const Language = Type.Union([Type.Literal('bash'), Type.Literal('sh'), Type.Literal('python3')]);
const Content = Type.String({ minLength: 1, maxLength: 512_000 });
const Description = Type.String({ maxLength: 4000 });

const ScriptSummary = Type.Object({
  id: Type.Integer(),
  name: Type.String(),
  language: Type.String(),
  description: Type.String(),
  project: Type.String(),
  version: Type.Integer(),
  ...Authored,
});
const ScriptDetail = Type.Object({ ...ScriptSummary.properties, content: Type.String() });
const VersionParams = Type.Object({ ...Id.properties, version: Type.Integer({ minimum: 1, maximum: 2147483647 }) });

export const scriptsRoutes =
  (d: { scripts: ScriptsService }): FastifyPluginAsyncTypebox =>
  async (app) => {
    app.get(
      '/api/scripts',
      {
        config: authed,
        schema: {
          tags,
          summary: 'Scripts in the projects you may see, newest first (q searches names)',
          querystring: Type.Object({
            ...PageQuery,
            q: Type.Optional(Type.String({ maxLength: 200 })),
            language: Type.Optional(Language),
            creator: Type.Optional(Type.String({ maxLength: 255 })),
            createdFrom: Type.Optional(Time),
            createdTo: Type.Optional(Time),
            project: Type.Optional(Project),
          }),
          response: { 200: paged(ScriptSummary) },
        },
      },
      async (req) => {
        const { createdFrom, createdTo, ...rest } = req.query;
        return d.scripts.list(actorOf(req), { ...rest, createdFrom: isoOrUndefined(createdFrom), createdTo: isoOrUndefined(createdTo) });
      },
    );
    app.post(
      '/api/scripts',
      {
        config: authed,
        schema: {
          tags,
          summary: 'Create a script (version 1)',
          body: Type.Object(
            { name: EntityName, language: Language, content: Content, project: Project, description: Type.Optional(Description) },
            { additionalProperties: false },
          ),
          response: { 201: ScriptDetail },
        },
      },
      async (req, reply) => reply.status(201).send(await d.scripts.create(actorOf(req), req.body)),
    );
    app.get(
      '/api/scripts/:id',
      { config: authed, schema: { tags, summary: 'A script with its current content', params: Id, response: { 200: ScriptDetail } } },
      async (req) => d.scripts.get(actorOf(req), req.params.id),
    );
    app.put(
      '/api/scripts/:id',
      {
        config: authed,
        schema: {
          tags,
          summary: 'Change a script; a new content or language makes a new version',
          params: Id,
          body: Type.Object(
            {
              name: Type.Optional(EntityName),
              language: Type.Optional(Language),
              content: Type.Optional(Content),
              description: Type.Optional(Description),
            },
            { additionalProperties: false },
          ),
          response: { 200: ScriptDetail },
        },
      },
      async (req) => d.scripts.update(actorOf(req), req.params.id, req.body),
    );
    app.delete(
      '/api/scripts/:id',
      { config: authed, schema: { tags, summary: 'Delete a script and its versions (409 SCRIPT_IN_USE while tasks use it)', params: Id } },
      async (req, reply) => {
        await d.scripts.remove(actorOf(req), req.params.id);
        return reply.status(204).send();
      },
    );
    app.get(
      '/api/scripts/:id/versions',
      {
        config: authed,
        schema: {
          tags,
          summary: 'Versions of a script, newest first',
          params: Id,
          response: {
            200: Type.Object({
              items: Type.Array(
                Type.Object({ version: Type.Integer(), language: Type.String(), createdAt: Type.String(), createdByName: NStr }),
              ),
            }),
          },
        },
      },
      async (req) => d.scripts.versions(actorOf(req), req.params.id),
    );
    app.get(
      '/api/scripts/:id/versions/:version',
      {
        config: authed,
        schema: {
          tags,
          summary: 'One version of a script',
          params: VersionParams,
          response: { 200: Type.Object({ version: Type.Integer(), language: Type.String(), content: Type.String() }) },
        },
      },
      async (req) => d.scripts.version(actorOf(req), req.params.id, req.params.version),
    );
  };
