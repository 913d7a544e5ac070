import { timingSafeEqual } from 'node:crypto';
import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { Update } from 'grammy/types';
import type { AppContext } from '../../../core/context.js';
import { requestMeta } from '../../../core/http/request-meta.js';
import { requirePrincipal } from '../../../core/http/route-guard.js';
import { WEBHOOK_PATH, type BotRunner } from './bot.js';
import type { LinksService } from './links.service.js';
import { TelegramWebhookOff, TelegramWebhookSecret } from './telegram.errors.js';

const LinkStatusSchema = Type.Object({
  linked: Type.Boolean(),
  telegramUsername: Type.Union([Type.String(), Type.Null()]),
  linkedAt: Type.Union([Type.String(), Type.Null()]),
  enabled: Type.Boolean(),
  botUsername: Type.Union([Type.String(), Type.Null()]),
});

const sameSecret = (a: string, b: string) => {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
};

/** The signed-in user's Telegram link, and the webhook Telegram posts updates to (webhook mode). */
export const telegramRoutes =
  (ctx: AppContext, links: LinksService, runner: () => BotRunner | null): FastifyPluginAsyncTypebox =>
  async (app) => {
    const actor = (req: Parameters<typeof requestMeta>[0]) => {
      const p = requirePrincipal(req);
      return { userId: p.userId, username: p.username, ...requestMeta(req) };
    };

    app.post(
      '/api/me/telegram/link-code',
      {
        config: { permission: 'authenticated' },
        schema: {
          tags: ['me'],
          summary: 'A one-use code (10 minutes) to send to the bot as /link <code>',
          response: {
            201: Type.Object({ code: Type.String(), expiresAt: Type.String(), botUsername: Type.Union([Type.String(), Type.Null()]) }),
          },
        },
      },
      async (req, reply) => reply.code(201).send(await links.createCode(actor(req))),
    );

    app.get(
      '/api/me/telegram',
      {
        config: { permission: 'authenticated' },
        schema: { tags: ['me'], summary: 'Whether my account is linked to Telegram', response: { 200: LinkStatusSchema } },
      },
      async (req) => links.status(requirePrincipal(req).userId),
    );

    app.delete(
      '/api/me/telegram',
      {
        config: { permission: 'authenticated' },
        schema: { tags: ['me'], summary: 'Unlink my Telegram account', response: { 200: LinkStatusSchema } },
      },
      async (req) => links.unlink(actor(req)),
    );

    app.post(
      WEBHOOK_PATH,
      {
        // Telegram cannot sign in: the secret header set with setWebhook is the check.
        config: { auth: 'public' },
        schema: {
          tags: ['telegram'],
          summary: 'Updates from Telegram (webhook mode; X-Telegram-Bot-Api-Secret-Token must match)',
          headers: Type.Object({ 'x-telegram-bot-api-secret-token': Type.Optional(Type.String({ maxLength: 256 })) }),
          body: Type.Object({ update_id: Type.Integer() }, { additionalProperties: true }),
          response: { 200: Type.Object({ ok: Type.Boolean() }) },
        },
      },
      async (req) => {
        const cfg = ctx.config.get().telegram;
        const r = runner();
        if (!r || cfg.mode !== 'webhook') throw new TelegramWebhookOff();
        const got = req.headers['x-telegram-bot-api-secret-token'];
        if (!cfg.webhookSecret || typeof got !== 'string' || !sameSecret(got, cfg.webhookSecret)) throw new TelegramWebhookSecret();
        await r.handleWebhookUpdate(req.body as unknown as Update);
        return { ok: true };
      },
    );
  };
