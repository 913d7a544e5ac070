import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { requirePrincipal } from '../../../core/http/route-guard.js';
import type { BuildResultService } from './build-result.service.js';
import { formatDuration } from './build-result.service.js';
import type { StatusService } from './status.service.js';

const tags = ['approvals'];
const authed = { permission: 'authenticated' };
const IdParams = Type.Object({ id: Type.Integer({ minimum: 1, maximum: 2147483647 }) });
const NStr = Type.Union([Type.String(), Type.Null()]);
const Health = Type.Object({ ok: Type.Boolean(), detail: Type.Optional(Type.String()) }, { additionalProperties: true });
const JenkinsServer = Type.Object({
  name: Type.String(),
  url: Type.String(),
  reachable: Type.Boolean(),
  version: NStr,
  message: Type.String(),
});

export const statusRoutes =
  (d: { status: StatusService; results: BuildResultService }): FastifyPluginAsyncTypebox =>
  async (app) => {
    app.get(
      '/api/status',
      {
        // Counts only (no request contents): any signed-in user or token, as the seed's /api/status.
        config: authed,
        schema: {
          tags,
          summary: 'Approval counts and the health of the database, jobs, Jenkins servers and the Telegram bot',
          response: {
            200: Type.Object({
              total: Type.Integer(),
              pending: Type.Integer(),
              approved: Type.Integer(),
              rejected: Type.Integer(),
              timeout: Type.Integer(),
              components: Type.Object({
                database: Health,
                jobs: Health,
                jenkins: Type.Array(JenkinsServer),
                telegram: Health,
              }),
            }),
          },
        },
      },
      async () => d.status.status(),
    );

    app.get(
      '/api/approvals/:id/log',
      {
        // The service checks approvals.view on the request's project/environment (or approver/requester).
        config: authed,
        schema: {
          tags,
          summary: "The console log of the approval's build, from Jenkins (text; with ?start=N a JSON chunk for live viewing)",
          params: IdParams,
          querystring: Type.Object({ start: Type.Optional(Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER })) }),
        },
      },
      async (req, reply) => {
        const v = requirePrincipal(req);
        if (req.query.start !== undefined) return reply.send(await d.status.logChunk(v, req.params.id, req.query.start));
        const body = await d.status.log(v, req.params.id);
        return reply.header('content-type', 'text/plain; charset=utf-8').send(body);
      },
    );

    app.get(
      '/api/approvals/:id/build-result',
      {
        config: authed,
        schema: {
          tags,
          summary: "The result the approval's pipeline reported (POST /api/build/result); null before it reported",
          params: IdParams,
          response: {
            200: Type.Union([
              Type.Object({
                job: Type.String(),
                build: Type.Integer(),
                result: Type.String(),
                durationMs: Type.Union([Type.Integer(), Type.Null()]),
                duration: NStr,
                url: NStr,
                logTail: NStr,
                reportedAt: Type.String(),
              }),
              Type.Null(),
            ]),
          },
        },
      },
      async (req) => {
        await d.status.visible(requirePrincipal(req), req.params.id);
        const r = await d.results.latestFor(req.params.id);
        if (!r) return null;
        return {
          job: r.job,
          build: r.build,
          result: r.result,
          durationMs: r.duration_ms,
          duration: formatDuration(r.duration_ms),
          url: r.url,
          logTail: r.log_tail,
          reportedAt: r.updated_at,
        };
      },
    );
  };
