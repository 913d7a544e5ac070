import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { Kysely } from 'kysely';
import { Forbidden } from '../../core/http/errors.js';
import { scopeAllows } from '../../core/http/principal.js';
import { requestMeta } from '../../core/http/request-meta.js';
import { requirePrincipal } from '../../core/http/route-guard.js';
import type { AccessModule } from '../access/index.js';
import { ApprovalNotFound } from './approvals.errors.js';
import { ApprovalSchema, DetailSchema, IdParams, Status } from './approvals.schemas.js';
import type { ApprovalsService } from './approvals.service.js';
import type { ApprovalsTables, ApprovalStatus } from './approvals.types.js';
import { canSee, VIEW } from './approvals-visibility.js';

// Open to signed-in users: seeing is checked per request (approvals.view on its project and
// environment, or taking part in it); deciding needs being a named approver, checked by the service.
const authed = { permission: 'authenticated' };
const tags = ['approvals'];

const DecideBody = Type.Object(
  { comment: Type.Optional(Type.String({ maxLength: 4000 })), change: Type.Optional(Type.Boolean()) },
  { additionalProperties: false },
);
const RejectBody = Type.Object(
  {
    reason: Type.Optional(Type.String({ maxLength: 4000 })),
    comment: Type.Optional(Type.String({ maxLength: 4000 })),
    change: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);

export const approvalsRoutes =
  (d: { service: ApprovalsService; access: AccessModule; db: Kysely<any> }): FastifyPluginAsyncTypebox =>
  async (app) => {
    const db = d.db as Kysely<ApprovalsTables>;
    // An API token limited to some codes acts on approvals only when they include approvals.view.
    app.addHook('preHandler', async (req) => {
      const p = req.principal;
      if (p?.scopes && !scopeAllows(p.scopes, VIEW)) throw new Forbidden({ permission: VIEW }, `This API token is not scoped for ${VIEW}.`);
    });
    // One 404 for "does not exist" and "may not see it".
    const visible = async (id: number, viewer: { userId: number; scopes?: string[] }) => {
      const row = await d.service.row(id);
      if (!row || !(await canSee(d.access, db, viewer, row))) throw new ApprovalNotFound({ id });
      return row;
    };

    app.get(
      '/api/approvals',
      {
        config: authed,
        schema: {
          tags,
          summary: 'Approval requests you may see, newest first (mine=true: waiting for my answer)',
          querystring: Type.Object({
            status: Type.Optional(Status),
            project: Type.Optional(Type.String({ minLength: 1, maxLength: 512 })),
            env: Type.Optional(Type.String({ minLength: 1, maxLength: 255 })),
            environment: Type.Optional(Type.String({ minLength: 1, maxLength: 255 })),
            mine: Type.Boolean({ default: false }),
            page: Type.Integer({ minimum: 1, maximum: 100000, default: 1 }),
            pageSize: Type.Integer({ minimum: 1, maximum: 500, default: 20 }),
          }),
          response: {
            200: Type.Object({ items: Type.Array(ApprovalSchema), total: Type.Integer(), page: Type.Integer(), pageSize: Type.Integer() }),
          },
        },
      },
      async (req) => {
        const p = requirePrincipal(req);
        const q = req.query;
        const res = await d.service.listFor(p, {
          status: q.status as ApprovalStatus | undefined,
          project: q.project,
          environment: q.env ?? q.environment,
          pendingFor: q.mine ? p.userId : undefined,
          page: q.page,
          pageSize: q.pageSize,
        });
        return { ...res, page: q.page, pageSize: q.pageSize };
      },
    );

    app.get(
      '/api/approvals/:id',
      {
        config: authed,
        schema: {
          tags,
          summary: 'One approval request with its levels, approvers, votes and history',
          params: IdParams,
          response: { 200: DetailSchema },
        },
      },
      async (req) => {
        await visible(req.params.id, requirePrincipal(req));
        return (await d.service.detail(req.params.id))!;
      },
    );

    app.post(
      '/api/approve/:id',
      {
        config: authed,
        schema: {
          tags,
          summary: 'Approve (change: true replaces your earlier answer)',
          params: IdParams,
          body: Type.Optional(DecideBody),
          response: { 200: ApprovalSchema },
        },
      },
      async (req) => {
        const p = requirePrincipal(req);
        const b = req.body ?? {};
        return d.service.decide(
          req.params.id,
          { userId: p.userId, decision: 'approve', comment: b.comment, change: b.change, via: p.kind === 'api-token' ? 'api' : 'web' },
          requestMeta(req),
        );
      },
    );

    app.post(
      '/api/reject/:id',
      {
        config: authed,
        schema: {
          tags,
          summary: 'Reject with a reason (change: true replaces your earlier answer)',
          params: IdParams,
          body: Type.Optional(RejectBody),
          response: { 200: ApprovalSchema },
        },
      },
      async (req) => {
        const p = requirePrincipal(req);
        const b = req.body ?? {};
        const reason = b.reason ?? b.comment;
        return d.service.decide(
          req.params.id,
          { userId: p.userId, decision: 'reject', comment: reason, change: b.change, via: p.kind === 'api-token' ? 'api' : 'web' },
          requestMeta(req),
        );
      },
    );

    app.post(
      '/api/approvals/:id/withdraw',
      {
        config: authed,
        schema: {
          tags,
          summary: 'Withdraw your own pending request',
          params: IdParams,
          body: Type.Optional(Type.Object({ comment: Type.Optional(Type.String({ maxLength: 4000 })) }, { additionalProperties: false })),
          response: { 200: ApprovalSchema },
        },
      },
      async (req) => {
        const p = requirePrincipal(req);
        await visible(req.params.id, p);
        return d.service.withdraw(req.params.id, p.userId, requestMeta(req), req.body?.comment);
      },
    );
  };
