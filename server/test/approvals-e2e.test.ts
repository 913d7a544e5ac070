/**
 * Issue 5 "done means", end to end with every outside party emulated over real sockets: a pipeline
 * in the Jenkins emulator waits at an input → the stage endpoint creates the request → the Telegram
 * emulator shows the message with buttons → a linked approver presses 同意发布 → Gatehouse proceeds
 * the input and the build finishes → the result callback notifies by e-mail (a real SMTP server)
 * and a webhook channel (a local HTTP receiver). Also: rejecting with a reason aborts the input.
 */
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createTelegramSim, type TelegramSim } from '../../tools/telegram-sim/index.js';
import { describeDb } from './test-app.js';
import { until } from './jenkins-helpers.js';
import { startSmtpPeer, type SmtpPeer } from './notify-smtp-peer.js';
import {
  approval,
  createStageWorld,
  jenkinsPosts,
  MAIN,
  MAIN_JOB,
  PROJECT,
  settleFollowUp,
  startRun,
  waitingMainRun,
  waitUrl,
  type StageWorld,
} from './approvals-stage-helpers.js';
import { button, GROUP, requestMessage, tgUser, type TgUser } from './approvals-telegram-helpers.js';

interface Hook {
  url: string;
  received: Array<{ headers: IncomingHttpHeaders; json: Record<string, unknown> }>;
  close(): Promise<void>;
}

/** A plain webhook receiver: records every JSON POST and answers 200. */
async function startHook(): Promise<Hook> {
  const received: Hook['received'] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      received.push({ headers: req.headers, json: JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') });
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook/ops`,
    received,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

describeDb('approvals end to end: Jenkins → Gatehouse → Telegram → Jenkins → e-mail and webhook', () => {
  let w: StageWorld;
  let tg: TelegramSim;
  let smtp: SmtpPeer;
  let hook: Hook;
  let approverTg: TgUser;

  beforeAll(async () => {
    tg = await createTelegramSim({ port: 0 });
    smtp = await startSmtpPeer({ disabledCommands: ['STARTTLS'] });
    hook = await startHook();
    w = await createStageWorld({
      config: {
        publicUrl: 'https://gatehouse.example.test',
        telegram: { token: tg.token, apiRoot: tg.url, approvalChats: [String(GROUP)] },
        smtp: { host: '127.0.0.1', port: smtp.port, from: 'Gatehouse <gatehouse@example.test>' },
      },
    });
    const t = w.j.t;
    // The approver has an e-mail address and links Telegram from the profile page.
    const email = await t.inject({ method: 'PATCH', url: '/api/me', token: w.approver.token, payload: { email: 'approver@example.test' } });
    expect(email.statusCode, email.body).toBe(200);
    await t.gh.modules.approvals.telegram.start();
    await tg.waitFor(() => tg.calls('getUpdates').length > 0, 10_000);
    approverTg = tgUser(w.approver);
    const code = await t.inject({ method: 'POST', url: '/api/me/telegram/link-code', token: w.approver.token, payload: {} });
    expect(code.statusCode, code.body).toBe(201);
    tg.sendUserMessage({ from: approverTg, text: `/link ${code.json().code}` });
    await tg.waitFor(() => tg.botMessages(approverTg.id).some((m) => m.text.includes('已关联')), 10_000);
    // Ops' webhook channel hears build results.
    const channel = await t.inject({
      method: 'POST',
      url: '/api/notify/channels',
      token: w.j.admin,
      payload: { name: 'ops webhook', type: 'webhook', url: hook.url, events: ['build.result'] },
    });
    expect(channel.statusCode, channel.body).toBe(201);
  }, 60_000);

  afterAll(async () => {
    await w?.j.t.gh.modules.approvals.telegram.stop();
    await w?.close();
    await tg?.close();
    await smtp?.close();
    await hook?.close();
  });

  /** Run due jobs until `cond` holds (the job runner is not started in tests). */
  const settle = (what: string, cond: () => boolean | Promise<boolean>) =>
    until(what, async () => {
      await w.j.t.gh.ctx.jobs.drain();
      return cond();
    });

  const ask = (build: number) =>
    w.j.t.inject({
      method: 'GET',
      url: waitUrl({ project: PROJECT, env: 'prod', job: MAIN_JOB, build, inputId: 'Approve', version: '1.2', desc: '上线 1.2' }),
      token: w.pipeline.apiToken,
    });

  it('approves from a Telegram button, proceeds the input, and reports the result by e-mail and webhook', async () => {
    const n = await waitingMainRun(w.sim);
    const asked = await ask(n);
    expect(asked.statusCode, asked.body).toBe(201);
    const id = asked.json().approval_id as number;

    // The message with both buttons, in the approval chat and the approver's private chat.
    await settle('the Telegram messages', () => !!requestMessage(tg, GROUP, id) && !!requestMessage(tg, approverTg.id, id));
    const m = requestMessage(tg, GROUP, id)!;
    expect(m.text).toContain(`项目：${PROJECT}`);
    expect(m.text).toContain('环境：prod 🔴 生产环境');
    expect(m.text).toContain('版本：1.2');
    expect(m.text).toContain('说明：上线 1.2');
    expect(m.text).toContain(`构建：${MAIN_JOB} #${n}`);
    expect(m.reply_markup!.inline_keyboard.flat().map((b) => b.text)).toEqual(['同意发布', '拒绝发布']);
    expect(jenkinsPosts(w.sim, MAIN, n)).toEqual([]);

    tg.pressButton({ from: approverTg, chatId: GROUP, messageId: m.message_id, data: button(m, '同意发布') });
    await settle('the button answered', () => tg.callbackAnswers().some((x) => x.text === `✅ 已同意 #${id}`));

    // The follow-up proceeds the emulator's input and the build runs to its end.
    const done = await settleFollowUp(w, id);
    expect(done).toMatchObject({ status: 'approved', followUp: 'done', decidedBy: { username: w.approver.username } });
    expect(jenkinsPosts(w.sim, MAIN, n).some((p) => /^input\/approve\/proceed/i.test(p.path))).toBe(true);
    await until(`build #${n} finished`, async () => !w.sim.job(MAIN).builds.find((b) => b.number === n)!.building);
    expect(w.sim.job(MAIN).builds.find((b) => b.number === n)!.result).toBe('SUCCESS');
    await settle('the messages edited', () => [GROUP, approverTg.id].every((c) => requestMessage(tg, c, id)?.edit_date !== undefined));
    expect(requestMessage(tg, GROUP, id)!.text).toContain(`✅ 已同意：${w.approver.username}`);
    expect(requestMessage(tg, GROUP, id)!.reply_markup).toBeUndefined();

    // The pipeline's result callback notifies by e-mail and through the webhook channel.
    const mailsBefore = smtp.mails.length;
    const result = await w.j.t.inject({
      method: 'POST',
      url: '/api/build/result',
      token: w.pipeline.apiToken,
      payload: { project: PROJECT, env: 'prod', job: MAIN_JOB, build: n, result: 'SUCCESS', duration: 42, approval_id: id },
    });
    expect(result.statusCode, result.body).toBe(200);
    const resultMail = () => smtp.mails.slice(mailsBefore).find((x) => x.to.includes('approver@example.test'));
    await settle('the e-mail and the webhook', () => !!resultMail() && hook.received.length > 0);
    // The subject is RFC 2047-encoded; the body says what happened.
    expect(resultMail()!.text).toMatch(/SUCCESS|成功/);
    expect(resultMail()!.text).toContain('42s');
    expect(resultMail()!.text).toContain(`https://gatehouse.example.test/approvals/${id}`);
    const body = hook.received[0];
    expect(body.headers['x-gatehouse-event']).toBe('build.result');
    expect(body.json).toMatchObject({ event: 'build.result', project: PROJECT, environment: 'prod' });
    expect(JSON.stringify(body.json)).toContain(String(n));
  });

  it('rejects with the reason replied in Telegram and aborts the input', async () => {
    const n = await startRun(w.sim, MAIN);
    const asked = await ask(n);
    expect(asked.statusCode, asked.body).toBe(201);
    const id = asked.json().approval_id as number;
    await settle('the Telegram message', () => !!requestMessage(tg, approverTg.id, id));
    const m = requestMessage(tg, approverTg.id, id)!;
    const before = tg.botMessages(approverTg.id).length;
    tg.pressButton({ from: approverTg, chatId: approverTg.id, messageId: m.message_id, data: button(m, '拒绝发布') });
    await settle('the reason prompt', () => tg.botMessages(approverTg.id).length > before);
    const prompt = tg.botMessages(approverTg.id)[before];
    expect(prompt.text).toContain('请回复此消息');
    tg.sendUserMessage({ from: approverTg, text: '监控告警未恢复', replyToMessageId: prompt.message_id });

    await settle('the rejection', async () => (await approval(w, id)).status === 'rejected');
    const done = await settleFollowUp(w, id);
    expect(done).toMatchObject({ status: 'rejected', reason: '监控告警未恢复', followUp: 'done' });
    expect(jenkinsPosts(w.sim, MAIN, n).some((p) => /^input\/approve\/abort/i.test(p.path))).toBe(true);
    await until(`build #${n} aborted`, async () => !w.sim.job(MAIN).builds.find((b) => b.number === n)!.building);
    expect(w.sim.job(MAIN).builds.find((b) => b.number === n)!.result).toBe('ABORTED');
    await settle('the messages edited', () => requestMessage(tg, GROUP, id)?.edit_date !== undefined);
    expect(requestMessage(tg, GROUP, id)!.text).toContain('原因：监控告警未恢复');
  });
});
