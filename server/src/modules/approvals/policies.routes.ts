import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { AppContext } from '../../core/context.js';
import { requestMeta } from '../../core/http/request-meta.js';
import { requirePrincipal } from '../../core/http/route-guard.js';
import type { FastifyRequest } from 'fastify';
import type { AuditService } from '../audit/index.js';
import { IdParams, PolicyBody, PolicySchema } from './approvals.schemas.js';
import type { PolicyInput } from './approvals.types.js';
import { importPolicies } from './policy-import.js';
import type { Actor, PoliciesService } from './policies.service.js';

const manage = { permission: 'approvals.policies.manage' };
const tags = ['approvals'];

const actorOf = (req: FastifyRequest): Actor => {
  const p = requirePrincipal(req);
  return { userId: p.userId, username: p.username, ...requestMeta(req) };
};

const ImportBody = Type.Object(
  {
    users: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
    app: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
    environment: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
    timeoutMinutes: Type.Optional(Type.Number({ exclusiveMinimum: 0, maximum: 43_200 })),
    dryRun: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);

const ImportReport = Type.Object({
  dryRun: Type.Boolean(),
  items: Type.Array(
    Type.Object({
      kind: Type.String(),
      name: Type.String(),
      status: Type.String(),
      id: Type.Optional(Type.Integer()),
      message: Type.String(),
    }),
  ),
  created: Type.Integer(),
  updated: Type.Integer(),
  skipped: Type.Integer(),
  errors: Type.Integer(),
});

export const policiesRoutes =
  (d: { policies: PoliciesService; ctx: AppContext; audit: AuditService }): FastifyPluginAsyncTypebox =>
  async (app) => {
    app.get(
      '/api/approval-policies',
      {
        config: manage,
        schema: {
          tags,
          summary: 'Approval policies',
          response: { 200: Type.Object({ items: Type.Array(PolicySchema), total: Type.Integer() }) },
        },
      },
      async () => {
        const items = await d.policies.list();
        return { items, total: items.length };
      },
    );

    app.get(
      '/api/approval-policies/:id',
      { config: manage, schema: { tags, summary: 'One approval policy', params: IdParams, response: { 200: PolicySchema } } },
      async (req) => d.policies.get(req.params.id),
    );

    app.post(
      '/api/approval-policies',
      { config: manage, schema: { tags, summary: 'Create an approval policy', body: PolicyBody, response: { 201: PolicySchema } } },
      async (req, reply) => reply.code(201).send(await d.policies.create(actorOf(req), req.body as PolicyInput)),
    );

    app.put(
      '/api/approval-policies/:id',
      {
        config: manage,
        schema: { tags, summary: 'Replace an approval policy', params: IdParams, body: PolicyBody, response: { 200: PolicySchema } },
      },
      async (req) => d.policies.update(actorOf(req), req.params.id, req.body as PolicyInput),
    );

    app.delete(
      '/api/approval-policies/:id',
      {
        config: manage,
        schema: { tags, summary: 'Delete an approval policy (running requests keep their frozen levels)', params: IdParams },
      },
      async (req, reply) => {
        await d.policies.remove(actorOf(req), req.params.id);
        return reply.code(204).send();
      },
    );

    app.post(
      '/api/approval-policies/import',
      {
        config: manage,
        schema: {
          tags,
          summary: "Import the approval bot's users.json and app.json into policies (per-item report)",
          body: ImportBody,
          response: { 200: ImportReport },
        },
      },
      async (req) => importPolicies(d.ctx, d.policies, actorOf(req), req.body),
    );
  };
