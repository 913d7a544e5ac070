import { createHmac } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, expect, it } from 'vitest';
import { ManualClock } from '../src/core/clock.js';
import { notifyHelpers } from './notify-helpers.js';
import { startReceiver, type Receiver } from './notify-receiver.js';
import { createTestApp, describeDb, type TestApp } from './test-app.js';
import { TEST_DIALECT } from './test-db.js';

const SEC = 1000;
// The reference's worked examples (chat-webhooks.md §1 and §3): same secrets, same instant.
const DING_SECRET = 'SECexample0123456789abcdef0123456789abcdef0123456789abcdef012345';
const DING_SIGN = 'iecQCdVMkHkLv+bdkbP9ISo9OS22B/WxeGHMT6yw7I4=';
const FEISHU_SECRET = 'demoSecretForDocsOnly';
const FEISHU_SIGN = '/0ulZbfZ+y04f6CbRqyr+FsnxKZK13+D0g6jo5G44Gk=';
const START = '2026-01-01T00:00:00.006Z'; // 1767225600006 ms

const build = (project: string) => ({
  event: 'build.result' as const,
  recipients: [],
  severity: 'warning' as const,
  link: '/approvals/7',
  project,
  environment: 'prod',
  vars: {
    job: 'deploy-api',
    build: 42,
    result: 'FAILURE',
    duration: '3m 2s',
    url: 'https://ci.example/job/deploy-api/42/',
    logTail: 'step 1 ok\nERROR: tests failed',
  },
});
const BUILD_TITLE = (p: string) => `Build deploy-api #42 failed (${p} → prod)`;
const BUILD_LINES = [
  'Result: failed',
  'Duration: 3m 2s',
  'Build: https://ci.example/job/deploy-api/42/',
  'Log tail:',
  'step 1 ok',
  'ERROR: tests failed',
];
const LINK = 'https://gh.example.test/approvals/7';

describeDb(`chat webhooks: bodies, signatures, retries (${TEST_DIALECT})`, () => {
  let t: TestApp;
  let rx: Receiver;
  let clock: ManualClock;
  let admin: string;
  const h = notifyHelpers(
    () => t,
    () => admin,
  );

  beforeAll(async () => {
    clock = new ManualClock(START);
    rx = await startReceiver({ now: () => clock.now().getTime() });
    t = await createTestApp({
      clock,
      config: { publicUrl: 'https://gh.example.test/', notify: { attempts: 3, webhookTimeoutMs: 400, language: 'en' } },
    });
    admin = await t.adminToken();
  });
  afterAll(async () => {
    await t?.close();
    await rx?.close();
  });
  beforeEach(() => clock.set(START));

  it('DingTalk: markdown with the 加签 timestamp and sign in the query, encoded once', async () => {
    rx.secrets.dingtalk['tok-ding'] = DING_SECRET;
    const c = await h.channel({
      name: 'ding',
      type: 'dingtalk',
      url: `${rx.url}/robot/send?access_token=tok-ding`,
      secret: DING_SECRET,
      project: 'p-ding',
      config: { atMobiles: ['13800001111'] },
    });
    await h.publish(build('p-ding'));
    expect(await h.drain()).toBe(1);
    const [got] = rx.of('dingtalk');
    expect(got.query).toEqual({ access_token: 'tok-ding', timestamp: '1767225600006', sign: DING_SIGN });
    expect(got.rawUrl).toContain('sign=iecQCdVMkHkLv%2BbdkbP9ISo9OS22B%2FWxeGHMT6yw7I4%3D');
    expect(got.headers['content-type']).toMatch(/^application\/json/);
    expect(got.json).toEqual({
      msgtype: 'markdown',
      markdown: {
        title: BUILD_TITLE('p-ding'),
        text: [`### ${BUILD_TITLE('p-ding')}`, ...BUILD_LINES, `[Open in Gatehouse](${LINK})`, '@13800001111'].join('\n\n'),
      },
      at: { atMobiles: ['13800001111'], isAtAll: false },
    });
    expect(got.answer.body).toBe('{"errcode":0,"errmsg":"ok"}');
    expect(await h.only(c.id)).toMatchObject({
      status: 'sent',
      attempts: 1,
      channel: 'dingtalk',
      event: 'build.result',
      responseStatus: 200,
      responseExcerpt: '{"errcode":0,"errmsg":"ok"}',
      lastError: null,
    });
  });

  it('DingTalk: a wrong secret is "sign not match" (errcode 310000 with HTTP 200): failed at once, not retried', async () => {
    rx.secrets.dingtalk['tok-wrong'] = DING_SECRET;
    const c = await h.channel({
      name: 'ding-wrong',
      type: 'dingtalk',
      url: `${rx.url}/robot/send?access_token=tok-wrong`,
      secret: 'SECnot-the-right-one',
      project: 'p-ding-wrong',
      config: { msgType: 'text' },
    });
    await h.publish(build('p-ding-wrong'));
    await h.drain();
    const got = rx.of('dingtalk').filter((r) => r.query.access_token === 'tok-wrong');
    expect(got).toHaveLength(1);
    expect(got[0].json).toEqual({
      msgtype: 'text',
      text: { content: [BUILD_TITLE('p-ding-wrong'), BUILD_LINES.join('\n'), LINK].join('\n') },
      at: { atMobiles: [], isAtAll: false },
    });
    expect(await h.only(c.id)).toMatchObject({
      status: 'failed',
      attempts: 1,
      lastError: 'code 310000: sign not match',
      responseStatus: 200,
    });
    clock.advance(3600 * SEC);
    expect(await h.drain()).toBe(0);
    expect(rx.of('dingtalk').filter((r) => r.query.access_token === 'tok-wrong')).toHaveLength(1);
  });

  it('WeCom: markdown; errcode -1 ("system busy") is retried with backoff, then fails with the error in the log', async () => {
    const c = await h.channel({ name: 'wecom', type: 'wecom', url: `${rx.url}/cgi-bin/webhook/send?key=k-1`, project: 'p-wecom' });
    rx.force('wecom', ...Array.from({ length: 3 }, () => ({ body: { errcode: -1, errmsg: 'system busy' } })));
    await h.publish(build('p-wecom'));
    expect(await h.drain()).toBe(1);
    expect(rx.of('wecom')[0].json).toEqual({
      msgtype: 'markdown',
      markdown: {
        content: [
          `**<font color="warning">${BUILD_TITLE('p-wecom')}</font>**`,
          ...BUILD_LINES.map((l) => `> ${l}`),
          `[Open in Gatehouse](${LINK})`,
        ].join('\n'),
      },
    });
    let d = await h.only(c.id);
    expect(d).toMatchObject({
      status: 'queued',
      attempts: 1,
      lastError: 'code -1: system busy',
      nextAttemptAt: '2026-01-01T00:00:05.006Z',
    });
    expect(await h.drain()).toBe(0); // not before its time
    clock.advance(5 * SEC);
    await h.drain();
    expect(await h.only(c.id)).toMatchObject({ status: 'queued', attempts: 2 });
    clock.advance(10 * SEC);
    await h.drain();
    d = await h.only(c.id);
    expect(d).toMatchObject({
      status: 'failed',
      attempts: 3,
      lastError: 'code -1: system busy',
      responseExcerpt: '{"errcode":-1,"errmsg":"system busy"}',
    });
    expect(rx.of('wecom')).toHaveLength(3);
    const [job] = await t.gh.ctx.jobs.listJobs({ name: 'notify.deliver', state: 'failed' });
    expect(job).toMatchObject({ attempts: 3, lastError: 'code -1: system busy' });
  });

  it('Feishu: an interactive card signed in the body (HMAC keyed with "timestamp\\nsecret"); frequency limits are retried', async () => {
    const c = await h.channel({
      name: 'feishu',
      type: 'feishu',
      url: `${rx.url}/open-apis/bot/v2/hook/hook-1`,
      secret: FEISHU_SECRET,
      project: 'p-feishu',
    });
    rx.secrets.feishu['hook-1'] = FEISHU_SECRET;
    rx.force('feishu', { body: { code: 11232, data: {}, msg: 'frequency limited psm[lark.oapi.app_platform_runtime]appID[1]' } });
    await h.publish(build('p-feishu'));
    await h.drain();
    expect(await h.only(c.id)).toMatchObject({
      status: 'queued',
      attempts: 1,
      lastError: expect.stringMatching(/^rate limited, code 11232: frequency limited/),
    });
    clock.advance(5 * SEC);
    await h.drain();
    const got = rx.of('feishu');
    expect(got).toHaveLength(2);
    // The first try was at 00:00:00, the retry 5 s later: each carries its own timestamp and sign.
    expect(got[0].json).toMatchObject({ timestamp: '1767225600', sign: FEISHU_SIGN });
    expect(got[1].json.timestamp).toBe('1767225605');
    expect(got[1].json.sign).toBe(createHmac('sha256', `1767225605\n${FEISHU_SECRET}`).digest('base64'));
    expect(Object.keys(got[1].json).slice(0, 3)).toEqual(['timestamp', 'sign', 'msg_type']);
    expect(got[1].json).toEqual({
      timestamp: '1767225605',
      sign: got[1].json.sign,
      msg_type: 'interactive',
      card: {
        config: { wide_screen_mode: true },
        header: { template: 'orange', title: { tag: 'plain_text', content: BUILD_TITLE('p-feishu') } },
        elements: [
          { tag: 'div', text: { tag: 'lark_md', content: BUILD_LINES.join('\n') } },
          { tag: 'div', text: { tag: 'lark_md', content: `[Open in Gatehouse](${LINK})` } },
        ],
      },
    });
    expect(got[1].answer.body).toContain('"code":0');
    expect(await h.only(c.id)).toMatchObject({ status: 'sent', attempts: 2, lastError: null });
  });

  it('Feishu: a sign the platform rejects (19021) is permanent', async () => {
    const c = await h.channel({
      name: 'feishu-bad',
      type: 'feishu',
      url: `${rx.url}/open-apis/bot/v2/hook/hook-2`,
      secret: 'wrong',
      project: 'p-feishu-bad',
      config: { msgType: 'text' },
    });
    rx.secrets.feishu['hook-2'] = FEISHU_SECRET;
    await h.publish(build('p-feishu-bad'));
    await h.drain();
    const got = rx.of('feishu').filter((r) => r.path.endsWith('hook-2'));
    expect(got[0].json).toMatchObject({
      msg_type: 'text',
      content: { text: [BUILD_TITLE('p-feishu-bad'), BUILD_LINES.join('\n'), LINK].join('\n') },
    });
    expect(await h.only(c.id)).toMatchObject({
      status: 'failed',
      attempts: 1,
      lastError: 'code 19021: sign match fail or timestamp is not within one hour from current time',
    });
  });

  it('Slack: blocks plus the text fallback, user text escaped; a 429 waits for Retry-After, then succeeds', async () => {
    const c = await h.channel({ name: 'slack', type: 'slack', url: `${rx.url}/services/T01/B02/s3cr3tPathPart`, project: 'p-slack' });
    expect(c.url).toBe(`${rx.url}/services/T01/B02/s3***`);
    rx.force('slack', { status: 429, body: 'rate_limited', headers: { 'retry-after': '7' } });
    await h.publish({
      event: 'approval.requested',
      recipients: [],
      link: '/approvals/12',
      project: 'p-slack',
      environment: 'prod',
      vars: { id: 12, version: '1.4.2', description: 'fix <b>&co</b>', requester: 'alice', deadline: '2026-01-01T00:30:00Z' },
    });
    await h.drain();
    expect(await h.only(c.id)).toMatchObject({
      status: 'queued',
      attempts: 1,
      responseStatus: 429,
      nextAttemptAt: '2026-01-01T00:00:07.006Z',
      lastError: expect.stringContaining('HTTP 429: rate_limited'),
    });
    clock.advance(5 * SEC); // the usual backoff would be due now; Slack asked for 7 s
    expect(await h.drain()).toBe(0);
    clock.advance(2 * SEC);
    expect(await h.drain()).toBe(1);
    const got = rx.of('slack');
    expect(got).toHaveLength(2);
    const title = 'Approval requested: p-slack → prod (#12)';
    const link = '<https://gh.example.test/approvals/12|Open in Gatehouse>';
    expect(got[1].json).toEqual({
      text: `${title}\n${link}`,
      blocks: [
        {
          type: 'section',
          text: {
            type: 'mrkdwn',
            text: `*${title}*\nRequested by: alice\nVersion: 1.4.2\nDescription: fix &lt;b&gt;&amp;co&lt;/b&gt;\nDecide before: 2026-01-01T00:30:00Z\n${link}`,
          },
        },
      ],
    });
    expect(await h.only(c.id)).toMatchObject({ status: 'sent', attempts: 2, responseStatus: 200, responseExcerpt: 'ok', lastError: null });
  });

  it('Slack: a removed webhook (404 no_service) is permanent', async () => {
    const c = await h.channel({ name: 'slack-gone', type: 'slack', url: `${rx.url}/services/T01/B09/gone`, project: 'p-slack-gone' });
    rx.force('slack', { status: 404, body: 'no_service' });
    await h.publish(build('p-slack-gone'));
    await h.drain();
    expect(await h.only(c.id)).toMatchObject({ status: 'failed', attempts: 1, lastError: 'HTTP 404: no_service' });
  });

  it('plain webhook: JSON with X-Gatehouse-Event and an HMAC-SHA256 signature of the exact body', async () => {
    const secret = 'whsec-test-1';
    const c = await h.channel({
      name: 'hook',
      type: 'webhook',
      url: `${rx.url}/hook/main`,
      secret,
      project: 'p-hook',
      environment: 'prod',
    });
    await h.publish({
      ...build('p-hook'),
      event: 'build.failing',
      severity: 'info',
      vars: { job: 'deploy-api', branch: 'main', count: 3, url: 'https://ci.example/job/deploy-api/44/' },
    });
    await h.drain();
    const [got] = rx.of('webhook');
    expect(got.headers['x-gatehouse-event']).toBe('build.failing');
    expect(got.headers['x-gatehouse-delivery']).toBe(String((await h.only(c.id)).id));
    expect(got.headers['x-gatehouse-signature']).toBe(`sha256=${createHmac('sha256', secret).update(got.raw).digest('hex')}`);
    expect(got.json).toEqual({
      event: 'build.failing',
      severity: 'info',
      language: 'en',
      title: 'deploy-api failed 3 times in a row (p-hook)',
      text: 'Project: p-hook\nJob: deploy-api\nBranch: main\nLast build: https://ci.example/job/deploy-api/44/',
      link: LINK,
      project: 'p-hook',
      environment: 'prod',
      vars: {
        project: 'p-hook',
        environment: 'prod',
        job: 'deploy-api',
        branch: 'main',
        count: 3,
        url: 'https://ci.example/job/deploy-api/44/',
        event: 'build.failing',
        severity: 'info',
        link: LINK,
      },
      deliveryId: got.json.deliveryId,
      sentAt: '2026-01-01T00:00:00.006Z',
    });
    expect(await h.only(c.id)).toMatchObject({ status: 'sent', responseStatus: 204 });
  });

  it('plain webhook: a custom JSON template; a whole-string placeholder keeps the value’s type', async () => {
    const template = JSON.stringify({
      msg: '{{title}}',
      n: '{{count}}',
      label: 'run {{count}} of {{job}}',
      nested: [{ env: '{{environment}}' }],
      ok: true,
    });
    const c = await h.channel({
      name: 'hook-tpl',
      type: 'webhook',
      url: `${rx.url}/hook/tpl`,
      template,
      project: 'p-tpl',
      language: 'zh-CN',
    });
    await h.publish({ ...build('p-tpl'), event: 'build.failing', vars: { job: 'api', branch: 'main', count: 4 } });
    await h.drain();
    const got = rx.of('webhook').find((r) => r.path === '/hook/tpl')!;
    expect(got.json).toEqual({ msg: 'api 已连续失败 4 次(p-tpl)', n: 4, label: 'run 4 of api', nested: [{ env: 'prod' }], ok: true });
    expect(got.headers['x-gatehouse-signature']).toBeUndefined(); // no secret, no signature
    expect(await h.only(c.id)).toMatchObject({ status: 'sent' });
  });

  it('an endpoint that does not answer within notify.webhookTimeoutMs is retried', async () => {
    const c = await h.channel({ name: 'hook-slow', type: 'webhook', url: `${rx.url}/hook/slow`, project: 'p-slow' });
    rx.force('webhook', { status: 200, body: '', delayMs: 1500 });
    await h.publish(build('p-slow'));
    await h.drain();
    expect(await h.only(c.id)).toMatchObject({ status: 'queued', attempts: 1, lastError: 'no answer within 400 ms', responseStatus: null });
    clock.advance(5 * SEC);
    await h.drain();
    expect(await h.only(c.id)).toMatchObject({ status: 'sent', attempts: 2 });
  });
});
