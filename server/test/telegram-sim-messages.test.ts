/**
 * sendMessage / editMessageText / editMessageReplyMarkup / deleteMessage (reference §4.4–§4.7):
 * returned Message objects, per-chat ids, and the exact §2 errors.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ALICE, api, expectError, ok, startSim, type TelegramSim } from './telegram-sim-helpers.js';

let sim: TelegramSim;
beforeAll(async () => {
  sim = await startSim();
});
afterAll(() => sim.close());

const send = (payload: Record<string, unknown>) => api(sim, 'sendMessage', { chat_id: ALICE.id, ...payload });
const kb = (...data: string[]) => ({ inline_keyboard: [data.map((d) => ({ text: d, callback_data: d }))] });

describe('telegram-sim sendMessage', () => {
  it('returns the full Message with the bot as sender and per-chat increasing ids', async () => {
    const a = await ok(sim, 'sendMessage', { chat_id: 4242, text: 'first' });
    const b = await ok(sim, 'sendMessage', { chat_id: 4242, text: 'second', reply_parameters: { message_id: a.message_id } });
    const other = await ok(sim, 'sendMessage', { chat_id: 4343, text: 'elsewhere' });
    expect(a).toMatchObject({
      message_id: 1,
      from: { id: 123456, is_bot: true, username: 'gatehouse_bot' },
      chat: { id: 4242, type: 'private' },
    });
    expect(a.date).toBeGreaterThan(1_700_000_000);
    expect(a).not.toHaveProperty('entities');
    expect(b).toMatchObject({ message_id: 2, reply_to_message: { message_id: 1, text: 'first' } });
    expect(other.message_id).toBe(1);
  });

  it('reports missing, unknown and blocked chats', async () => {
    expectError(await api(sim, 'sendMessage', { text: 'x' }), 400, 'Bad Request: chat_id is empty');
    expectError(await api(sim, 'sendMessage', { chat_id: 'abc', text: 'x' }), 400, 'Bad Request: chat not found');
    expectError(await api(sim, 'sendMessage', { chat_id: '@nobody', text: 'x' }), 400, 'Bad Request: chat not found');
    sim.setChatStatus(5000, 'blocked');
    expectError(await api(sim, 'sendMessage', { chat_id: 5000, text: 'x' }), 403, 'Forbidden: bot was blocked by the user');
    sim.setChatStatus(5001, 'never-started');
    expectError(await api(sim, 'sendMessage', { chat_id: 5001, text: 'x' }), 403, "Forbidden: bot can't initiate conversation with a user");
  });

  it('checks text presence and both length limits', async () => {
    expectError(await send({}), 400, 'Bad Request: message text is empty');
    expectError(await send({ text: '   ' }), 400, 'Bad Request: message text is empty');
    expectError(await send({ text: '<b></b>', parse_mode: 'HTML' }), 400, 'Bad Request: message text is empty');
    expect((await send({ text: '🚀'.repeat(4096) })).status).toBe(200);
    expectError(await send({ text: 'x'.repeat(4097) }), 400, 'Bad Request: message is too long');
    expectError(await send({ text: 'é'.repeat(16385) }), 400, 'Bad Request: text is too long');
    // Markup does not count towards the 4096 visible characters.
    expect((await send({ text: `<b>${'x'.repeat(4096)}</b>`, parse_mode: 'HTML' })).status).toBe(200);
  });

  it('parses HTML into entities and reports bad markup', async () => {
    const m = await ok(sim, 'sendMessage', {
      chat_id: ALICE.id,
      text: '<B>Deploy</B> 🚀 <a href="https://x.test/?a=1&amp;b=2">api</a> &lt;1.4&gt; <pre><code class="language-sh">ls</code></pre>',
      parse_mode: 'html',
    });
    expect(m.text).toBe('Deploy 🚀 api <1.4> ls');
    expect(m.entities).toEqual([
      { type: 'bold', offset: 0, length: 6 },
      { type: 'text_link', offset: 10, length: 3, url: 'https://x.test/?a=1&b=2' },
      { type: 'pre', offset: 20, length: 2, language: 'sh' },
    ]);
    const bad = "Bad Request: can't parse entities: ";
    expectError(await send({ text: '<div>x</div>', parse_mode: 'HTML' }), 400, `${bad}Unsupported start tag "div" at byte offset 0`);
    expectError(await send({ text: 'a <b>x', parse_mode: 'HTML' }), 400, `${bad}Can't find end tag corresponding to start tag "b"`);
    expectError(await send({ text: '1 < 2', parse_mode: 'HTML' }), 400, `${bad}Unsupported start tag "" at byte offset 2`);
    expectError(
      await send({ text: '<b>x</i>', parse_mode: 'HTML' }),
      400,
      `${bad}Unmatched end tag at byte offset 4, expected "</b>", found "</i>"`,
    );
  });

  it('parses MarkdownV2 and requires escaping of reserved characters', async () => {
    const m = await ok(sim, 'sendMessage', {
      chat_id: ALICE.id,
      text: '*v1\\.4\\.2* _done_ `a.b` [docs](https://x.test/a\\)b)\\!',
      parse_mode: 'MarkdownV2',
    });
    expect(m.text).toBe('v1.4.2 done a.b docs!');
    expect(m.entities).toEqual([
      { type: 'bold', offset: 0, length: 6 },
      { type: 'italic', offset: 7, length: 4 },
      { type: 'code', offset: 12, length: 3 },
      { type: 'text_link', offset: 16, length: 4, url: 'https://x.test/a)b' },
    ]);
    const bad = "Bad Request: can't parse entities: ";
    expectError(
      await send({ text: 'v1.4.2 done.', parse_mode: 'MarkdownV2' }),
      400,
      `${bad}Character '.' is reserved and must be escaped with the preceding '\\'`,
    );
    expectError(await send({ text: '*open', parse_mode: 'MarkdownV2' }), 400, `${bad}Can't find end of Bold entity at byte offset 0`);
    expectError(await send({ text: 'x', parse_mode: 'Textile' }), 400, 'Bad Request: unsupported parse_mode');
    expect((await ok(sim, 'sendMessage', { chat_id: ALICE.id, text: '*b* v1.2', parse_mode: 'Markdown' })).entities).toEqual([
      { type: 'bold', offset: 0, length: 1 },
    ]);
  });

  it('validates inline keyboards: callback_data bytes, text-only buttons, JSON', async () => {
    expect((await send({ text: 'x', reply_markup: kb('批准:部署-42'.padEnd(22, 'x')) })).status).toBe(200);
    expectError(await send({ text: 'x', reply_markup: kb('x'.repeat(65)) }), 400, 'Bad Request: BUTTON_DATA_INVALID');
    expectError(await send({ text: 'x', reply_markup: kb('部'.repeat(22)) }), 400, 'Bad Request: BUTTON_DATA_INVALID');
    expectError(
      await send({ text: 'x', reply_markup: { inline_keyboard: [[{ text: 'plain' }]] } }),
      400,
      "Bad Request: can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard",
    );
    expectError(
      await send({ text: 'x', reply_markup: { inline_keyboard: [[{ text: 'empty', callback_data: '' }]] } }),
      400,
      "Bad Request: can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard",
    );
    expectError(await send({ text: 'x', reply_markup: '{not json' }), 400, "Bad Request: can't parse reply keyboard markup JSON object");
    expectError(await send({ text: 'x', reply_parameters: { message_id: 9999 } }), 400, 'Bad Request: message to be replied not found');
    expect((await send({ text: 'x', reply_parameters: { message_id: 9999, allow_sending_without_reply: true } })).status).toBe(200);
  });
});

describe('telegram-sim edits and deletes', () => {
  it('edits text and markup, drops the keyboard when reply_markup is omitted, and reports not-modified', async () => {
    const notModified =
      'Bad Request: message is not modified: specified new message content and reply markup are exactly the same as a current content and reply markup of the message';
    const m = await ok(sim, 'sendMessage', { chat_id: 7, text: 'Deploy?', reply_markup: kb('ap:1', 'rj:1') });
    const edited = await ok(sim, 'editMessageText', { chat_id: 7, message_id: m.message_id, text: 'Deploy?', reply_markup: kb('ap:1') });
    expect(edited).toMatchObject({ message_id: m.message_id, text: 'Deploy?', reply_markup: kb('ap:1') });
    expect(edited.edit_date).toBeGreaterThan(0);
    expectError(
      await api(sim, 'editMessageText', { chat_id: 7, message_id: m.message_id, text: 'Deploy?', reply_markup: kb('ap:1') }),
      400,
      notModified,
    );
    const stripped = await ok(sim, 'editMessageReplyMarkup', { chat_id: 7, message_id: m.message_id });
    expect(stripped).not.toHaveProperty('reply_markup');
    expectError(await api(sim, 'editMessageReplyMarkup', { chat_id: 7, message_id: m.message_id }), 400, notModified);
    await ok(sim, 'editMessageText', { chat_id: 7, message_id: m.message_id, text: '<i>Approved</i>', parse_mode: 'HTML' });
    expect(sim.botMessages(7)).toEqual([
      {
        message_id: m.message_id,
        chat_id: 7,
        text: 'Approved',
        entities: [{ type: 'italic', offset: 0, length: 8 }],
        parse_mode: 'HTML',
        edit_date: expect.any(Number),
      },
    ]);
  });

  it('reports missing and foreign messages for edit and delete', async () => {
    const user = sim.sendUserMessage({ from: { id: 8, first_name: 'Eve' }, chat: { id: -42, type: 'group', title: 'G' }, text: 'hi' });
    const mine = await ok(sim, 'sendMessage', { chat_id: -42, text: 'bot says' });
    expectError(
      await api(sim, 'editMessageText', { chat_id: -42, message_id: 999, text: 'x' }),
      400,
      'Bad Request: message to edit not found',
    );
    expectError(
      await api(sim, 'editMessageText', { chat_id: -42, message_id: user.message!.message_id, text: 'x' }),
      400,
      "Bad Request: message can't be edited",
    );
    expectError(await api(sim, 'editMessageText', { chat_id: -42, text: 'x' }), 400, 'Bad Request: message identifier is not specified');
    expectError(
      await api(sim, 'deleteMessage', { chat_id: -42, message_id: user.message!.message_id }),
      400,
      "Bad Request: message can't be deleted",
    );
    expect(await ok(sim, 'deleteMessage', { chat_id: -42, message_id: mine.message_id })).toBe(true);
    expectError(
      await api(sim, 'deleteMessage', { chat_id: -42, message_id: mine.message_id }),
      400,
      'Bad Request: message to delete not found',
    );
    expectError(
      await api(sim, 'editMessageText', { chat_id: -42, message_id: mine.message_id, text: 'x' }),
      400,
      'Bad Request: message to edit not found',
    );
    expect(sim.botMessages(-42)).toEqual([]);
  });
});
