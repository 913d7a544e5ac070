import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { pageOffset } from '../../core/http/pagination.js';
import { requirePrincipal } from '../../core/http/route-guard.js';
import type { NotifyService } from './notify.service.js';

const NotificationSchema = Type.Object({
  id: Type.Integer(),
  kind: Type.String(),
  title: Type.String(),
  body: Type.String(),
  link: Type.Union([Type.String(), Type.Null()]),
  severity: Type.String(),
  read: Type.Boolean(),
  createdAt: Type.String(),
});

export const notifyRoutes =
  (notify: NotifyService): FastifyPluginAsyncTypebox =>
  async (app) => {
    app.get(
      '/api/notifications',
      {
        config: { permission: 'authenticated' },
        schema: {
          tags: ['notifications'],
          summary: 'My notifications, newest first',
          querystring: Type.Object({
            page: Type.Integer({ minimum: 1, maximum: 100000, default: 1 }),
            pageSize: Type.Integer({ minimum: 1, maximum: 200, default: 20 }),
            unread: Type.Boolean({ default: false }),
          }),
          response: { 200: Type.Object({ items: Type.Array(NotificationSchema), total: Type.Integer(), unread: Type.Integer() }) },
        },
      },
      async (req) => {
        const { limit, offset } = pageOffset(req.query);
        return notify.list(requirePrincipal(req).userId, req.query.unread, limit, offset);
      },
    );
    app.post(
      '/api/notifications/read',
      {
        config: { permission: 'authenticated' },
        schema: {
          tags: ['notifications'],
          summary: 'Mark notifications read (ids, or all)',
          body: Type.Object({
            ids: Type.Optional(Type.Array(Type.Integer({ minimum: 1 }), { maxItems: 500 })),
            all: Type.Optional(Type.Boolean()),
          }),
          response: { 200: Type.Object({ updated: Type.Integer() }) },
        },
      },
      async (req) => ({ updated: await notify.markRead(requirePrincipal(req).userId, req.body.all ? 'all' : (req.body.ids ?? [])) }),
    );
  };
