import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeDb } from './test-app.js';
import { detail, makePolicy, makeRequest, makeUser, type TestUser } from './approvals-helpers.js';
import {
  createTelegramTestApp,
  GROUP,
  linkTelegram,
  say,
  tgUser,
  type TelegramTestApp,
  type TgUser,
} from './approvals-telegram-helpers.js';

describeDb('Telegram: commands', () => {
  let a: TelegramTestApp;
  let alice: TestUser;
  let aliceTg: TgUser;
  let bob: TestUser;
  let bobTg: TgUser;
  let admin: TestUser;
  let adminTg: TgUser;

  beforeAll(async () => {
    a = await createTelegramTestApp();
    alice = await makeUser(a);
    bob = await makeUser(a);
    aliceTg = tgUser(alice);
    bobTg = tgUser(bob);
    await linkTelegram(a, alice, aliceTg);
    await linkTelegram(a, bob, bobTg);
    const me = await a.t.inject({ method: 'GET', url: '/api/me', token: a.admin });
    admin = { id: me.json().id, username: 'admin', token: a.admin };
    adminTg = tgUser(admin);
    await linkTelegram(a, admin, adminTg);
    // P/prod: alice alone. P/dev: alice and bob must both approve.
    await makePolicy(a, { levels: [{ approvers: { users: [alice.username] }, mode: 'any' }] });
    await makePolicy(a, { environment: 'dev', levels: [{ approvers: { users: [alice.username, bob.username] }, mode: 'all' }] });
  }, 60_000);
  afterAll(async () => {
    await a?.close();
  });

  it('/approve <id> [comment] approves as the linked user', async () => {
    const r = await makeRequest(a);
    expect((await say(a, aliceTg, '/approve')).text).toContain('用法：/approve <审批ID> [备注]');
    const ok = await say(a, aliceTg, `/approve #${r.id} 看过了，可以发`);
    expect(ok.text).toBe(`✅ 已同意 #${r.id}`);
    expect(await detail(a, r.id)).toMatchObject({ status: 'approved', comment: '看过了，可以发', decidedBy: { username: alice.username } });
    const twice = await say(a, aliceTg, `/approve ${r.id}`);
    expect(twice.text).toContain(`已由 ${alice.username} 处理`);
  });

  it('/reject <id> <reason> needs the reason and rejects', async () => {
    const r = await makeRequest(a);
    expect((await say(a, aliceTg, `/reject ${r.id}`)).text).toContain('拒绝必须填写原因');
    expect((await detail(a, r.id)).status).toBe('pending');
    const ok = await say(a, aliceTg, `/reject ${r.id} 版本号不对`, { id: GROUP, type: 'supergroup' });
    expect(ok.text).toBe(`❌ 已拒绝 #${r.id}`);
    expect(await detail(a, r.id)).toMatchObject({ status: 'rejected', reason: '版本号不对' });
  });

  it('lets an approver change their vote while the request is still open', async () => {
    const r = await makeRequest(a, { environment: 'dev' });
    expect((await say(a, aliceTg, `/approve ${r.id}`)).text).toContain('等待其他审批人');
    expect((await detail(a, r.id)).status).toBe('pending');
    expect((await say(a, aliceTg, `/reject ${r.id} 发现问题`)).text).toBe(`❌ 已拒绝 #${r.id}`);
    const d = await detail(a, r.id);
    expect(d.status).toBe('rejected');
    expect(d.history.map((h: { action: string }) => h.action)).toContain('changed');
  });

  it('changes nothing for an unlinked account or a linked non-approver', async () => {
    const r = await makeRequest(a);
    const stranger = tgUser({ username: 'stranger' });
    for (const text of [`/approve ${r.id}`, `/reject ${r.id} no`, '/status', `/status ${r.id}`, '/jenkins']) {
      expect((await say(a, stranger, text)).text).toContain('尚未关联 Gatehouse 用户');
    }
    expect((await say(a, bobTg, `/approve ${r.id}`)).text).toBe('您不是此审批当前级别的审批人，无法操作。');
    expect((await say(a, bobTg, `/reject ${r.id} 不行`)).text).toBe('您不是此审批当前级别的审批人，无法操作。');
    expect((await say(a, bobTg, '/approve 999999')).text).toBe('审批不存在，或您无权查看。');
    const d = await detail(a, r.id);
    expect(d.status).toBe('pending');
    expect(d.history.map((h: { action: string }) => h.action)).toEqual(['requested']);
  });

  it('/status: counts for a viewer, what waits for me for everyone; /status <id> only when visible', async () => {
    const r = await makeRequest(a, { version: '9.9.9' });
    const counts = (await a.t.inject({ method: 'GET', url: '/api/status', token: a.admin })).json();
    const all = await say(a, adminTg, '/status');
    expect(all.text).toContain(`总数：${counts.total}`);
    expect(all.text).toContain(`待处理：${counts.pending}`);
    expect(all.text).toContain(`已同意：${counts.approved}`);
    expect(all.text).toContain(`已拒绝：${counts.rejected}`);

    const mine = await say(a, aliceTg, '/status');
    expect(mine.text).not.toContain('总数');
    expect(mine.text).toContain(`等待您处理`);
    expect(mine.text).toContain(`#${r.id}`);
    expect((await say(a, bobTg, '/status')).text).toContain('目前没有等待您处理的审批');

    const one = await say(a, aliceTg, `/status ${r.id}`);
    expect(one.text).toContain(`发布审批 #${r.id}`);
    expect(one.text).toContain('版本：9.9.9');
    expect(one.text).toContain('⏳ 待审批');
    expect(one.text).toContain(alice.username);
    expect((await say(a, bobTg, `/status ${r.id}`)).text).toBe('审批不存在，或您无权查看。');
    expect((await say(a, adminTg, `/status ${r.id}`)).text).toContain(`发布审批 #${r.id}`);
    expect((await say(a, aliceTg, '/status abc')).text).toContain('用法：/status');
  });

  it('/jenkins needs jenkins.view and lists the servers', async () => {
    expect((await say(a, aliceTg, '/jenkins')).text).toBe('您没有查看此信息的权限。');
    expect((await say(a, adminTg, '/jenkins')).text).toBe('未配置 Jenkins 服务器。');
  });

  it('answers in the linked user’s language and points at /help for anything else', async () => {
    const patch = await a.t.inject({ method: 'PATCH', url: '/api/me', token: bob.token, payload: { locale: 'en' } });
    expect(patch.statusCode, patch.body).toBe(200);
    const help = await say(a, bobTg, '/help');
    expect(help.text).toContain('Gatehouse approval bot');
    expect(help.text).toContain('/reject <id> <reason>');
    expect((await say(a, bobTg, '/approve 999999')).text).toBe('No such approval, or you may not see it.');
    expect((await say(a, bobTg, 'hello')).text).toBe('Send /help for the commands.');
    expect((await say(a, aliceTg, '/frobnicate')).text).toContain('未知命令');
    // Commands addressed to the bot by name work in groups.
    const named = await say(a, aliceTg, `/help@${a.sim.botUsername}`, { id: GROUP, type: 'supergroup' });
    expect(named.text).toContain('Gatehouse 审批机器人');
  });
});
