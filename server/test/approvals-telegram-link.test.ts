import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeDb } from './test-app.js';
import { makeUser, MINUTE } from './approvals-helpers.js';
import { createTelegramTestApp, GROUP, linkTelegram, say, tgUser, type TelegramTestApp } from './approvals-telegram-helpers.js';

describeDb('Telegram: linking an account', () => {
  let a: TelegramTestApp;
  beforeAll(async () => {
    a = await createTelegramTestApp();
  }, 30_000);
  afterAll(async () => {
    await a?.close();
  });

  it('links with a one-use code from the profile page, shows the link, and unlinks', async () => {
    const alice = await makeUser(a);
    const tg = tgUser(alice);

    const before = await a.t.inject({ method: 'GET', url: '/api/me/telegram', token: alice.token });
    expect(before.statusCode).toBe(200);
    expect(before.json()).toMatchObject({
      linked: false,
      telegramUsername: null,
      linkedAt: null,
      enabled: true,
      botUsername: 'gatehouse_bot',
    });

    const res = await a.t.inject({ method: 'POST', url: '/api/me/telegram/link-code', token: alice.token, payload: {} });
    expect(res.statusCode, res.body).toBe(201);
    const { code, expiresAt } = res.json() as { code: string; expiresAt: string };
    expect(code).toMatch(/^[A-Z2-9]{8}$/);
    expect(new Date(expiresAt).getTime() - a.clock.now().getTime()).toBe(10 * MINUTE);

    // Typed on a phone: lower case and a space are fine.
    const answer = await say(a, tg, `/link ${code.slice(0, 4).toLowerCase()} ${code.slice(4)}`);
    expect(answer.text).toContain(`已关联 Gatehouse 用户 ${alice.username}`);

    const after = await a.t.inject({ method: 'GET', url: '/api/me/telegram', token: alice.token });
    expect(after.json()).toMatchObject({ linked: true, telegramUsername: tg.username, linkedAt: a.clock.now().toISOString() });

    // One use only: the same code from another account links nothing.
    const mallory = tgUser({ username: 'mallory' });
    const reused = await say(a, mallory, `/link ${code}`);
    expect(reused.text).toContain('关联码无效');
    const still = await a.t.inject({ method: 'GET', url: '/api/me/telegram', token: alice.token });
    expect(still.json().telegramUsername).toBe(tg.username);

    const audit = await a.t.gh.ctx.db
      .selectFrom('audit_events')
      .select(['action', 'username'])
      .where('action', 'like', 'approvals.telegram.%')
      .where('username', '=', alice.username)
      .orderBy('id')
      .execute();
    expect(audit.map((e) => e.action)).toEqual(['approvals.telegram.link-code', 'approvals.telegram.link']);

    const del = await a.t.inject({ method: 'DELETE', url: '/api/me/telegram', token: alice.token });
    expect(del.statusCode).toBe(200);
    expect(del.json()).toMatchObject({ linked: false, telegramUsername: null });
    const rows = await a.t.gh.ctx.db.selectFrom('approvals_telegram_links').selectAll().where('user_id', '=', alice.id).execute();
    expect(rows).toEqual([]);
    // Unlinked again: the account may only ask for help.
    const status = await say(a, tg, '/status');
    expect(status.text).toContain('尚未关联');
  });

  it('refuses an expired code, a code in a group chat and a missing code', async () => {
    const bob = await makeUser(a);
    const tg = tgUser(bob, { languageCode: 'en' });
    const res = await a.t.inject({ method: 'POST', url: '/api/me/telegram/link-code', token: bob.token });
    expect(res.statusCode, res.body).toBe(201);
    const code = res.json().code as string;

    const inGroup = await say(a, tg, `/link ${code}`, { id: GROUP, type: 'supergroup' });
    expect(inGroup.text).toContain('private chat');

    const usage = await say(a, tg, '/link');
    expect(usage.text).toContain('Usage: /link <code>');

    a.clock.advance(10 * MINUTE + 1000);
    const expired = await say(a, tg, `/link ${code}`);
    expect(expired.text).toContain('unknown, used or expired');
    expect((await a.t.inject({ method: 'GET', url: '/api/me/telegram', token: bob.token })).json().linked).toBe(false);

    // A new code retires the old one; the new one works.
    const first = (await a.t.inject({ method: 'POST', url: '/api/me/telegram/link-code', token: bob.token })).json().code as string;
    const second = (await a.t.inject({ method: 'POST', url: '/api/me/telegram/link-code', token: bob.token })).json().code as string;
    expect((await say(a, tg, `/link ${first}`)).text).toContain('unknown, used or expired');
    expect((await say(a, tg, `/link ${second}`)).text).toContain(`Linked to Gatehouse user ${bob.username}`);
  });

  it('moves a Telegram account to the user who links it last (one account, one user)', async () => {
    const carol = await makeUser(a);
    const dave = await makeUser(a);
    const tg = tgUser(carol);
    await linkTelegram(a, carol, tg);
    await linkTelegram(a, dave, tg);
    expect((await a.t.inject({ method: 'GET', url: '/api/me/telegram', token: carol.token })).json().linked).toBe(false);
    expect((await a.t.inject({ method: 'GET', url: '/api/me/telegram', token: dave.token })).json().linked).toBe(true);
  });

  it('links through the start link (/start <code>) too', async () => {
    const erin = await makeUser(a);
    const tg = tgUser(erin);
    const code = (await a.t.inject({ method: 'POST', url: '/api/me/telegram/link-code', token: erin.token })).json().code as string;
    expect((await say(a, tg, `/start ${code}`)).text).toContain(`已关联 Gatehouse 用户 ${erin.username}`);
    expect((await say(a, tg, '/start')).text).toContain('Gatehouse 审批机器人');
  });

  it('stops taking codes from an account after five wrong ones, for ten minutes', async () => {
    const frank = await makeUser(a);
    const tg = tgUser(frank);
    for (let i = 0; i < 5; i++) expect((await say(a, tg, `/link WRONG${i}AB`)).text).toContain('关联码无效');
    const code = (await a.t.inject({ method: 'POST', url: '/api/me/telegram/link-code', token: frank.token })).json().code as string;
    expect((await say(a, tg, `/link ${code}`)).text).toContain('错误次数过多');
    expect((await a.t.inject({ method: 'GET', url: '/api/me/telegram', token: frank.token })).json().linked).toBe(false);
    a.clock.advance(10 * MINUTE + 1000);
    const fresh = (await a.t.inject({ method: 'POST', url: '/api/me/telegram/link-code', token: frank.token })).json().code as string;
    expect((await say(a, tg, `/link ${fresh}`)).text).toContain(`已关联 Gatehouse 用户 ${frank.username}`);
  });

  it('answers /help to anyone, and needs a signed-in user for the link API', async () => {
    const stranger = tgUser({ username: 'stranger' });
    const help = await say(a, stranger, '/help');
    for (const cmd of ['/approve', '/reject', '/status', '/jenkins', '/link', '/help']) expect(help.text).toContain(cmd);
    expect(help.parse_mode).toBe('HTML');
    expect((await a.t.inject({ method: 'POST', url: '/api/me/telegram/link-code' })).statusCode).toBe(401);
    expect((await a.t.inject({ method: 'GET', url: '/api/me/telegram' })).statusCode).toBe(401);
  });

  it('registers its command menu and reports healthy on /api/status', async () => {
    await a.sim.waitFor(() => a.sim.myCommands().length > 0);
    expect(a.sim.myCommands().map((c) => c.command)).toEqual(['approve', 'reject', 'status', 'jenkins', 'link', 'help']);
    expect(a.sim.myCommands(undefined, 'zh')[0].description).toContain('同意发布');
    expect(a.bot.health()).toMatchObject({ ok: true, enabled: true, state: 'running', mode: 'polling', botUsername: 'gatehouse_bot' });
    const status = await a.t.inject({ method: 'GET', url: '/api/status', token: a.admin });
    expect(status.statusCode, status.body).toBe(200);
    expect(status.json().components.telegram).toMatchObject({ ok: true, state: 'running' });
  });
});

describeDb('Telegram: off without a token', () => {
  it('refuses link codes, reports off, and has no webhook', async () => {
    const a = await createTelegramTestApp({ config: { telegram: { token: '' } }, start: false });
    try {
      await a.bot.start();
      expect(a.bot.health()).toMatchObject({ ok: true, enabled: false, state: 'off' });
      const u = await makeUser(a);
      const res = await a.t.inject({ method: 'POST', url: '/api/me/telegram/link-code', token: u.token, payload: {} });
      expect(res.statusCode).toBe(409);
      expect(res.json().error.code).toBe('TELEGRAM_DISABLED');
      expect((await a.t.inject({ method: 'GET', url: '/api/me/telegram', token: u.token })).json()).toMatchObject({
        linked: false,
        enabled: false,
      });
      const hook = await a.t.inject({ method: 'POST', url: '/api/telegram/webhook', payload: { update_id: 1 } });
      expect(hook.statusCode).toBe(404);
      expect(a.sim.calls()).toEqual([]);
    } finally {
      await a.close();
    }
  }, 30_000);
});
