import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeDb } from './test-app.js';
import { approve, detail, makePolicy, makeRequest, makeUser, MINUTE, type TestUser } from './approvals-helpers.js';
import {
  button,
  createTelegramTestApp,
  GROUP,
  linkTelegram,
  requestMessage,
  settle,
  tgUser,
  type TelegramTestApp,
  type TgUser,
} from './approvals-telegram-helpers.js';

describeDb('Telegram: decisions from elsewhere, reminders, levels and Telegram faults', () => {
  let a: TelegramTestApp;
  let alice: TestUser;
  let aliceTg: TgUser;
  let bob: TestUser;
  let bobTg: TgUser;
  let carol: TestUser;

  beforeAll(async () => {
    a = await createTelegramTestApp();
    alice = await makeUser(a);
    bob = await makeUser(a);
    carol = await makeUser(a); // approver without a Telegram link
    aliceTg = tgUser(alice);
    bobTg = tgUser(bob);
    await linkTelegram(a, alice, aliceTg);
    await linkTelegram(a, bob, bobTg);
    const reminder = { firstMinutes: 5, backoff: 2, max: 3 };
    await makePolicy(a, {
      levels: [{ approvers: { users: [alice.username, carol.username] }, mode: 'any' }],
      timeoutMinutes: 60,
      reminder,
    });
    await makePolicy(a, {
      environment: 'staging',
      levels: [{ approvers: { users: [alice.username] }, mode: 'any' }],
      timeoutMinutes: 60,
      reminder,
    });
    await makePolicy(a, {
      environment: 'two-step',
      levels: [
        { name: 'lead', approvers: { users: [alice.username] }, mode: 'any' },
        { name: 'ops', approvers: { users: [bob.username] }, mode: 'any' },
      ],
    });
  }, 60_000);
  afterAll(async () => {
    await a?.close();
  });

  const posted = (id: number, chats: number[]) =>
    settle(a, `the messages of #${id}`, () => chats.every((c) => !!requestMessage(a.sim, c, id)));

  it('edits the Telegram messages when the request is decided on the web', async () => {
    const r = await makeRequest(a);
    await posted(r.id, [GROUP, aliceTg.id]);
    expect(requestMessage(a.sim, bobTg.id, r.id)).toBeUndefined();
    const res = await approve(a, r.id, alice.token, { comment: 'from the browser' });
    expect(res.statusCode, res.body).toBe(200);
    await settle(a, 'the edits', () => [GROUP, aliceTg.id].every((c) => requestMessage(a.sim, c, r.id)?.edit_date !== undefined));
    for (const c of [GROUP, aliceTg.id]) {
      const m = requestMessage(a.sim, c, r.id)!;
      expect(m.reply_markup).toBeUndefined();
      expect(m.text).toContain(`✅ 已同意：${alice.username}`);
      expect(m.text).toContain('备注：from the browser');
    }
    const edits = a.sim.calls('editMessageText').length;
    // Another event about the same request (the follow-up) does not edit again.
    await a.bot.messages.editAll(r.id);
    expect(a.sim.calls('editMessageText').length).toBe(edits);
  });

  it('edits the messages when the requester withdraws the request', async () => {
    const r = await makeRequest(a, { requestedBy: bob.id });
    await posted(r.id, [GROUP, aliceTg.id]);
    const res = await a.t.inject({ method: 'POST', url: `/api/approvals/${r.id}/withdraw`, token: bob.token, payload: {} });
    expect(res.statusCode, res.body).toBe(200);
    await settle(a, 'the edits', () => [GROUP, aliceTg.id].every((c) => requestMessage(a.sim, c, r.id)?.edit_date !== undefined));
    expect(requestMessage(a.sim, GROUP, r.id)!.text).toContain(`↩️ 已撤回：${bob.username}`);
    expect(requestMessage(a.sim, aliceTg.id, r.id)!.reply_markup).toBeUndefined();
  });

  it('reminds in the chat, mentioning waiting linked approvers, urgent in production; then times out', async () => {
    const r = await makeRequest(a, { version: '3.1.0' });
    await posted(r.id, [GROUP]);
    const reminders = () => a.sim.botMessages(GROUP).filter((m) => m.text.includes(`审批 #${r.id}（`));
    a.clock.advance(5 * MINUTE);
    await settle(a, 'the first reminder', () => reminders().length === 1);
    const first = reminders()[0];
    expect(first.text).toContain('🚨 紧急提醒（第 1 次）');
    expect(first.text).toContain(`@${aliceTg.username}`);
    expect(first.text).toContain(carol.username);
    expect(first.text).toContain('剩余约 55 分钟');
    // Only the linked approver is mentioned; the unlinked one is named in plain text.
    expect(first.text).not.toContain(`@${carol.username}`);

    // Backing off: the second one comes 10 minutes later, not 5.
    a.clock.advance(5 * MINUTE);
    await settle(a, 'no early reminder', () => true);
    expect(reminders()).toHaveLength(1);
    a.clock.advance(5 * MINUTE);
    await settle(a, 'the second reminder', () => reminders().length === 2);
    expect(reminders()[1].text).toContain('第 2 次');

    a.clock.advance(60 * MINUTE);
    await settle(a, 'the timeout edit', () => requestMessage(a.sim, GROUP, r.id)?.edit_date !== undefined);
    expect((await detail(a, r.id)).status).toBe('timeout');
    expect(requestMessage(a.sim, GROUP, r.id)!.text).toContain('⌛ 已超时（自动拒绝）');
    expect(requestMessage(a.sim, GROUP, r.id)!.reply_markup).toBeUndefined();
    await settle(a, 'the reminders closed', () => reminders().every((m) => m.edit_date !== undefined));
    expect(reminders()[0].text).toContain('⌛ 已超时');
  });

  it('marks reminders outside production as ordinary', async () => {
    const r = await makeRequest(a, { environment: 'staging' });
    await posted(r.id, [GROUP]);
    a.clock.advance(5 * MINUTE);
    await settle(a, 'the reminder', () => a.sim.botMessages(GROUP).some((m) => m.text.includes(`审批 #${r.id}（`)));
    const m = a.sim.botMessages(GROUP).find((x) => x.text.includes(`审批 #${r.id}（`))!;
    expect(m.text).toContain('⏰ 审批提醒（第 1 次）');
    expect(m.text).not.toContain('紧急');
    await approve(a, r.id, alice.token);
  });

  it('sends the next level’s approver a message once the first level passes', async () => {
    const r = await makeRequest(a, { environment: 'two-step' });
    await posted(r.id, [GROUP, aliceTg.id]);
    expect(requestMessage(a.sim, GROUP, r.id)!.text).toContain('审批级别：1/2');
    expect(requestMessage(a.sim, bobTg.id, r.id)).toBeUndefined();
    const m = requestMessage(a.sim, aliceTg.id, r.id)!;
    const n = a.sim.callbackAnswers().length;
    a.sim.pressButton({ from: aliceTg, chatId: aliceTg.id, messageId: m.message_id, data: button(m, '同意发布') });
    await settle(a, 'the answer', () => a.sim.callbackAnswers().length > n);
    expect(a.sim.callbackAnswers().at(-1)!.text).toContain('等待其他审批人');
    await posted(r.id, [bobTg.id]);
    const forBob = requestMessage(a.sim, bobTg.id, r.id)!;
    expect(forBob.text).toContain('审批级别：2/2');
    // The chat's message moved on to level 2 and keeps its buttons.
    await settle(a, 'the group message at level 2', () => !!requestMessage(a.sim, GROUP, r.id)?.text.includes('审批级别：2/2'));
    expect(requestMessage(a.sim, GROUP, r.id)!.reply_markup).toBeDefined();
    a.sim.pressButton({ from: bobTg, chatId: bobTg.id, messageId: forBob.message_id, data: button(forBob, '同意发布') });
    await settle(a, 'every message edited', () =>
      [GROUP, aliceTg.id, bobTg.id].every((c) => requestMessage(a.sim, c, r.id)?.edit_date !== undefined),
    );
    expect((await detail(a, r.id)).status).toBe('approved');
  });

  it('retries through a rate limit and keeps going when a chat blocks the bot', async () => {
    a.sim.fault({ method: 'sendMessage', kind: '429', retryAfter: 1 });
    a.sim.setChatStatus(aliceTg.id, 'blocked');
    try {
      const r = await makeRequest(a);
      await posted(r.id, [GROUP]);
      const jobs = await a.t.gh.ctx.jobs.listJobs({ name: 'approvals.telegram.post' });
      const mine = jobs.find((j) => j.payload.id === r.id)!;
      expect(mine.state).toBe('succeeded');
      expect(a.sim.calls('sendMessage').some((c) => c.status === 429)).toBe(true);
      expect(a.sim.calls('sendMessage').some((c) => c.payload.chat_id === aliceTg.id && c.status === 403)).toBe(true);
    } finally {
      a.sim.setChatStatus(aliceTg.id, 'ok');
    }
  });

  it('retries a send that failed with a server error later, without sending twice', async () => {
    a.sim.fault({ method: 'sendMessage', kind: '500', times: 2 });
    const r = await makeRequest(a);
    await a.t.gh.ctx.jobs.drain();
    expect(requestMessage(a.sim, GROUP, r.id)).toBeUndefined();
    const job = (await a.t.gh.ctx.jobs.listJobs({ name: 'approvals.telegram.post' })).find((j) => j.payload.id === r.id)!;
    expect(job.state).toBe('queued');
    expect(job.lastError).toContain('500');
    a.clock.advance(10 * MINUTE);
    await posted(r.id, [GROUP, aliceTg.id]);
    expect(a.sim.botMessages(GROUP).filter((m) => m.text.includes(`发布审批 #${r.id}`))).toHaveLength(1);
  });
});
