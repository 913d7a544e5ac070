import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { AppContext } from '../../core/context.js';
import type { Run } from '../../core/runs/index.js';
import { actorOf, Id, NInt, NStr, PageQuery } from './automation.schemas.js';
import type { ScriptsService } from './scripts.service.js';
import * as hostsRepo from './hosts.repo.js';
import * as tasksRepo from './tasks.repo.js';
import type { TaskRunner } from './task-runner.js';

// Open to signed-in users; the runner checks automation.view / automation.tasks.run on the project.
const authed = { permission: 'authenticated' };
const tags = ['automation'];
const RunIdParams = Type.Object({ runId: Type.Integer({ minimum: 1, maximum: 2147483647 }) });

const RunSummary = Type.Object({
  id: Type.Integer(),
  taskId: Type.Integer(),
  taskName: NStr,
  status: Type.String(),
  trigger: Type.String(),
  startedBy: NStr,
  scriptVersion: NInt,
  createdAt: Type.String(),
  startedAt: NStr,
  finishedAt: NStr,
  durationMs: NInt,
  targets: Type.Object({ total: Type.Integer(), succeeded: Type.Integer(), failed: Type.Integer() }),
});

const TargetResult = Type.Object({
  targetId: Type.Integer(),
  name: Type.String(),
  host: NStr,
  status: Type.String(),
  exitCode: NInt,
  stdout: Type.String(),
  stderr: Type.String(),
  system: Type.String(),
  truncated: Type.Boolean(),
  error: NStr,
  startedAt: NStr,
  finishedAt: NStr,
  durationMs: NInt,
});

function summary(r: Run) {
  const d = (r.details ?? {}) as { taskName?: string; scriptVersion?: number };
  return {
    id: r.id,
    taskId: Number(r.subject.id),
    taskName: d.taskName ?? null,
    status: r.status,
    trigger: r.trigger,
    startedBy: r.startedBy.name,
    scriptVersion: d.scriptVersion ?? null,
    createdAt: r.createdAt,
    startedAt: r.startedAt,
    finishedAt: r.finishedAt,
    durationMs: r.durationMs,
    targets: {
      total: r.targets.length,
      succeeded: r.targets.filter((t) => t.status === 'succeeded').length,
      failed: r.targets.filter(
        (t) => t.status !== 'succeeded' && t.status !== 'queued' && t.status !== 'running' && t.status !== 'cancelled',
      ).length,
    },
  };
}

export const runsRoutes =
  (d: { ctx: AppContext; runner: TaskRunner; scripts: ScriptsService }): FastifyPluginAsyncTypebox =>
  async (app) => {
    app.post(
      '/api/tasks/:id/run',
      {
        config: authed,
        schema: { tags, summary: 'Run a task now', params: Id, response: { 202: Type.Object({ runId: Type.Integer() }) } },
      },
      async (req, reply) => reply.status(202).send({ runId: await d.runner.runNow(actorOf(req), req.params.id) }),
    );
    app.get(
      '/api/tasks/:id/runs',
      {
        config: authed,
        schema: {
          tags,
          summary: "A task's runs, newest first",
          params: Id,
          querystring: Type.Object(PageQuery),
          response: { 200: Type.Object({ items: Type.Array(RunSummary), total: Type.Integer() }) },
        },
      },
      async (req) => {
        const task = await d.runner.taskFor(actorOf(req), req.params.id);
        const { items, total } = await d.ctx.runs.list(
          { subjectType: 'task', subjectIds: [String(task.id)] },
          req.query.pageSize,
          (req.query.page - 1) * req.query.pageSize,
        );
        return { items: items.map(summary), total };
      },
    );
    app.get(
      '/api/scripts/:id/runs',
      {
        config: authed,
        schema: {
          tags,
          summary: 'Runs of every task that uses a script',
          params: Id,
          querystring: Type.Object(PageQuery),
          response: { 200: Type.Object({ items: Type.Array(RunSummary), total: Type.Integer() }) },
        },
      },
      async (req) => {
        await d.scripts.get(actorOf(req), req.params.id);
        const ids = await tasksRepo.taskIdsOfScript(d.ctx.db, req.params.id);
        const { items, total } = await d.ctx.runs.list(
          { subjectType: 'task', subjectIds: ids.map(String) },
          req.query.pageSize,
          (req.query.page - 1) * req.query.pageSize,
        );
        return { items: items.map(summary), total };
      },
    );
    app.get(
      '/api/runs/:runId',
      {
        config: authed,
        schema: {
          tags,
          summary: 'A run with every target: status, exit code, stdout and stderr (capped)',
          params: RunIdParams,
          response: {
            200: Type.Object({ ...RunSummary.properties, details: Type.Unknown(), error: NStr, targets: Type.Array(TargetResult) }),
          },
        },
      },
      async (req) => {
        const run = await d.runner.visibleRun(actorOf(req), req.params.runId);
        const out = await d.ctx.runs.outputOf(run.id);
        const hosts = new Map(
          (
            await hostsRepo.findTargets(
              d.ctx.db,
              run.targets.map((t) => Number(t.key)),
            )
          ).map((h) => [h.id, `${h.host}:${h.port}`]),
        );
        return {
          ...summary(run),
          details: run.details,
          error: run.error,
          targets: run.targets.map((t) => ({
            targetId: Number(t.key),
            name: t.name,
            host: hosts.get(Number(t.key)) ?? null,
            status: t.status,
            exitCode: t.exitCode,
            stdout: out.get(t.id)?.stdout ?? '',
            stderr: out.get(t.id)?.stderr ?? '',
            system: out.get(t.id)?.system ?? '',
            truncated: t.truncated,
            error: t.error,
            startedAt: t.startedAt,
            finishedAt: t.finishedAt,
            durationMs: t.durationMs,
          })),
        };
      },
    );
    app.post(
      '/api/runs/:runId/cancel',
      { config: authed, schema: { tags, summary: 'Cancel a run: remote processes are ended', params: RunIdParams } },
      async (req, reply) => {
        await d.runner.cancel(actorOf(req), req.params.runId);
        return reply.status(202).send({ cancelling: true });
      },
    );
    app.post(
      '/api/runs/:runId/rerun-failed',
      {
        config: authed,
        schema: {
          tags,
          summary: 'Run the failed targets of a run again, alone',
          params: RunIdParams,
          response: { 202: Type.Object({ runId: Type.Integer() }) },
        },
      },
      async (req, reply) => reply.status(202).send({ runId: await d.runner.rerunFailed(actorOf(req), req.params.runId) }),
    );
  };
