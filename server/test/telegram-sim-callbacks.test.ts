/** Button presses and answerCallbackQuery (reference §4.6), setMyCommands (§4.8), reset. */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ALICE, BOB, api, expectError, ok, startSim, type TelegramSim } from './telegram-sim-helpers.js';

let sim: TelegramSim;
beforeEach(async () => {
  sim = await startSim({ callbackAnswerWindowMs: 1000 });
});
afterEach(() => sim.close());

const TOO_OLD = 'Bad Request: query is too old and response timeout expired or query ID is invalid';

async function askAlice() {
  return ok(sim, 'sendMessage', {
    chat_id: ALICE.id,
    text: 'Deploy?',
    reply_markup: { inline_keyboard: [[{ text: 'Approve', callback_data: 'ap:7' }]] },
  });
}

describe('telegram-sim callback queries', () => {
  it('delivers a press as a callback_query carrying the bot message, with a fresh numeric id', async () => {
    const m = await askAlice();
    const a = sim.pressButton({ from: BOB, chatId: ALICE.id, messageId: m.message_id, data: 'ap:7' });
    const b = sim.pressButton({ from: BOB, chatId: ALICE.id, messageId: m.message_id, data: 'ap:7' });
    const q = a.callback_query!;
    expect(q.id).toMatch(/^\d+$/);
    expect(b.callback_query!.id).not.toBe(q.id);
    expect(q.chat_instance).toMatch(/^-?\d+$/);
    expect(b.callback_query!.chat_instance).toBe(q.chat_instance);
    expect(q).toMatchObject({
      from: { id: BOB.id, is_bot: false },
      data: 'ap:7',
      message: { message_id: m.message_id, text: 'Deploy?', reply_markup: m.reply_markup },
    });
    const [update] = await ok(sim, 'getUpdates', {});
    expect(update).toEqual(a);
    expect(() => sim.pressButton({ from: BOB, chatId: ALICE.id, messageId: 999, data: 'x' })).toThrow(/no message 999/);
  });

  it('accepts one answer per query, then reports unknown, repeated and expired ones', async () => {
    const m = await askAlice();
    const q = sim.pressButton({ from: ALICE, chatId: ALICE.id, messageId: m.message_id, data: 'ap:7' }).callback_query!;
    expect(await ok(sim, 'answerCallbackQuery', { callback_query_id: q.id, text: 'Approved', show_alert: true })).toBe(true);
    expectError(await api(sim, 'answerCallbackQuery', { callback_query_id: q.id }), 400, TOO_OLD);
    expectError(await api(sim, 'answerCallbackQuery', { callback_query_id: '12345' }), 400, TOO_OLD);
    const late = sim.pressButton({ from: ALICE, chatId: ALICE.id, messageId: m.message_id, data: 'ap:7' }).callback_query!;
    await new Promise((r) => setTimeout(r, 1100));
    expectError(await api(sim, 'answerCallbackQuery', { callback_query_id: late.id }), 400, TOO_OLD);
    expect(sim.callbackAnswers()).toEqual([{ callback_query_id: q.id, text: 'Approved', show_alert: true }]);
  });
});

describe('telegram-sim commands and reset', () => {
  it('stores a command menu per scope and validates commands', async () => {
    await ok(sim, 'setMyCommands', { commands: [{ command: '/approve', description: 'Approve a deployment' }] });
    await ok(sim, 'setMyCommands', {
      commands: [{ command: 'start', description: '开始' }],
      scope: { type: 'all_private_chats' },
      language_code: 'zh',
    });
    expect(sim.myCommands()).toEqual([{ command: 'approve', description: 'Approve a deployment' }]);
    expect(sim.myCommands({ type: 'all_private_chats' }, 'zh')).toEqual([{ command: 'start', description: '开始' }]);
    expect(await ok(sim, 'getMyCommands', {})).toEqual([{ command: 'approve', description: 'Approve a deployment' }]);
    const set = (command: string, description = 'd') => api(sim, 'setMyCommands', { commands: [{ command, description }] });
    expectError(await set(''), 400, 'Bad Request: command must be non-empty');
    expectError(await set('x'.repeat(33)), 400, 'Bad Request: command length must not exceed 32');
    expectError(await set('ok', ''), 400, 'Bad Request: command description must be non-empty');
    expectError(await set('Bad-Name'), 400, 'Bad Request: BOT_COMMAND_INVALID');
  });

  it('reset forgets messages, calls, answers and queued updates but keeps counting update ids', async () => {
    const m = await askAlice();
    const before = sim.pressButton({ from: ALICE, chatId: ALICE.id, messageId: m.message_id, data: 'ap:7' });
    sim.reset();
    expect(sim.botMessages()).toEqual([]);
    expect(sim.calls()).toEqual([]);
    expect(sim.pendingUpdates()).toEqual([]);
    const after = sim.sendUserMessage({ from: ALICE, text: 'again' });
    expect(after.update_id).toBe(before.update_id + 1);
    expect(after.message!.message_id).toBe(1);
  });
});
