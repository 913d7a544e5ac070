import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import {
  actorOf,
  Authored,
  EntityName,
  Id,
  IdRef,
  isoOrUndefined,
  Labels,
  NInt,
  NStr,
  PageQuery,
  paged,
  Project,
  Time,
} from './automation.schemas.js';
import type { TasksService } from './tasks.service.js';

// Open to signed-in users; the service checks automation.tasks.manage on the task's project.
// Running a task (POST /api/tasks/:id/run) and its run history belong to the task runner.
const authed = { permission: 'authenticated' };
const tags = ['automation'];

const Fields = {
  name: EntityName,
  scriptId: IdRef,
  scriptVersion: Type.Union([Type.Integer({ minimum: 1, maximum: 2147483647 }), Type.Null()]),
  targetIds: Type.Array(IdRef, { maxItems: 5000, uniqueItems: true }),
  labels: Labels,
  parameters: Type.Array(Type.String({ maxLength: 4096 }), { maxItems: 100 }),
  timeoutSeconds: Type.Integer({ minimum: 1, maximum: 86_400 }),
  concurrency: Type.Integer({ minimum: 1, maximum: 1000 }),
  schedule: Type.Union([Type.String({ maxLength: 128 }), Type.Null()]),
  timezone: Type.String({ minLength: 1, maxLength: 64 }),
  enabled: Type.Boolean(),
};

const TaskSchema = Type.Object({
  id: Type.Integer(),
  name: Type.String(),
  project: Type.String(),
  type: Type.String(),
  enabled: Type.Boolean(),
  scriptId: Type.Integer(),
  scriptName: NStr,
  scriptVersion: NInt,
  targetIds: Type.Array(Type.Integer()),
  labelSelector: Type.Array(Type.String()),
  parameters: Type.Array(Type.String()),
  timeoutSeconds: Type.Integer(),
  concurrency: Type.Integer(),
  schedule: NStr,
  timezone: Type.String(),
  nextRunAt: NStr,
  lastRun: Type.Union([Type.Object({ id: Type.Integer(), status: Type.String(), at: Type.String() }), Type.Null()]),
  ...Authored,
});

export const tasksRoutes =
  (d: { tasks: TasksService }): FastifyPluginAsyncTypebox =>
  async (app) => {
    app.get(
      '/api/tasks',
      {
        config: authed,
        schema: {
          tags,
          summary: 'Tasks in the projects you may see, newest first',
          querystring: Type.Object({
            ...PageQuery,
            q: Type.Optional(Type.String({ maxLength: 200 })),
            type: Type.Optional(Type.Union([Type.Literal('manual'), Type.Literal('scheduled')])),
            status: Type.Optional(Type.Union([Type.Literal('enabled'), Type.Literal('disabled')])),
            scriptId: Type.Optional(IdRef),
            creator: Type.Optional(Type.String({ maxLength: 255 })),
            nextRunFrom: Type.Optional(Time),
            nextRunTo: Type.Optional(Time),
            createdFrom: Type.Optional(Time),
            createdTo: Type.Optional(Time),
            project: Type.Optional(Project),
          }),
          response: { 200: paged(TaskSchema) },
        },
      },
      async (req) => {
        const { nextRunFrom, nextRunTo, createdFrom, createdTo, ...rest } = req.query;
        return d.tasks.list(actorOf(req), {
          ...rest,
          nextRunFrom: isoOrUndefined(nextRunFrom),
          nextRunTo: isoOrUndefined(nextRunTo),
          createdFrom: isoOrUndefined(createdFrom),
          createdTo: isoOrUndefined(createdTo),
        });
      },
    );
    app.post(
      '/api/tasks',
      {
        config: authed,
        schema: {
          tags,
          summary: 'Create a task (no schedule: manual; schedule: five-field cron in timezone)',
          body: Type.Object(
            {
              name: Fields.name,
              scriptId: Fields.scriptId,
              project: Project,
              scriptVersion: Type.Optional(Fields.scriptVersion),
              targetIds: Type.Optional(Fields.targetIds),
              labels: Type.Optional(Fields.labels),
              parameters: Type.Optional(Fields.parameters),
              timeoutSeconds: Type.Optional(Fields.timeoutSeconds),
              concurrency: Type.Optional(Fields.concurrency),
              schedule: Type.Optional(Fields.schedule),
              timezone: Type.Optional(Fields.timezone),
              enabled: Type.Optional(Fields.enabled),
            },
            { additionalProperties: false },
          ),
          response: { 201: TaskSchema },
        },
      },
      async (req, reply) => reply.status(201).send(await d.tasks.create(actorOf(req), req.body)),
    );
    app.get(
      '/api/tasks/:id',
      { config: authed, schema: { tags, summary: 'One task with its next and last run', params: Id, response: { 200: TaskSchema } } },
      async (req) => d.tasks.get(actorOf(req), req.params.id),
    );
    app.put(
      '/api/tasks/:id',
      {
        config: authed,
        schema: {
          tags,
          summary: 'Change a task (schedule: null makes it manual)',
          params: Id,
          body: Type.Partial(Type.Object(Fields), { additionalProperties: false }),
          response: { 200: TaskSchema },
        },
      },
      async (req) => d.tasks.update(actorOf(req), req.params.id, req.body),
    );
    app.delete(
      '/api/tasks/:id',
      { config: authed, schema: { tags, summary: 'Delete a task and its schedule (its runs are kept)', params: Id } },
      async (req, reply) => {
        await d.tasks.remove(actorOf(req), req.params.id);
        return reply.status(204).send();
      },
    );
    for (const [verb, enabled] of [
      ['enable', true],
      ['disable', false],
    ] as const) {
      app.post(
        `/api/tasks/:id/${verb}`,
        {
          config: authed,
          schema: {
            tags,
            summary: enabled ? 'Start a task: its schedule fires again' : 'Stop a task: its schedule stops firing',
            params: Id,
            response: { 200: TaskSchema },
          },
        },
        async (req) => d.tasks.setEnabled(actorOf(req), req.params.id, enabled),
      );
    }
  };
