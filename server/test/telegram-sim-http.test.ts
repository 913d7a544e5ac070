/**
 * Request conventions of reference §1/§8.1: routing, tokens, case-insensitive methods, every
 * parameter encoding, the envelope, getMe.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ALICE, api, expectError, ok, raw, startSim, type TelegramSim } from './telegram-sim-helpers.js';

let sim: TelegramSim;
beforeAll(async () => {
  sim = await startSim({ botUsername: 'deploy_bot' });
});
afterAll(() => sim.close());

describe('telegram-sim routing and tokens', () => {
  it('answers getMe with the username and the getMe-only flags, for any method case', async () => {
    for (const method of ['getMe', 'GETME', 'getme']) {
      const r = await api(sim, method);
      expect(r.status).toBe(200);
      expect(r.headers.get('content-type')).toBe('application/json');
      expect(r.body.result).toMatchObject({
        id: 123456,
        is_bot: true,
        username: 'deploy_bot',
        can_join_groups: true,
        supports_inline_queries: false,
      });
    }
  });

  it('rejects wrong and malformed tokens, unknown methods and foreign paths with the §2 strings', async () => {
    expectError(await api(sim, 'getMe', {}, '123456:OTHER'), 401, 'Unauthorized');
    expectError(await api(sim, 'getMe', {}, 'no-colon'), 401, 'Unauthorized: invalid token specified');
    expectError(await api(sim, 'getMe', {}, '0123:abc'), 401, 'Unauthorized: invalid token specified');
    expectError(await api(sim, 'sendMesage', { chat_id: 1, text: 'x' }), 404, 'Not Found: method not found');
    expectError(await raw(sim, '/api/getMe'), 404, 'Not Found');
    expect(sim.calls('sendMesage')).toHaveLength(1);
  });

  it('accepts GET with query parameters, urlencoded and multipart bodies, and JSON strings for objects', async () => {
    const keyboard = JSON.stringify({ inline_keyboard: [[{ text: 'OK', callback_data: 'ok' }]] });
    const viaGet = await raw(sim, `/bot${sim.token}/sendMessage?chat_id=${ALICE.id}&text=${encodeURIComponent('from GET')}`);
    expect(viaGet.body.result).toMatchObject({ text: 'from GET', chat: { id: ALICE.id, type: 'private' } });

    const form = new URLSearchParams({ chat_id: String(ALICE.id), text: 'from form', reply_markup: keyboard });
    const viaForm = await raw(sim, `/bot${sim.token}/sendMessage`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: form.toString(),
    });
    expect(viaForm.body.result.reply_markup).toEqual(JSON.parse(keyboard));

    const multipart = new FormData();
    multipart.append('chat_id', String(ALICE.id));
    multipart.append('text', 'from multipart');
    const viaMultipart = await raw(sim, `/bot${sim.token}/sendMessage`, { method: 'POST', body: multipart });
    expect(viaMultipart.body.result.text).toBe('from multipart');

    const viaJsonString = await ok(sim, 'sendMessage', { chat_id: String(ALICE.id), text: 'json string markup', reply_markup: keyboard });
    expect(viaJsonString.reply_markup).toEqual(JSON.parse(keyboard));

    // Query string and body are merged.
    const merged = await raw(sim, `/bot${sim.token}/sendMessage?chat_id=${ALICE.id}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ text: 'merged' }),
    });
    expect(merged.body.result.text).toBe('merged');
    expect(sim.botMessages(ALICE.id).map((m) => m.text)).toEqual([
      'from GET',
      'from form',
      'from multipart',
      'json string markup',
      'merged',
    ]);
  });

  it('treats a malformed JSON body as no parameters (the method then reports the missing one)', async () => {
    const r = await raw(sim, `/bot${sim.token}/sendMessage`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"chat_id":',
    });
    expectError(r, 400, 'Bad Request: chat_id is empty');
  });

  it('exposes the control surface over HTTP for the standalone server', async () => {
    const injected = await raw(sim, '/__control/sendUserMessage', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ from: { id: 77, first_name: 'Http' }, text: '/start' }),
    });
    expect(injected.body.result.message).toMatchObject({ text: '/start', entities: [{ type: 'bot_command', offset: 0, length: 6 }] });
    await ok(sim, 'sendMessage', { chat_id: 77, text: 'hello' });
    const listed = await raw(sim, '/__control/botMessages?chatId=77');
    expect(listed.body.result).toEqual([{ message_id: 2, chat_id: 77, text: 'hello' }]);
    const calls = await raw(sim, '/__control/calls?method=sendmessage');
    expect(calls.body.result.at(-1)).toMatchObject({ method: 'sendMessage', payload: { chat_id: 77, text: 'hello' }, status: 200 });
    const bad = await raw(sim, '/__control/pressButton', {
      method: 'POST',
      body: JSON.stringify({ from: { id: 77 }, chatId: 77, messageId: 99, data: 'x' }),
    });
    expect(bad.status).toBe(400);
    expect((await raw(sim, '/__control/nope')).status).toBe(404);
  });
});
