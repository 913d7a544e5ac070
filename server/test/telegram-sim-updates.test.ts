/** getUpdates of reference §4.2: offsets, long polling, one poller, disconnects, allowed_updates. */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ALICE, api, expectError, ok, startSim, type TelegramSim } from './telegram-sim-helpers.js';

let sim: TelegramSim;
beforeEach(async () => {
  sim = await startSim();
});
afterEach(() => sim.close());

const say = (text: string) => sim.sendUserMessage({ from: ALICE, text });
const parked = () => sim.calls('getUpdates').filter((c) => c.status === null).length;

describe('telegram-sim getUpdates', () => {
  it('numbers updates sequentially, confirms by offset, and starts from the oldest for a low offset', async () => {
    const a = say('one');
    const b = say('two');
    expect(b.update_id).toBe(a.update_id + 1);
    expect((await ok(sim, 'getUpdates', { offset: 1 })).map((u: any) => u.message.text)).toEqual(['one', 'two']);
    expect((await ok(sim, 'getUpdates', { offset: 1, limit: 1 })).map((u: any) => u.update_id)).toEqual([a.update_id]);
    expect((await ok(sim, 'getUpdates', { offset: b.update_id })).map((u: any) => u.update_id)).toEqual([b.update_id]);
    expect(await ok(sim, 'getUpdates', { offset: b.update_id + 1 })).toEqual([]);
    // Once confirmed, a lower offset does not bring them back.
    expect(await ok(sim, 'getUpdates', { offset: 1 })).toEqual([]);
  });

  it('keeps only the newest N for offset -N and ignores an offset far beyond the newest id', async () => {
    const ids = ['a', 'b', 'c'].map((t) => say(t).update_id);
    expect((await ok(sim, 'getUpdates', { offset: ids[2] + 50 })).length).toBe(3);
    expect((await ok(sim, 'getUpdates', { offset: -1 })).map((u: any) => u.update_id)).toEqual([ids[2]]);
    expect(sim.pendingUpdates().map((u) => u.update_id)).toEqual([ids[2]]);
  });

  it('parks a long poll until an update arrives', async () => {
    const poll = api(sim, 'getUpdates', { offset: 1, timeout: 30 });
    await sim.waitFor(() => parked() === 1);
    const u = say('/approve 7');
    const r = await poll;
    expect(r.body.result).toEqual([u]);
    expect(r.body.result[0].message.entities).toEqual([{ type: 'bot_command', offset: 0, length: 8 }]);
  });

  it('answers [] when the timeout passes', async () => {
    const started = Date.now();
    expect(await ok(sim, 'getUpdates', { timeout: 1 })).toEqual([]);
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
  });

  it('ends the older poll with 409 when a newer one arrives', async () => {
    const older = api(sim, 'getUpdates', { timeout: 30 });
    await sim.waitFor(() => parked() === 1);
    const newer = api(sim, 'getUpdates', { timeout: 30 });
    expectError(await older, 409, 'Conflict: terminated by other getUpdates request; make sure that only one bot instance is running');
    const u = say('hi');
    expect((await newer).body.result).toEqual([u]);
  });

  it('drops a parked poll whose client went away, so the update waits for the next poll', async () => {
    const ctrl = new AbortController();
    const gone = fetch(`${sim.url}/bot${sim.token}/getUpdates`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ timeout: 30 }),
      signal: ctrl.signal,
    }).catch((e: Error) => e.name);
    await sim.waitFor(() => parked() === 1);
    ctrl.abort();
    expect(await gone).toBe('AbortError');
    await sim.waitFor(() => sim.calls('getUpdates')[0].status === 499);
    const u = say('after abort');
    expect(await ok(sim, 'getUpdates', { offset: 1 })).toEqual([u]);
  });

  it('applies allowed_updates when updates are queued; [] restores the default set', async () => {
    const sent = await ok(sim, 'sendMessage', {
      chat_id: ALICE.id,
      text: 'pick',
      reply_markup: { inline_keyboard: [[{ text: 'A', callback_data: 'a' }]] },
    });
    await ok(sim, 'getUpdates', { allowed_updates: ['callback_query'] });
    say('ignored message');
    const press = sim.pressButton({ from: ALICE, chatId: ALICE.id, messageId: sent.message_id, data: 'a' });
    expect((await ok(sim, 'getUpdates', {})).map((u: any) => u.update_id)).toEqual([press.update_id]);
    await ok(sim, 'getUpdates', { offset: press.update_id + 1, allowed_updates: [] });
    const kept = say('seen again');
    expect(await ok(sim, 'getUpdates', {})).toEqual([kept]);
  });

  it('carries group chats and replies in user messages', async () => {
    const sent = await ok(sim, 'sendMessage', { chat_id: -100200, text: 'question' });
    const u = sim.sendUserMessage({
      from: ALICE,
      chat: { id: -100200, type: 'group', title: 'Ops' },
      text: '/approve@gatehouse_bot 12 ok',
      replyToMessageId: sent.message_id,
    });
    expect(u.message).toMatchObject({
      chat: { id: -100200, type: 'group', title: 'Ops' },
      reply_to_message: { message_id: sent.message_id, text: 'question' },
      entities: [{ type: 'bot_command', offset: 0, length: 22 }],
    });
    expect(u.message!.message_id).toBe(sent.message_id + 1);
  });
});
