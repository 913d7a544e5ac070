import { createServer as createHttpServer, request as httpRequest, type Server } from 'node:http';
import { connect, createServer, type AddressInfo, type Socket } from 'node:net';
import { expect, it } from 'vitest';
import { buildApp } from '../src/app.js';
import { describeDb } from './test-app.js';
import { makePolicy, makeRequest, makeUser } from './approvals-helpers.js';
import {
  createTelegramTestApp,
  GROUP,
  linkTelegram,
  nextBotMessage,
  requestMessage,
  settle,
  tgUser,
} from './approvals-telegram-helpers.js';

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as AddressInfo).port;
  await new Promise((r) => s.close(r));
  return port;
}

/** A minimal HTTP proxy (CONNECT tunnels and absolute-URL requests) that logs where traffic went. */
async function startProxy(): Promise<{ url: string; seen: string[]; close(): Promise<void> }> {
  const seen: string[] = [];
  const sockets = new Set<Socket>();
  const server: Server = createHttpServer((req, res) => {
    const target = new URL(req.url ?? '');
    seen.push(target.host);
    const up = httpRequest(target, { method: req.method, headers: req.headers }, (r) => {
      res.writeHead(r.statusCode ?? 502, r.headers);
      r.pipe(res);
    });
    up.on('error', () => res.destroy());
    req.pipe(up);
  });
  server.on('connect', (req, client: Socket, head: Buffer) => {
    seen.push(req.url ?? '');
    const [host, port] = (req.url ?? '').split(':');
    const up = connect(Number(port), host, () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      up.write(head);
      up.pipe(client);
      client.pipe(up);
    });
    for (const s of [up, client]) {
      sockets.add(s);
      s.on('error', () => undefined);
      s.on('close', () => sockets.delete(s));
    }
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    seen,
    close: async () => {
      for (const s of sockets) s.destroy();
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    },
  };
}

describeDb('Telegram: webhook mode, HTTP proxy, replicas and languages', () => {
  it('registers the webhook with its secret, takes updates there, and refuses a wrong secret', async () => {
    const port = await freePort();
    const secret = 'hook_Secret-42';
    const a = await createTelegramTestApp({
      start: false,
      config: { publicUrl: `http://127.0.0.1:${port}`, telegram: { mode: 'webhook', webhookSecret: secret } },
    });
    try {
      await a.t.gh.app.listen({ port, host: '127.0.0.1' });
      await a.bot.start();
      await a.sim.waitFor(() => a.bot.health().state === 'running', 10_000);
      const set = a.sim.calls('setWebhook');
      expect(set).toHaveLength(1);
      expect(set[0].payload).toMatchObject({ url: `http://127.0.0.1:${port}/api/telegram/webhook`, secret_token: secret });
      expect(a.bot.health()).toMatchObject({ ok: true, mode: 'webhook', state: 'running' });

      // The emulator delivers a user's message to the webhook; the bot answers it.
      const user = tgUser({ username: 'hooked' });
      a.sim.sendUserMessage({ from: user, text: '/help' });
      const answer = await nextBotMessage(a, user.id, 0, 'the answer through the webhook');
      expect(answer.text).toContain('Gatehouse 审批机器人');
      expect(a.sim.calls('getUpdates')).toEqual([]);

      const update = {
        update_id: 1,
        message: { message_id: 1, date: 1, chat: { id: user.id, type: 'private' }, from: { ...user, is_bot: false }, text: '/help' },
      };
      const sent = a.sim.calls('sendMessage').length;
      const wrong = await a.t.inject({
        method: 'POST',
        url: '/api/telegram/webhook',
        headers: { 'x-telegram-bot-api-secret-token': 'nope' },
        payload: update,
      });
      expect(wrong.statusCode).toBe(401);
      expect(wrong.json().error.code).toBe('TELEGRAM_WEBHOOK_SECRET');
      const none = await a.t.inject({ method: 'POST', url: '/api/telegram/webhook', payload: update });
      expect(none.statusCode).toBe(401);
      expect(a.sim.calls('sendMessage').length).toBe(sent);
      const right = await a.t.inject({
        method: 'POST',
        url: '/api/telegram/webhook',
        headers: { 'x-telegram-bot-api-secret-token': secret },
        payload: update,
      });
      expect(right.statusCode, right.body).toBe(200);
      expect(a.sim.calls('sendMessage').length).toBe(sent + 1);
    } finally {
      await a.close();
    }
  }, 30_000);

  it('reaches Telegram through the configured HTTP proxy', async () => {
    const proxy = await startProxy();
    const a = await createTelegramTestApp({ start: false, config: { telegram: { proxyUrl: proxy.url } } });
    try {
      await a.bot.start();
      await a.sim.waitFor(() => a.sim.calls('getUpdates').length > 0, 10_000);
      expect(proxy.seen.some((h) => h === `127.0.0.1:${a.sim.port}`)).toBe(true);
      const user = tgUser({ username: 'proxied' });
      a.sim.sendUserMessage({ from: user, text: '/help' });
      expect((await nextBotMessage(a, user.id, 0)).text).toContain('/approve');
    } finally {
      await a.close();
      await proxy.close();
    }
  }, 30_000);

  it('lets one instance poll and keeps a second one on standby until the first stops', async () => {
    const a = await createTelegramTestApp();
    // A second Gatehouse on the same database and token, as a second replica would run.
    const second = await buildApp({ config: a.t.gh.ctx.config.get(), clock: a.clock, env: {}, logger: false });
    const bot2 = second.modules.approvals.telegram;
    try {
      await bot2.start();
      await a.sim.waitFor(() => bot2.health().state === 'standby', 10_000);
      expect(bot2.health()).toMatchObject({ ok: true, state: 'standby', detail: expect.stringContaining('another') });
      expect(a.bot.health().state).toBe('running');
      // Only one poller: Telegram never had to end a poll with 409.
      expect(a.sim.calls('getUpdates').filter((c) => c.status === 409)).toEqual([]);

      await a.bot.stop();
      // Re-check now instead of waiting for the standby timer.
      await bot2.stop();
      await bot2.start();
      await a.sim.waitFor(() => bot2.health().state === 'running', 10_000);
      const user = tgUser({ username: 'failover' });
      a.sim.sendUserMessage({ from: user, text: '/help' });
      expect((await nextBotMessage(a, user.id, 0, 'an answer from the second instance')).text).toContain('/approve');
    } finally {
      await bot2.stop();
      await second.close();
      await a.close();
    }
  }, 30_000);

  it('writes to the approval chat in notify.language and to each approver in their own language', async () => {
    const a = await createTelegramTestApp({ config: { notify: { language: 'en' } } });
    try {
      const zoe = await makeUser(a);
      const patch = await a.t.inject({ method: 'PATCH', url: '/api/me', token: zoe.token, payload: { locale: 'zh-CN' } });
      expect(patch.statusCode, patch.body).toBe(200);
      const zoeTg = tgUser(zoe);
      await linkTelegram(a, zoe, zoeTg);
      await makePolicy(a, { levels: [{ approvers: { users: [zoe.username] }, mode: 'any' }] });
      const r = await makeRequest(a, { version: '5.0' });
      await settle(a, 'the messages', () => !!requestMessage(a.sim, GROUP, r.id) && !!requestMessage(a.sim, zoeTg.id, r.id));
      const group = requestMessage(a.sim, GROUP, r.id)!;
      expect(group.text).toContain(`Release approval #${r.id}`);
      expect(group.text).toContain('Environment: prod 🔴 production');
      expect(group.reply_markup!.inline_keyboard.flat().map((b) => b.text)).toEqual(['Approve release', 'Reject release']);
      const mine = requestMessage(a.sim, zoeTg.id, r.id)!;
      expect(mine.text).toContain('版本：5.0');
      expect(mine.reply_markup!.inline_keyboard.flat().map((b) => b.text)).toEqual(['同意发布', '拒绝发布']);
    } finally {
      await a.close();
    }
  }, 30_000);

  it('keeps retrying when Telegram refuses the token, without throwing out of start()', async () => {
    const a = await createTelegramTestApp({ start: false, config: { telegram: { token: '999:WRONG' } } });
    try {
      await a.bot.start();
      await a.sim.waitFor(() => a.bot.health().state === 'error', 10_000);
      expect(a.bot.health()).toMatchObject({ ok: false, state: 'error', detail: expect.stringContaining('401') });
      const status = await a.t.inject({ method: 'GET', url: '/api/status', token: a.admin });
      expect(status.json().components.telegram).toMatchObject({ ok: false, state: 'error' });
    } finally {
      await a.close();
    }
  }, 30_000);
});
