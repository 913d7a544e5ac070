import { afterAll, beforeAll, expect, it } from 'vitest';
import { ManualClock } from '../src/core/clock.js';
import { NOTIFY_EVENTS, TEMPLATES, renderText } from '../src/modules/notify/index.js';
import { createUser, PW } from './identity-auth-helpers.js';
import { notifyHelpers } from './notify-helpers.js';
import { startReceiver, type Receiver } from './notify-receiver.js';
import { startSmtpPeer, type ReceivedMail, type SmtpPeer } from './notify-smtp-peer.js';
import { createTestApp, describeDb, type TestApp } from './test-app.js';
import { TEST_DIALECT } from './test-db.js';

/** An RFC 2047 subject (=?UTF-8?Q?…?= / ?B?) as the reader sees it. */
const decodeSubject = (s: string) =>
  s.replace(/\?=\s+=\?/g, '?==?').replace(/=\?UTF-8\?([QB])\?([^?]*)\?=/gi, (_m, enc: string, text: string) =>
    enc.toUpperCase() === 'B'
      ? Buffer.from(text, 'base64').toString('utf8')
      : Buffer.from(
          text.replace(/_/g, ' ').replace(/=([0-9A-F]{2})/gi, (_x, hex: string) => String.fromCharCode(parseInt(hex, 16))),
          'latin1',
        ).toString('utf8'),
  );

async function waitFor(ok: () => boolean): Promise<void> {
  for (let i = 0; i < 100 && !ok(); i++) await new Promise((r) => setTimeout(r, 50));
  expect(ok()).toBe(true);
}

const REQUEST_VARS = { id: 12, version: '2.0.1', description: '', requester: 'dora', deadline: '2031-05-01T10:30:00Z' };

describeDb(`notify.publish: recipients, languages, routing (${TEST_DIALECT})`, () => {
  let t: TestApp;
  let rx: Receiver;
  let smtp: SmtpPeer;
  let clock: ManualClock;
  let admin: string;
  const ids: Record<string, number> = {};
  const hooks: Record<string, number> = {};
  const h = notifyHelpers(
    () => t,
    () => admin,
  );
  const notes = (userId: number) =>
    t.gh.ctx.db.selectFrom('notify_notifications').selectAll().where('user_id', '=', userId).orderBy('id').execute();
  const hook = (name: string) => rx.of('webhook').filter((r) => r.path === `/hook/${name}`);

  beforeAll(async () => {
    clock = new ManualClock('2031-05-01T10:00:00Z');
    rx = await startReceiver({ now: () => clock.now().getTime() });
    smtp = await startSmtpPeer({ disabledCommands: ['STARTTLS'] });
    t = await createTestApp({
      clock,
      config: {
        publicUrl: 'https://gh.example.test',
        smtp: { host: '127.0.0.1', port: smtp.port, from: 'Gatehouse <gh@example.test>' },
        notify: { attempts: 3 }, // notify.language stays at its default, zh-CN
      },
    });
    admin = await t.adminToken();
    ids.alice = await createUser(t, admin, 'alice', { email: 'alice@example.test' });
    ids.bo = await createUser(t, admin, 'bo', { email: 'bo@example.test' });
    ids.cy = await createUser(t, admin, 'cy');
    for (const [who, locale] of [
      ['alice', 'en'],
      ['bo', 'zh-CN'],
    ])
      expect((await t.inject({ method: 'PATCH', url: `/api/users/${ids[who]}`, token: admin, payload: { locale } })).statusCode).toBe(200);
    const mk = async (name: string, extra: Record<string, unknown>) =>
      (hooks[name] = (await h.channel({ name, type: 'webhook', url: `${rx.url}/hook/${name}`, ...extra })).id);
    await mk('pay-prod', { events: ['approval.*'], project: 'pay*', environment: '/^prod/', language: 'en' });
    await mk('search', { project: 'search' });
    await mk('builds', { events: ['build.result'] });
    await mk('everything', {});
    await mk('wildcard', { events: ['*'] });
    await mk('security', { events: ['password.expiring', 'login.new-address'], language: 'en' });
    hooks.mail = (
      await h.channel({
        name: 'ops-mail',
        type: 'email',
        config: { to: ['ops@example.test', 'sre@example.test'] },
        events: ['approval.requested'],
        language: 'en',
      })
    ).id;
  });
  afterAll(async () => {
    await t?.close();
    await rx?.close();
    await smtp?.close();
  });

  it('each recipient in their own language: centre and e-mail; channels in theirs (default notify.language)', async () => {
    await h.publish({
      event: 'approval.requested',
      recipients: [ids.alice, ids.bo, ids.cy, 999_999],
      severity: 'urgent',
      link: '/approvals/12',
      project: 'payments',
      environment: 'prod',
      vars: REQUEST_VARS,
    });
    const [a] = await notes(ids.alice);
    expect(a).toMatchObject({
      kind: 'approval.requested',
      title: 'Approval requested: payments → prod (#12)',
      // The empty description leaves out its line.
      body: 'Requested by: dora\nVersion: 2.0.1\nDecide before: 2031-05-01T10:30:00Z',
      link: '/approvals/12',
      severity: 'urgent',
    });
    expect((await notes(ids.bo))[0]).toMatchObject({
      title: '待审批:payments → prod(#12)',
      body: '申请人:dora\n版本:2.0.1\n截止时间:2031-05-01T10:30:00Z',
    });
    expect((await notes(ids.cy))[0].title).toBe('Approval requested: payments → prod (#12)'); // no locale: English
    expect(await notes(999_999)).toEqual([]);

    await h.drain();
    await waitFor(() => smtp.mails.length >= 3);
    const mails = [...smtp.mails].sort((x, y) => x.to[0].localeCompare(y.to[0]));
    expect(mails.map((m) => m.to)).toEqual([['alice@example.test'], ['bo@example.test'], ['ops@example.test', 'sre@example.test']]);
    expect(mails[0].from).toBe('gh@example.test');
    expect(decodeSubject(mails[0].subject)).toBe('Gatehouse: [URGENT] Approval requested: payments → prod (#12)');
    expect(mails[0].text).toBe(
      'Requested by: dora\nVersion: 2.0.1\nDecide before: 2031-05-01T10:30:00Z\n\nhttps://gh.example.test/approvals/12',
    );
    expect(decodeSubject(mails[1].subject)).toBe('Gatehouse: 【紧急】待审批:payments → prod(#12)');
    expect(mails[1].text).toContain('申请人:dora');
    expect(decodeSubject(mails[2].subject)).toBe('Gatehouse: [URGENT] Approval requested: payments → prod (#12)');
    const userMails = (await h.deliveries({ event: 'approval.requested' })).filter((d) => d.channelId === null);
    expect(userMails.map((d) => [d.userId, d.recipient, d.status]).sort()).toEqual(
      [
        [ids.alice, 'alice@example.test', 'sent'],
        [ids.bo, 'bo@example.test', 'sent'],
      ].sort(),
    );

    expect(hook('pay-prod').map((r) => r.json.title)).toEqual(['[URGENT] Approval requested: payments → prod (#12)']);
    expect(hook('pay-prod')[0].json.link).toBe('https://gh.example.test/approvals/12');
    expect(hook('everything').map((r) => [r.json.language, r.json.title])).toEqual([['zh-CN', '【紧急】待审批:payments → prod(#12)']]);
    expect(hook('search')).toEqual([]);
    expect(hook('builds')).toEqual([]);
  });

  it('routes channels by event filter and project/environment patterns (exact, glob, /regex/)', async () => {
    const before = rx.received.length;
    const decided = (project: string | null, environment: string | null) =>
      h.publish({
        event: 'approval.decided',
        recipients: [],
        project,
        environment,
        vars: { ...REQUEST_VARS, id: 13, status: 'approved', decidedBy: 'bo', comment: 'ok' },
      });
    await decided('payroll', 'prod-eu'); // pay* and /^prod/: yes
    await decided('payments', 'staging'); // environment does not match
    await decided('search', 'dev'); // only the search channel (and the catch-alls)
    await decided(null, null); // a pattern other than '*' needs a value
    await h.drain();
    const got = rx.received.slice(before).map((r) => `${r.path.slice(6)} ${r.json.project}/${r.json.environment}`);
    expect(got.filter((g) => g.startsWith('pay-prod'))).toEqual(['pay-prod payroll/prod-eu']);
    expect(got.filter((g) => g.startsWith('search'))).toEqual(['search search/dev']);
    expect(got.filter((g) => g.startsWith('everything')).sort()).toEqual(
      ['everything null/null', 'everything payments/staging', 'everything payroll/prod-eu', 'everything search/dev'].sort(),
    );
    expect(got.filter((g) => g.startsWith('builds') || g.startsWith('security'))).toEqual([]);
    expect(hook('pay-prod').at(-1)!.json.title).toBe('Approval #13 approved: payroll → prod-eu');
    expect(hook('everything').find((r) => r.json.project === 'payroll')!.json.title).toBe('审批 #13 已通过:payroll → prod-eu');
  });

  it('sends events about one person only to channels that name them, never through wildcards', async () => {
    const before = rx.received.length;
    await h.publish({
      event: 'password.expiring',
      recipients: [ids.alice],
      severity: 'warning',
      link: '/profile',
      vars: { expiresOn: '2031-05-06' },
    });
    await h.drain();
    const got = rx.received.slice(before);
    expect(got.map((r) => r.path)).toEqual(['/hook/security']);
    expect(got[0].json).toMatchObject({ event: 'password.expiring', title: 'Your password expires soon' });
    expect((await notes(ids.alice)).at(-1)).toMatchObject({
      kind: 'password.expiring',
      body: 'Your Gatehouse password expires on 2031-05-06. Change it on your profile page to keep access.',
    });
  });

  it('publishes nothing when the caller’s transaction rolls back', async () => {
    const before = { received: rx.received.length, mails: smtp.mails.length };
    const count = async () =>
      Number(
        (
          await t.gh.ctx.db
            .selectFrom('notify_deliveries')
            .select((eb) => eb.fn.countAll().as('n'))
            .executeTakeFirstOrThrow()
        ).n,
      );
    const deliveries = await count();
    await expect(
      t.gh.ctx.db.transaction().execute(async (trx) => {
        await t.gh.modules.notify.service.publish(trx, {
          event: 'approval.requested',
          recipients: [ids.alice],
          project: 'payments',
          environment: 'prod',
          vars: { ...REQUEST_VARS, id: 77 },
        });
        throw new Error('the request could not be stored');
      }),
    ).rejects.toThrow('could not be stored');
    await t.gh.modules.notify.service.settled();
    await h.drain();
    clock.advance(10_000); // a job that looked before the rollback (PostgreSQL) looks once more
    await h.drain();
    expect(await count()).toBe(deliveries);
    expect((await notes(ids.alice)).filter((n) => n.title.includes('#77'))).toEqual([]);
    expect(rx.received.length).toBe(before.received);
    expect(smtp.mails.length).toBe(before.mails);
  });

  it('publishes inside a transaction that commits: jobs go out after the commit', async () => {
    const before = hook('pay-prod').length;
    await t.gh.ctx.db.transaction().execute((trx) =>
      t.gh.modules.notify.service.publish(trx, {
        event: 'approval.timeout',
        recipients: [ids.bo],
        project: 'payments',
        environment: 'prod',
        vars: { ...REQUEST_VARS, id: 78, status: 'rejected' },
      }),
    );
    await t.gh.modules.notify.service.settled();
    await h.drain();
    expect(
      hook('pay-prod')
        .slice(before)
        .map((r) => r.json.text),
    ).toEqual(['Nobody decided before 2031-05-01T10:30:00Z.\nOutcome: rejected\nVersion: 2.0.1\nRequested by: dora']);
    expect((await notes(ids.bo)).at(-1)!.title).toBe('审批 #78 已超时:payments → prod');
  });

  it('a channel’s own text template, with {{var}} substitution and empty lines left out', async () => {
    const c = await h.channel({
      name: 'ding-tpl',
      type: 'dingtalk',
      url: `${rx.url}/robot/send?access_token=tpl`,
      config: { msgType: 'text' },
      project: 'tpl',
      language: 'en',
      template: 'Release {{project}} {{version}} by {{requester}}\nNote: {{description}}\n{{nothing}}\n— {{title}}',
    });
    await h.publish({
      event: 'approval.requested',
      recipients: [],
      project: 'tpl',
      environment: 'prod',
      link: '/approvals/90',
      vars: { ...REQUEST_VARS, id: 90 },
    });
    await h.drain();
    const got = rx.of('dingtalk').filter((r) => r.query.access_token === 'tpl');
    expect(got[0].json.text.content).toBe(
      'Approval requested: tpl → prod (#90)\nRelease tpl 2.0.1 by dora\n— Approval requested: tpl → prod (#90)\nhttps://gh.example.test/approvals/90',
    );
    expect(await h.only(c.id)).toMatchObject({ status: 'sent' });
  });

  it('has a message in both languages for every event, filling every placeholder', () => {
    const all = {
      ...REQUEST_VARS,
      description: 'd',
      project: 'P',
      environment: 'prod',
      remainingMinutes: 7,
      reminder: 2,
      status: 'approved',
      statusText: 'approved',
      decidedBy: 'bo',
      comment: 'c',
      job: 'J',
      build: 7,
      result: 'FAILURE',
      resultText: 'failed',
      duration: '1m',
      url: 'https://ci/1',
      logTail: 'x',
      branch: 'main',
      count: 3,
      expiresOn: '2031-01-01',
      username: 'u',
      ip: '1.2.3.4',
      previousIp: '5.6.7.8',
      at: 'now',
      userAgent: 'ua',
      task: 'T',
      failed: 1,
      total: 2,
      hosts: 'h1: failed',
      channel: 'c',
      user: 'admin',
    };
    for (const event of NOTIFY_EVENTS) {
      const en = TEMPLATES[event].en;
      const zh = TEMPLATES[event]['zh-CN'];
      for (const tpl of [en.title, en.body, zh.title, zh.body]) {
        expect(renderText(tpl, all), `${event}: ${tpl}`).not.toMatch(/\{\{|\}\}/);
        expect(renderText(tpl, {}), event).not.toMatch(/\{\{/);
      }
      expect(zh.title, event).toMatch(/[\u4e00-\u9fff]/);
      expect(en.title, event).not.toMatch(/[\u4e00-\u9fff]/);
    }
  });

  it('tells a user about a sign-in from another address than last time (not the first, not the same)', async () => {
    const login = (ip?: string) =>
      t.inject({
        method: 'POST',
        url: '/api/auth/login',
        payload: { username: 'alice', password: PW },
        headers: ip ? { 'x-forwarded-for': ip } : {},
      });
    const newAddress = async () => (await notes(ids.alice)).filter((n) => n.kind === 'login.new-address');
    expect((await login()).statusCode).toBe(200); // first sign-in: nothing to compare with
    expect((await login()).statusCode).toBe(200); // same address
    expect(await newAddress()).toEqual([]);
    const mailsBefore = smtp.mails.length;
    const securityBefore = hook('security').length;
    const res = await login('203.0.113.9');
    expect(res.statusCode).toBe(200);
    const [n] = await newAddress();
    expect(n).toMatchObject({ title: 'New sign-in from 203.0.113.9', link: '/profile', severity: 'warning' });
    expect(n.body).toContain('Your account alice signed in from 203.0.113.9 at 2031-05-01T10:00:10.000Z (last time from 127.0.0.1).');
    await h.drain();
    await waitFor(() => smtp.mails.length > mailsBefore);
    const mail: ReceivedMail = smtp.mails.at(-1)!;
    expect(mail.to).toEqual(['alice@example.test']);
    expect(decodeSubject(mail.subject)).toBe('Gatehouse: New sign-in from 203.0.113.9');
    expect(hook('security').length).toBe(securityBefore + 1);
    expect(hook('everything').filter((r) => r.json.event === 'login.new-address')).toEqual([]);
  });
});
