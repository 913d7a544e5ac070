import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeDb } from './test-app.js';
import { detail, makePolicy, makeRequest, makeUser, type TestUser } from './approvals-helpers.js';
import {
  button,
  createTelegramTestApp,
  GROUP,
  linkTelegram,
  nextBotMessage,
  requestMessage,
  say,
  settle,
  tgUser,
  type TelegramTestApp,
  type TgUser,
} from './approvals-telegram-helpers.js';

describeDb('Telegram: approval messages and buttons', () => {
  let a: TelegramTestApp;
  let alice: TestUser;
  let aliceTg: TgUser;
  let bob: TestUser;
  let bobTg: TgUser;
  let requester: TestUser;

  beforeAll(async () => {
    a = await createTelegramTestApp({ config: { publicUrl: 'https://gatehouse.example.test' } });
    alice = await makeUser(a);
    bob = await makeUser(a);
    requester = await makeUser(a);
    aliceTg = tgUser(alice);
    bobTg = tgUser(bob);
    await linkTelegram(a, alice, aliceTg);
    await linkTelegram(a, bob, bobTg);
    // alice and bob approve P/prod (any one of them); bob is linked but no approver of P/staging.
    await makePolicy(a, { levels: [{ approvers: { users: [alice.username, bob.username] }, mode: 'any' }] });
    await makePolicy(a, { environment: 'staging', levels: [{ approvers: { users: [alice.username] }, mode: 'any' }] });
  }, 60_000);
  afterAll(async () => {
    await a?.close();
  });

  const status = async (id: number) => (await detail(a, id)).status as string;

  it('posts each request to the approval chat and to linked approvers, with two short opaque buttons', async () => {
    const r = await makeRequest(a, { version: '1.4.2', description: '修复登录 <bug> & 优化', requestedBy: requester.id });
    await settle(a, 'the approval messages', () => !!requestMessage(a.sim, GROUP, r.id) && !!requestMessage(a.sim, bobTg.id, r.id));
    for (const chat of [GROUP, aliceTg.id, bobTg.id]) {
      const m = requestMessage(a.sim, chat, r.id)!;
      expect(m, `message in ${chat}`).toBeTruthy();
      expect(m.parse_mode).toBe('HTML');
      expect(m.text).toContain('项目：P');
      expect(m.text).toContain('环境：prod 🔴 生产环境');
      expect(m.text).toContain('版本：1.4.2');
      expect(m.text).toContain('说明：修复登录 <bug> & 优化');
      expect(m.text).toContain(`申请人：${requester.username}`);
      expect(m.text).toContain('截止时间：');
      expect(m.text).toContain(`https://gatehouse.example.test/approvals/${r.id}`);
      const labels = m.reply_markup!.inline_keyboard.flat().map((b) => b.text);
      expect(labels).toEqual(['同意发布', '拒绝发布']);
      for (const label of labels) {
        const data = button(m, String(label));
        expect(Buffer.byteLength(data)).toBeLessThanOrEqual(64);
        // Opaque: the payload is a stored token that maps to the request and the action.
        expect(data).toMatch(/^[ar][A-Za-z0-9_-]{16}$/);
        const row = await a.t.gh.ctx.db.selectFrom('approvals_telegram_callbacks').selectAll().where('token', '=', data).executeTakeFirst();
        expect(row).toMatchObject({ approval_id: r.id, action: label === '同意发布' ? 'approve' : 'reject' });
      }
    }
    // The requester is no approver and gets no private message; a second run sends nothing twice.
    expect(a.sim.botMessages(GROUP).filter((m) => m.text.includes(`发布审批 #${r.id}`))).toHaveLength(1);
    await a.bot.messages.post(r.id);
    expect(a.sim.botMessages(aliceTg.id).filter((m) => m.text.includes(`发布审批 #${r.id}`))).toHaveLength(1);
  });

  it('approves on 同意发布 by a linked approver, answers the button and edits every message', async () => {
    const r = await makeRequest(a, { version: '2.0.0', requestedBy: requester.id });
    await settle(a, 'the messages', () => !!requestMessage(a.sim, bobTg.id, r.id) && !!requestMessage(a.sim, GROUP, r.id));
    const m = requestMessage(a.sim, GROUP, r.id)!;
    const answers = a.sim.callbackAnswers().length;
    a.sim.pressButton({ from: aliceTg, chatId: GROUP, messageId: m.message_id, data: button(m, '同意发布') });
    await settle(a, 'the answer', () => a.sim.callbackAnswers().length > answers);
    expect(a.sim.callbackAnswers().at(-1)).toMatchObject({ text: `✅ 已同意 #${r.id}` });
    expect(await status(r.id)).toBe('approved');
    const d = await detail(a, r.id);
    expect(d.levels[0].approvers.find((p: { id: number }) => p.id === alice.id)).toMatchObject({ decision: 'approve', via: 'telegram' });

    await settle(a, 'every message edited', () =>
      [GROUP, aliceTg.id, bobTg.id].every((c) => requestMessage(a.sim, c, r.id)?.edit_date !== undefined),
    );
    for (const chat of [GROUP, aliceTg.id, bobTg.id]) {
      const edited = requestMessage(a.sim, chat, r.id)!;
      expect(edited.reply_markup).toBeUndefined();
      expect(edited.text).toContain(`✅ 已同意：${alice.username}`);
      expect(edited.text).toContain('版本：2.0.0');
    }

    // A late press of the old button (bob) changes nothing and says who decided.
    const late = a.sim.callbackAnswers().length;
    a.sim.pressButton({
      from: bobTg,
      chatId: bobTg.id,
      messageId: requestMessage(a.sim, bobTg.id, r.id)!.message_id,
      data: button(m, '拒绝发布'),
    });
    await settle(a, 'the late answer', () => a.sim.callbackAnswers().length > late);
    expect(a.sim.callbackAnswers().at(-1)).toMatchObject({ show_alert: true, text: `已由 ${alice.username} 处理，无需重复操作。` });
    expect(await status(r.id)).toBe('approved');
  });

  it('rejects after 拒绝发布 with the reason given in reply to a force_reply prompt', async () => {
    const r = await makeRequest(a, { requestedBy: requester.id });
    await settle(a, 'the message', () => !!requestMessage(a.sim, GROUP, r.id));
    const m = requestMessage(a.sim, GROUP, r.id)!;
    const sent = a.sim.botMessages(GROUP).length;
    a.sim.pressButton({ from: bobTg, chatId: GROUP, messageId: m.message_id, data: button(m, '拒绝发布') });
    const prompt = await nextBotMessage(a, GROUP, sent, 'the reason prompt');
    expect(prompt.text).toContain(`@${bobTg.username} 请回复此消息，填写拒绝审批 #${r.id} 的原因。`);
    const call = a.sim.calls('sendMessage').find((c) => String(c.payload.text).includes(`拒绝审批 #${r.id}`))!;
    expect(JSON.parse(JSON.stringify(call.payload.reply_markup))).toMatchObject({ force_reply: true, selective: true });
    expect(a.sim.callbackAnswers().at(-1)!.text).toContain('拒绝原因');
    expect(await status(r.id)).toBe('pending');

    // Someone else answering the prompt does nothing.
    const other = await sayReply(a, aliceTg, prompt.message_id, 'not mine');
    expect(other.text).toContain('这条提示不是发给您的');
    expect(await status(r.id)).toBe('pending');

    const done = await sayReply(a, bobTg, prompt.message_id, '数据库迁移未评审');
    expect(done.text).toContain(`❌ 已拒绝 #${r.id}`);
    const d = await detail(a, r.id);
    expect(d).toMatchObject({ status: 'rejected', reason: '数据库迁移未评审', decidedBy: { username: bob.username } });
    await settle(a, 'the edit', () => requestMessage(a.sim, GROUP, r.id)?.edit_date !== undefined);
    expect(requestMessage(a.sim, GROUP, r.id)!.text).toContain(`❌ 已拒绝：${bob.username}`);
    expect(requestMessage(a.sim, GROUP, r.id)!.text).toContain('原因：数据库迁移未评审');

    // The prompt is used up.
    const again = await sayReply(a, bobTg, prompt.message_id, 'again');
    expect(again.text).toContain('此提示已失效');
  });

  it('changes nothing for an unlinked user or a linked non-approver, and says why', async () => {
    const r = await makeRequest(a, { environment: 'staging', requestedBy: requester.id });
    await settle(a, 'the message', () => !!requestMessage(a.sim, GROUP, r.id));
    const m = requestMessage(a.sim, GROUP, r.id)!;
    expect(m.text).toContain('🟢 非生产');
    const press = async (from: TgUser, label: string) => {
      const n = a.sim.callbackAnswers().length;
      a.sim.pressButton({ from, chatId: GROUP, messageId: m.message_id, data: button(m, label) });
      await settle(a, 'an answer', () => a.sim.callbackAnswers().length > n);
      return a.sim.callbackAnswers().at(-1)!;
    };
    const stranger = tgUser({ username: 'stranger' });
    expect(await press(stranger, '同意发布')).toMatchObject({ show_alert: true, text: expect.stringContaining('尚未关联') });
    expect(await press(stranger, '拒绝发布')).toMatchObject({ show_alert: true, text: expect.stringContaining('尚未关联') });
    expect(await press(bobTg, '同意发布')).toMatchObject({ show_alert: true, text: '您不是此审批当前级别的审批人，无法操作。' });
    const prompts = a.sim.botMessages(GROUP).length;
    expect(await press(bobTg, '拒绝发布')).toMatchObject({ show_alert: true, text: '您不是此审批当前级别的审批人，无法操作。' });
    expect(a.sim.botMessages(GROUP).length).toBe(prompts);
    // A forged payload finds no button.
    const n = a.sim.callbackAnswers().length;
    a.sim.pressButton({ from: aliceTg, chatId: GROUP, messageId: m.message_id, data: `a${'x'.repeat(16)}` });
    await settle(a, 'an answer', () => a.sim.callbackAnswers().length > n);
    expect(a.sim.callbackAnswers().at(-1)).toMatchObject({ show_alert: true, text: '此按钮已失效。' });

    const d = await detail(a, r.id);
    expect(d.status).toBe('pending');
    expect(d.levels[0].approvers.every((p: { decision: unknown }) => p.decision === null)).toBe(true);
    expect(requestMessage(a.sim, GROUP, r.id)!.reply_markup).toBeDefined();
  });

  it('cuts a very long description so Telegram takes the message', async () => {
    const r = await makeRequest(a, { description: '变更说明 "quoted" '.repeat(400) });
    await settle(a, 'the message', () => !!requestMessage(a.sim, GROUP, r.id));
    const m = requestMessage(a.sim, GROUP, r.id)!;
    expect(m.text.length).toBeLessThan(4096);
    expect(m.text).toContain('变更说明 "quoted"');
    expect(m.text).toContain('…');
  });

  it('refuses the requester approving their own request', async () => {
    const r = await makeRequest(a, { requestedBy: alice.id });
    await settle(a, 'the message', () => !!requestMessage(a.sim, aliceTg.id, r.id));
    const m = requestMessage(a.sim, aliceTg.id, r.id)!;
    const n = a.sim.callbackAnswers().length;
    a.sim.pressButton({ from: aliceTg, chatId: aliceTg.id, messageId: m.message_id, data: button(m, '同意发布') });
    await settle(a, 'an answer', () => a.sim.callbackAnswers().length > n);
    expect(a.sim.callbackAnswers().at(-1)).toMatchObject({ show_alert: true, text: '不能同意自己提交的审批。' });
    expect(await status(r.id)).toBe('pending');
  });
});

/** A user's reply to one of the bot's messages in the group, and the bot's answer. */
function sayReply(a: TelegramTestApp, from: TgUser, toMessageId: number, text: string) {
  return say(a, from, text, { id: GROUP, type: 'supergroup' }, toMessageId);
}
