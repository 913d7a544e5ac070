import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyRequest } from 'fastify';
import { pageOffset } from '../../core/http/pagination.js';
import { requestMeta } from '../../core/http/request-meta.js';
import { requirePrincipal } from '../../core/http/route-guard.js';
import type { ChannelsService } from './channels.service.js';
import { CHANNEL_TYPES, NOTIFY_EVENTS, type NotifyActor } from './notify.types.js';

const manage = { permission: 'notify.manage' };
const tags = ['notifications'];
const NStr = Type.Union([Type.String(), Type.Null()]);
const NInt = Type.Union([Type.Integer(), Type.Null()]);
const Id = Type.Object({ id: Type.Integer({ minimum: 1, maximum: 2147483647 }) });
const Language = Type.Union([Type.Literal('zh-CN'), Type.Literal('en')]);
const Pattern = Type.String({ minLength: 1, maxLength: 200 });

const Config = Type.Object(
  {
    to: Type.Optional(Type.Array(Type.String({ minLength: 3, maxLength: 254 }), { maxItems: 50 })),
    msgType: Type.Optional(Type.Union([Type.Literal('markdown'), Type.Literal('text'), Type.Literal('interactive')])),
    atMobiles: Type.Optional(Type.Array(Type.String({ pattern: '^\\+?[0-9-]{5,20}$' }), { maxItems: 20 })),
    atAll: Type.Optional(Type.Boolean()),
    chatId: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
  },
  { additionalProperties: false },
);

const ChannelBody = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 200, pattern: '\\S' }),
    type: Type.Union(CHANNEL_TYPES.map((t) => Type.Literal(t))),
    enabled: Type.Optional(Type.Boolean()),
    events: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 64 }), { maxItems: 50 })),
    project: Type.Optional(Pattern),
    environment: Type.Optional(Pattern),
    language: Type.Optional(Type.Union([Language, Type.Null()])),
    template: Type.Optional(Type.Union([Type.String({ maxLength: 16_000 }), Type.Null()])),
    config: Type.Optional(Config),
    url: Type.Optional(Type.String({ maxLength: 2000 })),
    secret: Type.Optional(Type.Union([Type.String({ maxLength: 500 }), Type.Null()])),
  },
  { additionalProperties: false },
);

// url is shown masked and the secret only as hasSecret: both are write-only.
const ChannelSchema = Type.Object({
  id: Type.Integer(),
  name: Type.String(),
  type: Type.String(),
  enabled: Type.Boolean(),
  events: Type.Array(Type.String()),
  project: Type.String(),
  environment: Type.String(),
  language: Type.Union([Language, Type.Null()]),
  template: NStr,
  config: Config,
  url: NStr,
  hasSecret: Type.Boolean(),
  createdBy: NInt,
  createdByName: NStr,
  createdAt: Type.String(),
  updatedAt: Type.String(),
});

const DeliverySchema = Type.Object({
  id: Type.Integer(),
  channelId: NInt,
  channel: Type.String(),
  event: NStr,
  userId: NInt,
  recipient: Type.String(),
  subject: Type.String(),
  status: Type.String(),
  attempts: Type.Integer(),
  lastError: NStr,
  requestExcerpt: NStr,
  responseStatus: NInt,
  responseExcerpt: NStr,
  nextAttemptAt: NStr,
  createdAt: Type.String(),
  updatedAt: NStr,
  sentAt: NStr,
});

function actorOf(req: FastifyRequest): NotifyActor {
  const p = requirePrincipal(req);
  return { userId: p.userId, username: p.username, ...requestMeta(req) };
}

export const channelsRoutes =
  (channels: ChannelsService): FastifyPluginAsyncTypebox =>
  async (app) => {
    app.get(
      '/api/notify/channels',
      {
        config: manage,
        schema: {
          tags,
          summary: 'Notification channels',
          response: { 200: Type.Object({ items: Type.Array(ChannelSchema), total: Type.Integer() }) },
        },
      },
      async () => {
        const items = await channels.list();
        return { items, total: items.length };
      },
    );
    app.get(
      '/api/notify/channels/:id',
      { config: manage, schema: { tags, summary: 'One notification channel', params: Id, response: { 200: ChannelSchema } } },
      async (req) => channels.get(req.params.id),
    );
    app.post(
      '/api/notify/channels',
      { config: manage, schema: { tags, summary: 'Add a notification channel', body: ChannelBody, response: { 201: ChannelSchema } } },
      async (req, reply) => reply.code(201).send(await channels.create(actorOf(req), req.body)),
    );
    app.put(
      '/api/notify/channels/:id',
      {
        config: manage,
        schema: {
          tags,
          summary: 'Replace a channel’s settings (url and secret are kept unless given; secret null removes it)',
          params: Id,
          body: ChannelBody,
          response: { 200: ChannelSchema },
        },
      },
      async (req) => channels.update(actorOf(req), req.params.id, req.body),
    );
    app.delete(
      '/api/notify/channels/:id',
      { config: manage, schema: { tags, summary: 'Delete a notification channel', params: Id } },
      async (req, reply) => {
        await channels.remove(actorOf(req), req.params.id);
        return reply.code(204).send();
      },
    );
    app.post(
      '/api/notify/channels/:id/test',
      {
        config: manage,
        schema: {
          tags,
          summary: 'Send a test message now (through the delivery job); follow it in the delivery log',
          params: Id,
          response: { 202: Type.Object({ deliveryId: Type.Integer() }) },
        },
      },
      async (req, reply) => reply.code(202).send({ deliveryId: await channels.test(actorOf(req), req.params.id) }),
    );
    app.get(
      '/api/notify/deliveries',
      {
        config: manage,
        schema: {
          tags,
          summary: 'The delivery log, newest first',
          querystring: Type.Object({
            page: Type.Integer({ minimum: 1, maximum: 100000, default: 1 }),
            pageSize: Type.Integer({ minimum: 1, maximum: 500, default: 20 }),
            channelId: Type.Optional(Type.Integer({ minimum: 1, maximum: 2147483647 })),
            status: Type.Optional(Type.Union(['queued', 'sent', 'failed', 'skipped'].map((s) => Type.Literal(s)))),
            event: Type.Optional(Type.Union(NOTIFY_EVENTS.map((e) => Type.Literal(e)))),
          }),
          response: {
            200: Type.Object({ items: Type.Array(DeliverySchema), total: Type.Integer(), page: Type.Integer(), pageSize: Type.Integer() }),
          },
        },
      },
      async (req) => {
        const { page, pageSize, channelId, status, event } = req.query;
        const { limit, offset } = pageOffset(req.query);
        const r = await channels.deliveries({ channelId, status: status as never, event }, limit, offset);
        return { ...r, page, pageSize };
      },
    );
  };
