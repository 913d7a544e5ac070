import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import {
  actorOf,
  CheckSchema,
  EntityName,
  Host,
  Id,
  JumpHostIds,
  Labels,
  PageQuery,
  paged,
  Password,
  Port,
  PrivateKey,
  Project,
  TargetSchema,
  Username,
} from './automation.schemas.js';
import type { KeyPairService } from './key-pair.service.js';
import type { TargetsService } from './targets.service.js';

// Open to signed-in users; the service checks automation.* on the target's project.
const authed = { permission: 'authenticated' };
const tags = ['automation'];

export const targetsRoutes =
  (d: { targets: TargetsService; keys: KeyPairService }): FastifyPluginAsyncTypebox =>
  async (app) => {
    app.get(
      '/api/ssh/public-key',
      {
        config: authed,
        schema: {
          tags,
          summary: "Gatehouse's own SSH public key and the command that installs it on a host",
          response: { 200: Type.Object({ publicKey: Type.String(), fingerprint: Type.String(), installCommand: Type.String() }) },
        },
      },
      async () => d.keys.publicKey(),
    );
    app.get(
      '/api/targets',
      {
        config: authed,
        schema: {
          tags,
          summary: 'Targets in the projects you may see (q searches name and host; label picks one label)',
          querystring: Type.Object({
            ...PageQuery,
            q: Type.Optional(Type.String({ maxLength: 200 })),
            label: Type.Optional(Type.String({ maxLength: 64 })),
            project: Type.Optional(Project),
          }),
          response: { 200: paged(TargetSchema) },
        },
      },
      async (req) => d.targets.list(actorOf(req), req.query),
    );
    app.post(
      '/api/targets',
      {
        config: authed,
        schema: {
          tags,
          summary: "Add a target (Gatehouse's key by default; password: one-time install of that key, never stored)",
          body: Type.Object(
            {
              name: EntityName,
              host: Host,
              port: Port,
              username: Username,
              project: Project,
              labels: Type.Optional(Labels),
              privateKey: Type.Optional(PrivateKey),
              password: Type.Optional(Password),
              jumpHostIds: Type.Optional(JumpHostIds),
            },
            { additionalProperties: false },
          ),
          response: { 201: TargetSchema },
        },
      },
      async (req, reply) => reply.status(201).send(await d.targets.create(actorOf(req), req.body)),
    );
    app.get(
      '/api/targets/:id',
      {
        config: authed,
        schema: { tags, summary: 'One target (its private key is never returned)', params: Id, response: { 200: TargetSchema } },
      },
      async (req) => d.targets.get(actorOf(req), req.params.id),
    );
    app.put(
      '/api/targets/:id',
      {
        config: authed,
        schema: {
          tags,
          summary: "Change a target (privateKey: null goes back to Gatehouse's key; a new host or port forgets the pinned host key)",
          params: Id,
          body: Type.Object(
            {
              name: Type.Optional(EntityName),
              host: Type.Optional(Host),
              port: Type.Optional(Port),
              username: Type.Optional(Username),
              labels: Type.Optional(Labels),
              privateKey: Type.Optional(Type.Union([PrivateKey, Type.Null()])),
              password: Type.Optional(Password),
              jumpHostIds: Type.Optional(JumpHostIds),
            },
            { additionalProperties: false },
          ),
          response: { 200: TargetSchema },
        },
      },
      async (req) => d.targets.update(actorOf(req), req.params.id, req.body),
    );
    app.delete(
      '/api/targets/:id',
      { config: authed, schema: { tags, summary: 'Delete a target (409 TARGET_IN_USE while a task names it)', params: Id } },
      async (req, reply) => {
        await d.targets.remove(actorOf(req), req.params.id);
        return reply.status(204).send();
      },
    );
    app.post(
      '/api/targets/:id/check',
      {
        config: authed,
        schema: {
          tags,
          summary: 'Log in now: reachable, auth-failed, unreachable, host-key-changed or timeout (pins the host key on first contact)',
          params: Id,
          response: { 200: CheckSchema },
        },
      },
      async (req) => d.targets.check(actorOf(req), req.params.id),
    );
    app.post(
      '/api/targets/:id/accept-host-key',
      {
        config: authed,
        schema: {
          tags,
          summary: "Accept a target's changed host key: the pin is cleared and the next contact pins the new key",
          params: Id,
          response: { 200: TargetSchema },
        },
      },
      async (req) => d.targets.acceptHostKey(actorOf(req), req.params.id),
    );
  };
