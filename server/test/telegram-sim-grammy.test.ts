/**
 * End to end: a real grammY Bot polls the emulator (bot.start), handles a command and a callback
 * query, edits its message with ctx.editMessageText, and stops cleanly.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { Bot, InlineKeyboard } from 'grammy';
import { ALICE, startSim, type TelegramSim } from './telegram-sim-helpers.js';

let sim: TelegramSim;
let bot: Bot | null = null;

afterEach(async () => {
  if (bot?.isRunning()) await bot.stop();
  bot = null;
  await sim?.close();
});

function approvalBot(s: TelegramSim): { bot: Bot; errors: unknown[] } {
  const b = new Bot(s.token, { client: { apiRoot: s.url } });
  const errors: unknown[] = [];
  b.catch((e) => void errors.push(e));
  b.command('approve', async (ctx) => {
    const keyboard = new InlineKeyboard().text('Approve', `ap:${ctx.match}`).text('Reject', `rj:${ctx.match}`);
    await ctx.reply(`<b>Deploy</b> ${ctx.match} &amp; migrations?`, { parse_mode: 'HTML', reply_markup: keyboard });
  });
  b.callbackQuery(/^ap:(.+)$/, async (ctx) => {
    await ctx.answerCallbackQuery({ text: 'Approved' });
    await ctx.editMessageText(`Approved by ${ctx.from.first_name}`);
  });
  return { bot: b, errors };
}

describe('grammY against telegram-sim', () => {
  it('runs command → keyboard → button press → answer → edit', async () => {
    sim = await startSim();
    const made = approvalBot(sim);
    bot = made.bot;
    let started = false;
    void bot.start({ onStart: () => void (started = true) });
    await sim.waitFor(() => started && sim.calls('getUpdates').length > 0);

    sim.sendUserMessage({ from: ALICE, text: '/approve api-1.4.2' });
    await sim.waitFor(() => sim.botMessages(ALICE.id).length === 1);
    const [sent] = sim.botMessages(ALICE.id);
    expect(sent.text).toBe('Deploy api-1.4.2 & migrations?');
    expect(sent.entities).toEqual([{ type: 'bold', offset: 0, length: 6 }]);
    expect(sent.parse_mode).toBe('HTML');
    expect(sent.reply_markup?.inline_keyboard[0].map((b) => b.callback_data)).toEqual(['ap:api-1.4.2', 'rj:api-1.4.2']);

    const press = sim.pressButton({ from: ALICE, chatId: ALICE.id, messageId: sent.message_id, data: 'ap:api-1.4.2' });
    await sim.waitFor(() => sim.botMessages(ALICE.id)[0].text.startsWith('Approved'));
    const edited = sim.botMessages(ALICE.id)[0];
    expect(edited).toMatchObject({ message_id: sent.message_id, text: 'Approved by Alice' });
    expect(edited.edit_date).toBeGreaterThan(0);
    expect(edited.reply_markup).toBeUndefined();
    expect(sim.callbackAnswers()).toEqual([{ callback_query_id: press.callback_query!.id, text: 'Approved' }]);
    expect(made.errors).toEqual([]);

    // The lifecycle of reference §7: getMe, deleteWebhook, then polls with offset last+1.
    const methods = sim.calls().map((c) => c.method);
    expect(methods.slice(0, 3).sort()).toEqual(['deleteWebhook', 'getMe', 'getUpdates']);
    const polls = sim.calls('getUpdates');
    expect(polls[0].payload).toMatchObject({ offset: 1, timeout: 30, allowed_updates: [] });
    await sim.waitFor(() => sim.calls('getUpdates').some((p) => p.payload.offset === press.update_id + 1));

    await bot.stop();
    expect(sim.pendingUpdates()).toEqual([]);
  });

  it('matches /command@username in groups (from getMe) and ignores commands for other bots', async () => {
    sim = await startSim({ botUsername: 'deploy_bot' });
    bot = new Bot(sim.token, { client: { apiRoot: sim.url } });
    const seen: string[] = [];
    bot.command('approve', (ctx) => {
      seen.push(ctx.match);
      return ctx.reply(`ok ${ctx.match}`, { reply_parameters: { message_id: ctx.msg.message_id } });
    });
    bot.catch(() => {});
    void bot.start();
    const group = { id: -100777, type: 'supergroup' as const, title: 'Release' };
    sim.sendUserMessage({ from: ALICE, chat: group, text: '/approve@other_bot 1' });
    const mine = sim.sendUserMessage({ from: ALICE, chat: group, text: '/approve@Deploy_Bot 2 ship it' });
    await sim.waitFor(() => sim.botMessages(group.id).length === 1);
    expect(seen).toEqual(['2 ship it']);
    expect(sim.calls('sendMessage')[0].payload).toMatchObject({
      chat_id: group.id,
      text: 'ok 2 ship it',
      reply_parameters: { message_id: mine.message!.message_id },
    });
    expect(sim.botMessages(group.id)[0].message_id).toBe(mine.message!.message_id + 1);
  });

  it('stops with 401 when the token is wrong, and a second poller ends the first with 409', async () => {
    sim = await startSim();
    const wrong = new Bot('123456:WRONG', { client: { apiRoot: sim.url } });
    await expect(wrong.start()).rejects.toMatchObject({ error_code: 401, description: 'Unauthorized' });

    bot = approvalBot(sim).bot;
    const first = bot.start().then(
      () => null,
      (e: unknown) => e,
    );
    await sim.waitFor(() => sim.calls('getUpdates').some((c) => c.status === null));
    const second = await fetch(`${sim.url}/bot${sim.token}/getUpdates`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ timeout: 0 }),
    });
    expect(second.status).toBe(200);
    expect(await first).toMatchObject({
      error_code: 409,
      description: 'Conflict: terminated by other getUpdates request; make sure that only one bot instance is running',
    });
  });
});
