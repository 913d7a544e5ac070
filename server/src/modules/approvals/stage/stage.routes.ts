import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyRequest } from 'fastify';
import { requirePrincipal } from '../../../core/http/route-guard.js';
import { requestMeta } from '../../../core/http/request-meta.js';
import type { BuildResultService } from './build-result.service.js';
import { mergeRaw, parseBuildResult, parseStageParams, type BuildResultParams } from './stage-params.js';
import type { StageService } from './stage.service.js';
import type { StageParams } from './stage.types.js';

const tags = ['approvals'];
/** Pipelines send numbers, booleans or strings; parsing happens in stage-params.ts with stable codes. */
const Loose = Type.Optional(Type.Union([Type.String({ maxLength: 65_536 }), Type.Number(), Type.Boolean(), Type.Null()]));
const names = [
  'project',
  'env',
  'environment',
  'job',
  'build',
  'version',
  'desc',
  'description',
  'action',
  'timeout',
  'inputId',
  'input_id',
  'server',
  'wait',
];
const WaitInput = Type.Object(Object.fromEntries(names.map((n) => [n, Loose])));
const ResultInput = Type.Object(
  Object.fromEntries(
    [
      'project',
      'env',
      'environment',
      'job',
      'build',
      'result',
      'duration',
      'duration_ms',
      'url',
      'approval_id',
      'approvalId',
      'log_tail',
    ].map((n) => [n, Loose]),
  ),
);
const NInt = Type.Union([Type.Integer(), Type.Null()]);
const NStr = Type.Union([Type.String(), Type.Null()]);

const WaitAnswer = Type.Object({
  approval_id: Type.Integer(),
  approvalId: Type.Integer(),
  status: Type.String(),
  created: Type.Boolean(),
  url: Type.String(),
  log_url: Type.String(),
  result: Type.Optional(Type.String({ description: 'wait=true: approved, rejected or timeout' })),
  outcome: Type.Optional(Type.String({ description: 'wait=true: proceed or abort, what the pipeline should do' })),
  approver: Type.Optional(NStr),
  comment: Type.Optional(NStr),
  waited_seconds: Type.Optional(Type.Integer()),
});

// Parsed parameters, shared by the route guard (its resource) and the handler.
const parsed = new WeakMap<FastifyRequest, StageParams | BuildResultParams>();
const get = <T>(req: FastifyRequest) => parsed.get(req) as T;
const resource = (req: FastifyRequest) => {
  const p = get<StageParams>(req);
  return { project: p.project, environment: p.env };
};

export const stageRoutes =
  (d: { stage: StageService; results: BuildResultService }): FastifyPluginAsyncTypebox =>
  async (app) => {
    // Jenkins' httpRequest and curl -d send forms; this parser is local to these routes.
    app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_req, body, done) => {
      done(null, Object.fromEntries(new URLSearchParams(String(body))));
    });

    const wait = {
      config: { permission: 'approvals.request', resource },
      preValidation: async (req: FastifyRequest) => void parsed.set(req, parseStageParams(mergeRaw(req.query, req.body))),
      schema: {
        tags,
        summary: 'A pipeline asks for approval (seed parameters; idempotent per server, job, build and input)',
        description:
          'Parameters in the query string, a JSON body or a form: project, env, job, build (required), version, desc, action, ' +
          'timeout (seconds, or 30m / 2h), inputId (the input step Gatehouse proceeds or aborts), server (Jenkins server name), ' +
          'wait (true: answer only when decided). 201 = new request, 200 = the one this run already made.',
        querystring: WaitInput,
        response: { 200: WaitAnswer, 201: WaitAnswer },
      },
    };
    const handler = async (req: FastifyRequest, reply: import('fastify').FastifyReply) => {
      const p = get<StageParams>(req);
      const begun = d.stage.waitStart();
      const { approval, created } = await d.stage.request(requirePrincipal(req).userId, p, requestMeta(req));
      const answer = d.stage.answer(approval, created);
      if (!p.wait) return reply.status(created ? 201 : 200).send(answer);
      // The pipeline hangs up (aborted build): stop waiting for it.
      const gone = new AbortController();
      reply.raw.on('close', () => {
        if (!reply.raw.writableEnded) gone.abort();
      });
      const waited = await d.stage.waitFor(approval, p.timeoutSeconds, begun, gone.signal);
      return reply.status(200).send({ ...answer, ...waited });
    };
    app.get('/api/stage/approval/wait', wait, handler);
    app.post('/api/stage/approval/wait', { ...wait, schema: { ...wait.schema, body: Type.Optional(WaitInput) } }, handler);

    app.post(
      '/api/build/result',
      {
        config: {
          permission: 'approvals.request',
          resource: (req: FastifyRequest) => {
            const p = get<BuildResultParams>(req);
            return { project: p.project, environment: p.env };
          },
        },
        preValidation: async (req) => void parsed.set(req, parseBuildResult(mergeRaw(req.query, req.body))),
        schema: {
          tags,
          summary: "A pipeline reports its build's result (the seed's callback); approvers and project owners are notified",
          description:
            'JSON or form: project, env, job, build, result (SUCCESS, FAILURE, UNSTABLE, ABORTED, NOT_BUILT) required; duration ' +
            '(seconds, or 1m 35s), url, approval_id, log_tail optional. On failure without log_tail the tail is read from Jenkins.',
          body: Type.Optional(ResultInput),
          response: {
            200: Type.Object({ id: Type.Integer(), created: Type.Boolean(), approvalId: NInt, result: Type.String() }),
          },
        },
      },
      async (req) => {
        const p = requirePrincipal(req);
        return d.results.record({ userId: p.userId, username: p.username, ...requestMeta(req) }, get<BuildResultParams>(req));
      },
    );
  };
