import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { BuildsService } from './builds.service.js';
import { actorOf, BranchParams, BuildParams } from './jenkins.schemas.js';

// Each handler re-checks jenkins.view / jenkins.build on the exact project and branch in the
// service (and audits a refused build), before anything is sent to Jenkins.
const authed = { permission: 'authenticated' };
const NStr = Type.Union([Type.String(), Type.Null()]);
const Summary = {
  number: Type.Integer(),
  result: NStr,
  building: Type.Boolean(),
  startedAt: Type.String(),
  durationMs: Type.Integer(),
  triggeredBy: NStr,
  jenkinsCauses: Type.Array(Type.String()),
};

/** Content-Disposition for a download, safe for any file name. */
const attachment = (name: string) =>
  `attachment; filename="${name.replace(/[^\w.-]+/g, '_')}"; filename*=UTF-8''${encodeURIComponent(name)}`;

export const buildsRoutes =
  (d: { builds: BuildsService }): FastifyPluginAsyncTypebox =>
  async (app) => {
    app.post(
      '/api/projects/:project/branches/:branch/builds',
      {
        config: authed,
        schema: {
          tags: ['jenkins'],
          summary: 'Build a branch (parameters checked against the job before Jenkins sees them)',
          params: BranchParams,
          body: Type.Object(
            {
              parameters: Type.Optional(
                Type.Record(
                  Type.String({ minLength: 1, maxLength: 200 }),
                  Type.Union([Type.String({ maxLength: 100_000 }), Type.Boolean(), Type.Number()]),
                  {
                    maxProperties: 200,
                  },
                ),
              ),
            },
            { additionalProperties: false },
          ),
          response: { 202: Type.Object({ id: Type.Integer(), queueId: Type.Integer() }) },
        },
      },
      async (req, reply) =>
        reply.status(202).send(await d.builds.trigger(actorOf(req), req.params.project, req.params.branch, req.body?.parameters ?? {})),
    );
    app.get(
      '/api/jenkins/queue/:queueId',
      {
        config: authed,
        schema: {
          tags: ['jenkins'],
          summary: 'Where a build queued through Gatehouse is: waiting (and why), started (with its number), cancelled',
          params: Type.Object({ queueId: Type.Integer({ minimum: 1, maximum: 2147483647 }) }),
          response: {
            200: Type.Object({
              queueId: Type.Integer(),
              id: Type.Integer(),
              status: Type.String(),
              number: Type.Union([Type.Integer(), Type.Null()]),
              waitingMs: Type.Integer(),
              why: NStr,
              project: Type.String(),
              branch: Type.String(),
            }),
          },
        },
      },
      async (req) => d.builds.queue(actorOf(req), req.params.queueId),
    );
    app.get(
      '/api/projects/:project/branches/:branch/builds',
      {
        config: authed,
        schema: {
          tags: ['jenkins'],
          summary: 'Build history of a branch, newest first',
          params: BranchParams,
          querystring: Type.Object({
            page: Type.Integer({ minimum: 1, maximum: 10_000, default: 1 }),
            pageSize: Type.Integer({ minimum: 1, maximum: 100, default: 20 }),
          }),
          response: {
            200: Type.Object({
              items: Type.Array(Type.Object(Summary)),
              page: Type.Integer(),
              pageSize: Type.Integer(),
              hasMore: Type.Boolean(),
            }),
          },
        },
      },
      async (req) => d.builds.history(actorOf(req), req.params.project, req.params.branch, req.query.page, req.query.pageSize),
    );
    app.get(
      '/api/projects/:project/branches/:branch/builds/:number',
      {
        config: authed,
        schema: {
          tags: ['jenkins'],
          summary: 'One build: result, parameters (passwords masked), artifacts',
          params: BuildParams,
          response: {
            200: Type.Object({
              ...Summary,
              estimatedDurationMs: Type.Integer(),
              parameters: Type.Array(Type.Object({ name: Type.String(), value: Type.Unknown() })),
              artifacts: Type.Array(Type.Object({ path: Type.String(), name: Type.String() })),
            }),
          },
        },
      },
      async (req) => d.builds.detail(actorOf(req), req.params.project, req.params.branch, req.params.number),
    );
    app.get(
      '/api/projects/:project/branches/:branch/builds/:number/log',
      {
        config: authed,
        schema: {
          tags: ['jenkins'],
          summary: 'The console log from byte offset `start` (ANSI colours kept, console notes removed)',
          params: BuildParams,
          querystring: Type.Object({ start: Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER, default: 0 }) }),
          response: { 200: Type.Object({ text: Type.String(), nextStart: Type.Integer(), more: Type.Boolean() }) },
        },
      },
      async (req) => d.builds.log(actorOf(req), req.params.project, req.params.branch, req.params.number, req.query.start),
    );
    app.get(
      '/api/projects/:project/branches/:branch/builds/:number/log/download',
      { config: authed, schema: { tags: ['jenkins'], summary: 'The whole console log as a text file', params: BuildParams } },
      async (req, reply) => {
        const { project, branch, number } = req.params;
        const body = await d.builds.download(actorOf(req), project, branch, number);
        return reply
          .header('content-type', 'text/plain; charset=utf-8')
          .header('content-disposition', attachment(`${project}-${branch}-${number}.log`))
          .send(body);
      },
    );
    app.get(
      '/api/projects/:project/branches/:branch/builds/:number/artifacts/*',
      {
        config: authed,
        schema: {
          tags: ['jenkins'],
          summary: 'Download one artifact of a build',
          params: Type.Object({ ...BuildParams.properties, '*': Type.String({ minLength: 1, maxLength: 2048 }) }),
        },
      },
      async (req, reply) => {
        const { project, branch, number } = req.params;
        const path = req.params['*'];
        const a = await d.builds.artifact(actorOf(req), project, branch, number, path);
        reply.header('content-type', a.contentType).header('content-disposition', attachment(path.split('/').pop() || 'artifact'));
        if (a.contentLength !== null) reply.header('content-length', a.contentLength);
        return reply.send(a.body);
      },
    );
    app.post(
      '/api/projects/:project/branches/:branch/builds/:number/stop',
      { config: authed, schema: { tags: ['jenkins'], summary: 'Stop a running build', params: BuildParams } },
      async (req, reply) => {
        await d.builds.stop(actorOf(req), req.params.project, req.params.branch, req.params.number);
        return reply.status(202).send({ stopping: true });
      },
    );
  };
