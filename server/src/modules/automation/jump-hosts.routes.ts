import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import {
  actorOf,
  EntityName,
  Host,
  Id,
  JumpHostSchema,
  PageQuery,
  paged,
  Port,
  PrivateKey,
  Project,
  Username,
} from './automation.schemas.js';
import type { JumpHostsService } from './jump-hosts.service.js';

// Open to signed-in users; the service checks automation.targets.manage on the jump host's project
// (globally for a global one). jumpHostIds is refused: the chain belongs to the target.
const authed = { permission: 'authenticated' };
const tags = ['automation'];

export const jumpHostsRoutes =
  (d: { jumpHosts: JumpHostsService }): FastifyPluginAsyncTypebox =>
  async (app) => {
    app.get(
      '/api/jump-hosts',
      {
        config: authed,
        schema: {
          tags,
          summary: 'Jump hosts in the projects you may see, and the global ones',
          querystring: Type.Object({ ...PageQuery, q: Type.Optional(Type.String({ maxLength: 200 })), project: Type.Optional(Project) }),
          response: { 200: paged(JumpHostSchema) },
        },
      },
      async (req) => d.jumpHosts.list(actorOf(req), req.query),
    );
    app.post(
      '/api/jump-hosts',
      {
        config: authed,
        schema: {
          tags,
          summary: "Add a jump host (project null or absent: global; Gatehouse's key unless privateKey is given)",
          body: Type.Object(
            {
              name: EntityName,
              host: Host,
              port: Port,
              username: Username,
              project: Type.Optional(Type.Union([Project, Type.Null()])),
              privateKey: Type.Optional(PrivateKey),
            },
            { additionalProperties: false },
          ),
          response: { 201: JumpHostSchema },
        },
      },
      async (req, reply) => reply.status(201).send(await d.jumpHosts.create(actorOf(req), req.body)),
    );
    app.get(
      '/api/jump-hosts/:id',
      {
        config: authed,
        schema: { tags, summary: 'One jump host (its private key is never returned)', params: Id, response: { 200: JumpHostSchema } },
      },
      async (req) => d.jumpHosts.get(actorOf(req), req.params.id),
    );
    app.put(
      '/api/jump-hosts/:id',
      {
        config: authed,
        schema: {
          tags,
          summary: "Change a jump host (privateKey: null goes back to Gatehouse's key)",
          params: Id,
          body: Type.Object(
            {
              name: Type.Optional(EntityName),
              host: Type.Optional(Host),
              port: Type.Optional(Port),
              username: Type.Optional(Username),
              privateKey: Type.Optional(Type.Union([PrivateKey, Type.Null()])),
            },
            { additionalProperties: false },
          ),
          response: { 200: JumpHostSchema },
        },
      },
      async (req) => d.jumpHosts.update(actorOf(req), req.params.id, req.body),
    );
    app.delete(
      '/api/jump-hosts/:id',
      { config: authed, schema: { tags, summary: 'Delete a jump host (409 JUMP_HOST_IN_USE while a target is behind it)', params: Id } },
      async (req, reply) => {
        await d.jumpHosts.remove(actorOf(req), req.params.id);
        return reply.status(204).send();
      },
    );
    app.post(
      '/api/jump-hosts/:id/accept-host-key',
      {
        config: authed,
        schema: {
          tags,
          summary: "Accept a jump host's changed host key (the next contact pins the new one)",
          params: Id,
          response: { 200: JumpHostSchema },
        },
      },
      async (req) => d.jumpHosts.acceptHostKey(actorOf(req), req.params.id),
    );
  };
