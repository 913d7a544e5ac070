import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { pageOffset } from '../../core/http/pagination.js';
import type { AuditService } from './audit.service.js';

const Filter = {
  from: Type.Optional(Type.String({ format: 'date-time' })),
  to: Type.Optional(Type.String({ format: 'date-time' })),
  action: Type.Optional(Type.String({ maxLength: 100 })),
  user: Type.Optional(Type.String({ maxLength: 100 })),
  project: Type.Optional(Type.String({ maxLength: 255 })),
  outcome: Type.Optional(Type.Union([Type.Literal('success'), Type.Literal('failure'), Type.Literal('denied')])),
};

const EventSchema = Type.Object({
  id: Type.Integer(),
  userId: Type.Union([Type.Integer(), Type.Null()]),
  username: Type.Union([Type.String(), Type.Null()]),
  action: Type.String(),
  resourceType: Type.Union([Type.String(), Type.Null()]),
  resourceId: Type.Union([Type.String(), Type.Null()]),
  project: Type.Union([Type.String(), Type.Null()]),
  outcome: Type.String(),
  details: Type.Union([Type.Record(Type.String(), Type.Unknown()), Type.Null()]),
  ipAddress: Type.Union([Type.String(), Type.Null()]),
  userAgent: Type.Union([Type.String(), Type.Null()]),
  createdAt: Type.String(),
  hash: Type.String(),
});

const iso = (s?: string) => (s ? new Date(s).toISOString() : undefined);

export const auditRoutes =
  (audit: AuditService): FastifyPluginAsyncTypebox =>
  async (app) => {
    app.get(
      '/api/audit',
      {
        config: { permission: 'audit.read' },
        schema: {
          tags: ['audit'],
          summary: 'Search the audit trail (newest first)',
          querystring: Type.Object({
            page: Type.Integer({ minimum: 1, maximum: 100000, default: 1 }),
            pageSize: Type.Integer({ minimum: 1, maximum: 500, default: 50 }),
            ...Filter,
          }),
          response: { 200: Type.Object({ items: Type.Array(EventSchema), total: Type.Integer() }) },
        },
      },
      async (req) => {
        const { page, pageSize, from, to, ...rest } = req.query;
        const { limit, offset } = pageOffset({ page, pageSize });
        return audit.list({ ...rest, from: iso(from), to: iso(to) }, limit, offset);
      },
    );

    app.get(
      '/api/audit/export.csv',
      {
        config: { permission: 'audit.read' },
        schema: { tags: ['audit'], summary: 'Export the filtered audit trail as CSV', querystring: Type.Object(Filter) },
      },
      async (req, reply) => {
        const { from, to, ...rest } = req.query;
        const csv = await audit.exportCsv({ ...rest, from: iso(from), to: iso(to) });
        return reply
          .header('content-type', 'text/csv; charset=utf-8')
          .header('content-disposition', 'attachment; filename="gatehouse-audit.csv"')
          .send('\ufeff' + csv);
      },
    );

    app.get(
      '/api/audit/verify',
      {
        config: { permission: 'audit.read' },
        schema: {
          tags: ['audit'],
          summary: 'Recompute the hash chain and report the first broken event',
          response: {
            200: Type.Object({
              ok: Type.Boolean(),
              checked: Type.Integer(),
              brokenAt: Type.Optional(Type.Integer()),
              reason: Type.Optional(Type.String()),
            }),
          },
        },
      },
      async () => audit.verify(),
    );
  };
