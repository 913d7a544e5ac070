import { createHmac } from 'node:crypto';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { ManualClock } from '../src/core/clock.js';
import { notifyHelpers } from './notify-helpers.js';
import { startReceiver, type Receiver } from './notify-receiver.js';
import { createTestApp, describeDb, type TestApp } from './test-app.js';
import { TEST_DIALECT } from './test-db.js';

const TOKEN = 'tok-very-secret-0123456789';
const SECRET = 'SECsigning-secret-abcdef';

describeDb(`notification channels API (${TEST_DIALECT})`, () => {
  let t: TestApp;
  let rx: Receiver;
  let clock: ManualClock;
  let admin: string;
  const h = notifyHelpers(
    () => t,
    () => admin,
  );
  const api = (method: 'GET' | 'POST' | 'PUT' | 'DELETE', url: string, payload?: unknown, token = admin) =>
    t.inject({ method, url, token, ...(payload === undefined ? {} : { payload: payload as object }) });
  const audit = (action: string) => t.gh.ctx.db.selectFrom('audit_events').selectAll().where('action', '=', action).orderBy('id').execute();

  beforeAll(async () => {
    clock = new ManualClock('2031-03-01T08:00:00Z');
    rx = await startReceiver({ now: () => clock.now().getTime() });
    t = await createTestApp({ clock, config: { notify: { language: 'en' } } });
    admin = await t.adminToken();
  });
  afterAll(async () => {
    await t?.close();
    await rx?.close();
  });

  it('needs notify.manage: 401 without a token, 403 for an ordinary user', async () => {
    expect((await t.inject({ method: 'GET', url: '/api/notify/channels' })).statusCode).toBe(401);
    const made = await api('POST', '/api/users', {
      username: 'olga',
      password: 'Str0ng#Passw0rd',
      roles: ['user'],
      mustChangePassword: false,
    });
    expect(made.statusCode, made.body).toBe(201);
    const olga = await t.login('olga', 'Str0ng#Passw0rd');
    for (const [method, url] of [
      ['GET', '/api/notify/channels'],
      ['POST', '/api/notify/channels'],
      ['GET', '/api/notify/deliveries'],
      ['POST', '/api/notify/channels/1/test'],
    ] as const) {
      const r = await api(method, url, method === 'POST' ? { name: 'x', type: 'slack', url: 'https://h.example/x' } : undefined, olga);
      expect(r.statusCode, `${method} ${url}`).toBe(403);
    }
    expect(t.gh.ctx.permissions.get('notify.manage')).toMatchObject({ module: 'notify', scoped: false });
  });

  it('keeps the URL and the secret write-only: masked URL and hasSecret in every answer, sealed in the database and the audit trail', async () => {
    const url = `${rx.url}/robot/send?access_token=${TOKEN}`;
    const created = await api('POST', '/api/notify/channels', {
      name: 'ops-ding',
      type: 'dingtalk',
      url,
      secret: SECRET,
      events: ['approval.*', 'build.result'],
      project: 'payments',
      environment: '/^prod/',
      language: 'zh-CN',
    });
    expect(created.statusCode, created.body).toBe(201);
    const c = created.json();
    expect(c).toMatchObject({
      name: 'ops-ding',
      type: 'dingtalk',
      enabled: true,
      events: ['approval.*', 'build.result'],
      project: 'payments',
      environment: '/^prod/',
      language: 'zh-CN',
      template: null,
      config: {},
      url: `${rx.url}/robot/send?access_token=***`,
      hasSecret: true,
      createdByName: 'admin',
    });
    const answers = [
      created.body,
      (await api('GET', `/api/notify/channels/${c.id}`)).body,
      (await api('GET', '/api/notify/channels')).body,
    ];
    for (const body of answers) {
      expect(body).not.toContain(TOKEN);
      expect(body).not.toContain(SECRET);
      expect(body).not.toMatch(/"secret"/);
    }
    const row = await t.gh.ctx.db.selectFrom('notify_channels').selectAll().where('id', '=', c.id).executeTakeFirstOrThrow();
    expect(row.url_enc).not.toContain(TOKEN);
    expect(row.secret_enc).not.toContain(SECRET);
    expect(t.gh.ctx.secrets.open(row.url_enc)).toBe(url);
    expect(t.gh.ctx.secrets.open(row.secret_enc)).toBe(SECRET);
    const [event] = await audit('notify.channel.create');
    expect(event).toMatchObject({ resource_type: 'notify-channel', resource_id: String(c.id), username: 'admin', outcome: 'success' });
    expect(JSON.parse(event.details)).toMatchObject({ name: 'ops-ding', type: 'dingtalk', changed: ['url', 'secret'] });
    const trail = JSON.stringify(await t.gh.ctx.db.selectFrom('audit_events').selectAll().execute());
    expect(trail).not.toContain(TOKEN);
    expect(trail).not.toContain(SECRET);
  });

  it('PUT keeps the URL and secret unless given; secret null removes it', async () => {
    const [c] = (await api('GET', '/api/notify/channels')).json().items;
    const base = { name: 'ops-ding', type: 'dingtalk', project: 'payments', environment: '/^prod/', events: ['approval.*'] };
    const kept = await api('PUT', `/api/notify/channels/${c.id}`, { ...base, enabled: false });
    expect(kept.statusCode, kept.body).toBe(200);
    expect(kept.json()).toMatchObject({ enabled: false, hasSecret: true, url: c.url, events: ['approval.*'], language: null });

    // The kept secret still signs: the receiver checks DingTalk's sign with it.
    rx.secrets.dingtalk[TOKEN] = SECRET;
    const test = await api('POST', `/api/notify/channels/${c.id}/test`);
    expect(test.statusCode, test.body).toBe(202);
    await h.drain();
    const got = rx.of('dingtalk').at(-1)!;
    expect(got.query.sign).toBe(createHmac('sha256', SECRET).update(`${got.query.timestamp}\n${SECRET}`).digest('base64'));
    expect(got.answer.body).toContain('"errcode":0');

    const removed = await api('PUT', `/api/notify/channels/${c.id}`, { ...base, secret: null });
    expect(removed.json()).toMatchObject({ hasSecret: false, enabled: true });
    expect(
      (await t.gh.ctx.db.selectFrom('notify_channels').select('secret_enc').where('id', '=', c.id).executeTakeFirstOrThrow()).secret_enc,
    ).toBeNull();
    expect((await audit('notify.channel.update')).map((e) => JSON.parse(e.details).changed)).toEqual([[], ['secret-removed']]);
  });

  it('refuses settings that cannot work, with a stable code and the field', async () => {
    const bad: Array<[Record<string, unknown>, string]> = [
      [{ name: 'a', type: 'wecom', url: 'https://qyapi.example/send?key=k', secret: 's' }, 'secret'],
      [{ name: 'b', type: 'slack' }, 'url'],
      [{ name: 'c', type: 'slack', url: 'ftp://files.example/x' }, 'url'],
      [{ name: 'd', type: 'webhook', url: 'https://h.example/x', template: '{"text": "{{title}}"' }, 'template'],
      [{ name: 'e', type: 'webhook', url: 'https://h.example/x', project: '/(a+)+$/' }, 'project'],
      [{ name: 'f', type: 'webhook', url: 'https://h.example/x', events: ['approval.nope'] }, 'events'],
      [{ name: 'g', type: 'email' }, 'config.to'],
      [{ name: 'h', type: 'email', config: { to: ['not-an-address'] } }, 'config.to'],
      [{ name: 'i', type: 'telegram' }, 'config.chatId'],
      [{ name: 'j', type: 'telegram', config: { chatId: '-100123' }, url: 'https://x.example' }, 'url'],
      [{ name: 'k', type: 'slack', url: 'https://h.example/x', config: { msgType: 'text' } }, 'config.msgType'],
      [{ name: 'l', type: 'feishu', url: 'https://h.example/x', config: { atMobiles: ['13800001111'] } }, 'config.atMobiles'],
    ];
    for (const [body, field] of bad) {
      const r = await api('POST', '/api/notify/channels', body);
      expect(r.statusCode, `${JSON.stringify(body)} → ${r.body}`).toBe(400);
      expect(r.json().error).toMatchObject({ code: 'NOTIFY_CHANNEL_INVALID', details: { field } });
    }
    const unknown = await api('POST', '/api/notify/channels', { name: 'm', type: 'slack', url: 'https://h.example/x', colour: 'red' });
    expect(unknown.statusCode).toBe(400);
    expect((await api('POST', '/api/notify/channels', { name: 'n', type: 'pager', url: 'https://h.example/x' })).statusCode).toBe(400);
    const taken = await api('POST', '/api/notify/channels', { name: 'ops-ding', type: 'slack', url: 'https://h.example/x' });
    expect(taken.statusCode).toBe(409);
    expect(taken.json().error.code).toBe('NOTIFY_CHANNEL_NAME_TAKEN');
    expect((await api('GET', '/api/notify/channels')).json().total).toBe(1);
  });

  it('sends a test message through the job (even to a disabled channel) and logs it', async () => {
    const c = await h.channel({ name: 'hook-test', type: 'webhook', url: `${rx.url}/hook/test`, enabled: false, events: ['build.result'] });
    const r = await api('POST', `/api/notify/channels/${c.id}/test`);
    expect(r.statusCode, r.body).toBe(202);
    const { deliveryId } = r.json();
    expect((await h.deliveries({ channelId: c.id }))[0]).toMatchObject({ id: deliveryId, status: 'queued', event: 'test', attempts: 0 });
    expect(await h.drain()).toBe(1);
    const got = rx.of('webhook').at(-1)!;
    expect(got.headers['x-gatehouse-event']).toBe('test');
    expect(got.json).toMatchObject({
      event: 'test',
      language: 'en',
      title: 'Gatehouse test message',
      text: 'Channel "hook-test" works. Sent by admin at 2031-03-01T08:00:00.000Z.',
    });
    expect(await h.only(c.id)).toMatchObject({ id: deliveryId, status: 'sent', attempts: 1, responseStatus: 204, recipient: 'hook-test' });
    expect((await audit('notify.channel.test')).at(-1)).toMatchObject({ resource_id: String(c.id) });
    expect((await api('POST', '/api/notify/channels/999999/test')).json().error.code).toBe('NOTIFY_CHANNEL_NOT_FOUND');

    // Published events skip a disabled channel entirely.
    await h.publish({ event: 'build.result', recipients: [], vars: { job: 'x', build: 1, result: 'SUCCESS' } });
    await h.drain();
    expect(await h.deliveries({ channelId: c.id })).toHaveLength(1);
  });

  it('records a Telegram message as skipped, with the reason, while telegram.token is empty', async () => {
    const c = await h.channel({ name: 'tg', type: 'telegram', config: { chatId: '-100777' } });
    expect(c).toMatchObject({ url: null, hasSecret: false, config: { chatId: '-100777' } });
    const r = await api('POST', `/api/notify/channels/${c.id}/test`);
    expect(await h.only(c.id)).toMatchObject({
      id: r.json().deliveryId,
      status: 'skipped',
      attempts: 0,
      lastError: 'Telegram is not configured (telegram.token)',
    });
    expect(await t.gh.ctx.jobs.listJobs({ name: 'notify.deliver', state: 'queued' })).toEqual([]);
    expect((await api('DELETE', `/api/notify/channels/${c.id}`)).statusCode).toBe(204);
  });

  it('filters the delivery log by channel, status and event, newest first, paged', async () => {
    const c = await h.channel({ name: 'hook-log', type: 'webhook', url: `${rx.url}/hook/log`, project: 'logp' });
    rx.force('webhook', { status: 410, body: 'gone' });
    for (let i = 0; i < 3; i++)
      await h.publish({ event: 'build.result', recipients: [], project: 'logp', vars: { job: 'j', build: i, result: 'SUCCESS' } });
    await api('POST', `/api/notify/channels/${c.id}/test`);
    await h.drain();
    const mine = await h.deliveries({ channelId: c.id });
    expect(mine.map((d) => d.event)).toEqual(['test', 'build.result', 'build.result', 'build.result']);
    expect(mine.map((d) => d.status).sort()).toEqual(['failed', 'sent', 'sent', 'sent']);
    expect((await h.deliveries({ channelId: c.id, status: 'failed' }))[0]).toMatchObject({
      lastError: 'HTTP 410: gone',
      responseStatus: 410,
    });
    expect(await h.deliveries({ channelId: c.id, event: 'test' })).toHaveLength(1);
    const page = await api('GET', `/api/notify/deliveries?channelId=${c.id}&page=2&pageSize=3`);
    expect(page.json()).toMatchObject({ total: 4, page: 2, pageSize: 3, items: [{ id: mine[3].id }] });
    expect((await api('GET', '/api/notify/deliveries?status=lost')).statusCode).toBe(400);
  });

  it('deletes a channel (audited); its deliveries stay in the log', async () => {
    const c = await h.channel({ name: 'short-lived', type: 'slack', url: `${rx.url}/services/T/B/abcdefgh` });
    await api('POST', `/api/notify/channels/${c.id}/test`);
    expect((await api('DELETE', `/api/notify/channels/${c.id}`)).statusCode).toBe(204);
    expect((await api('GET', `/api/notify/channels/${c.id}`)).statusCode).toBe(404);
    expect((await api('DELETE', `/api/notify/channels/${c.id}`)).statusCode).toBe(404);
    expect((await audit('notify.channel.delete')).at(-1)).toMatchObject({ resource_id: String(c.id) });
    await h.drain(); // the queued test message finds its channel gone
    expect(await h.only(c.id)).toMatchObject({ status: 'failed', lastError: 'the channel was deleted' });
  });
});
