import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { BranchGrantsService } from './branch-grants.service.js';
import { actorOf, Id, ServerSchema, SyncSchema } from './jenkins.schemas.js';
import type { ServersService } from './servers.service.js';
import type { SyncService } from './sync.service.js';

const manage = { permission: 'jenkins.manage' };
const Url = Type.String({ minLength: 8, maxLength: 2048, pattern: '^https?://[^\\s]+$' });
const ServerBody = {
  name: Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9][A-Za-z0-9._-]*$' }),
  url: Url,
  username: Type.String({ minLength: 1, maxLength: 255 }),
  token: Type.String({ minLength: 1, maxLength: 4096 }),
  proxyUrl: Type.Optional(Type.Union([Url, Type.Literal(''), Type.Null()])),
};

/** Administration: Jenkins servers, sync, orphan grants. */
export const serversRoutes =
  (d: { servers: ServersService; sync: SyncService; grants: BranchGrantsService }): FastifyPluginAsyncTypebox =>
  async (app) => {
    const views = async () => {
      const rows = await d.servers.list();
      const def = rows.length ? (await d.servers.defaultServer()).id : null;
      return rows.map((r) => d.servers.view(r, def));
    };
    const one = async (id: number) => (await views()).find((v) => v.id === id)!;

    app.get(
      '/api/jenkins/servers',
      {
        config: manage,
        schema: {
          tags: ['jenkins'],
          summary: 'Jenkins servers (tokens are never returned)',
          response: { 200: Type.Object({ items: Type.Array(ServerSchema) }) },
        },
      },
      async () => ({ items: await views() }),
    );
    app.post(
      '/api/jenkins/servers',
      {
        config: manage,
        schema: {
          tags: ['jenkins'],
          summary: 'Add a Jenkins server',
          body: Type.Object(ServerBody, { additionalProperties: false }),
          response: { 201: ServerSchema },
        },
      },
      async (req, reply) => {
        const row = await d.servers.create(actorOf(req), req.body);
        return reply.status(201).send(await one(row.id));
      },
    );
    app.patch(
      '/api/jenkins/servers/:id',
      {
        config: manage,
        schema: {
          tags: ['jenkins'],
          summary: 'Change a Jenkins server (send token only to replace it)',
          params: Id,
          body: Type.Partial(Type.Object(ServerBody), { additionalProperties: false, minProperties: 1 }),
          response: { 200: ServerSchema },
        },
      },
      async (req) => {
        await d.servers.update(actorOf(req), req.params.id, req.body);
        return one(req.params.id);
      },
    );
    app.delete(
      '/api/jenkins/servers/:id',
      { config: manage, schema: { tags: ['jenkins'], summary: 'Remove a Jenkins server and its synced data', params: Id } },
      async (req, reply) => {
        await d.servers.remove(actorOf(req), req.params.id);
        return reply.status(204).send();
      },
    );
    app.post(
      '/api/jenkins/servers/:id/test',
      {
        config: manage,
        schema: {
          tags: ['jenkins'],
          summary: 'Check that Gatehouse can reach and sign in to a Jenkins server',
          params: Id,
          response: {
            200: Type.Object({
              ok: Type.Boolean(),
              user: Type.Union([Type.String(), Type.Null()]),
              version: Type.Union([Type.String(), Type.Null()]),
              error: Type.Optional(Type.String()),
            }),
          },
        },
      },
      async (req) => {
        const row = await d.servers.get(req.params.id);
        try {
          const who = await d.servers.client(row).whoAmI();
          if (who.anonymous)
            return {
              ok: false,
              user: who.name,
              version: who.version,
              error: 'Jenkins treats these credentials as anonymous; check the user and API token.',
            };
          return { ok: true, user: who.name, version: who.version };
        } catch (e) {
          return { ok: false, user: null, version: null, error: (e as Error).message };
        }
      },
    );

    app.post(
      '/api/jenkins/sync',
      {
        config: manage,
        schema: {
          tags: ['jenkins'],
          summary: 'Sync projects and branches now (answers at once; progress over WebSocket topic "sync")',
          response: { 202: SyncSchema },
        },
      },
      async (req, reply) => reply.status(202).send(await d.sync.request(actorOf(req), 'manual')),
    );
    app.get(
      '/api/jenkins/sync/latest',
      { config: manage, schema: { tags: ['jenkins'], summary: 'The latest sync and its progress', response: { 200: SyncSchema } } },
      async () => d.sync.latest(),
    );

    const Orphan = Type.Object({
      grantId: Type.Integer(),
      userId: Type.Union([Type.Integer(), Type.Null()]),
      groupId: Type.Union([Type.Integer(), Type.Null()]),
      subjectName: Type.Union([Type.String(), Type.Null()]),
      project: Type.String(),
      branch: Type.String(),
      reason: Type.String(),
    });
    app.get(
      '/api/jenkins/orphans',
      {
        config: manage,
        schema: {
          tags: ['jenkins'],
          summary: 'Branch grants whose project or branch is gone from Jenkins',
          response: { 200: Type.Object({ items: Type.Array(Orphan) }) },
        },
      },
      async () => ({ items: await d.grants.orphans() }),
    );
    app.post(
      '/api/jenkins/orphans/:id/keep',
      { config: manage, schema: { tags: ['jenkins'], summary: 'Keep an orphan grant (it stops being listed)', params: Id } },
      async (req, reply) => {
        await d.grants.keep(actorOf(req), req.params.id);
        return reply.status(204).send();
      },
    );
  };
