import { afterAll, beforeAll, expect, it } from 'vitest';
import { createTelegramSim, type TelegramSim } from '../../tools/telegram-sim/index.js';
import { ManualClock } from '../src/core/clock.js';
import { notifyHelpers } from './notify-helpers.js';
import { createTestApp, describeDb, type TestApp } from './test-app.js';
import { TEST_DIALECT } from './test-db.js';

const CHAT = -1001234567890;
const SEC = 1000;

/** Telegram channels: sendMessage through telegram.apiRoot with telegram.token, against the Bot API emulator. */
describeDb(`Telegram channel (${TEST_DIALECT})`, () => {
  let t: TestApp;
  let sim: TelegramSim;
  let clock: ManualClock;
  let admin: string;
  let channelId: number;
  const h = notifyHelpers(
    () => t,
    () => admin,
  );
  const reminded = (id: number) =>
    h.publish({
      event: 'approval.reminded',
      recipients: [],
      severity: 'urgent',
      link: `/approvals/${id}`,
      project: 'payments',
      environment: 'prod',
      vars: {
        id,
        version: '3.1.0',
        description: 'db <migration> & restart',
        requester: 'dora',
        remainingMinutes: 12,
        reminder: 2,
        deadline: '2031-07-01T09:30:00Z',
      },
    });
  const sends = () => sim.calls('sendMessage').filter((c) => c.payload.chat_id === CHAT);

  beforeAll(async () => {
    clock = new ManualClock('2031-07-01T09:00:00Z');
    sim = await createTelegramSim();
    t = await createTestApp({
      clock,
      config: {
        publicUrl: 'https://gh.example.test',
        telegram: { token: sim.token, apiRoot: sim.url },
        notify: { attempts: 4, language: 'en' },
      },
    });
    admin = await t.adminToken();
    channelId = (await h.channel({ name: 'tg-ops', type: 'telegram', config: { chatId: String(CHAT) }, project: 'payments' })).id;
  });
  afterAll(async () => {
    await t?.close();
    await sim?.close();
  });

  it('sends an HTML message to the channel’s chat: title in bold, text escaped, a link to Gatehouse', async () => {
    await reminded(21);
    expect(await h.drain()).toBe(1);
    const [call] = sends();
    const title = '[URGENT] Reminder 2: approval #21 for payments → prod is waiting for you';
    expect(call.payload).toEqual({
      chat_id: CHAT,
      text:
        `<b>${title}</b>\n` +
        'Requested by: dora\nVersion: 3.1.0\nDescription: db &lt;migration&gt; &amp; restart\nTime left: 12 min (until 2031-07-01T09:30:00Z)\n' +
        '<a href="https://gh.example.test/approvals/21">Open in Gatehouse</a>',
      parse_mode: 'HTML',
      link_preview_options: { is_disabled: true },
    });
    expect(call.status).toBe(200);
    // What members of the chat read: the markup parsed by the emulator as Telegram would.
    const [shown] = sim.botMessages(CHAT);
    expect(shown.text).toBe(
      `${title}\nRequested by: dora\nVersion: 3.1.0\nDescription: db <migration> & restart\nTime left: 12 min (until 2031-07-01T09:30:00Z)\nOpen in Gatehouse`,
    );
    expect(shown.entities?.map((e) => e.type)).toEqual(['bold', 'text_link']);
    const d = await h.only(channelId);
    expect(d).toMatchObject({ status: 'sent', attempts: 1, channel: 'telegram', responseStatus: 200, recipient: 'tg-ops' });
    expect(d.responseExcerpt).toMatch(/^\{"ok":true,"result":\{"message_id":\d+/);
    expect(JSON.stringify(d)).not.toContain(sim.token); // the token is in the URL only, never in the log
  });

  it('waits exactly retry_after on 429 (flood control), then delivers', async () => {
    sim.fault({ method: 'sendMessage', kind: '429', retryAfter: 9 });
    await reminded(22);
    await h.drain();
    const [d] = await h.deliveries({ channelId });
    expect(d).toMatchObject({
      status: 'queued',
      attempts: 1,
      responseStatus: 429,
      nextAttemptAt: new Date(clock.now().getTime() + 9 * SEC).toISOString(),
      lastError: expect.stringContaining('429: Too Many Requests: retry after 9'),
    });
    clock.advance(8 * SEC);
    expect(await h.drain()).toBe(0);
    clock.advance(1 * SEC);
    expect(await h.drain()).toBe(1);
    expect((await h.deliveries({ channelId }))[0]).toMatchObject({ id: d.id, status: 'sent', attempts: 2, lastError: null });
    expect(
      sends()
        .filter((c) => String(c.payload.text).includes('#22'))
        .map((c) => c.status),
    ).toEqual([429, 200]);
  });

  it('retries a 500 with backoff, and gives up at once when the bot was blocked (403)', async () => {
    sim.fault({ method: 'sendMessage', kind: '500' });
    await reminded(23);
    await h.drain();
    expect((await h.deliveries({ channelId }))[0]).toMatchObject({ status: 'queued', attempts: 1, responseStatus: 500 });
    clock.advance(5 * SEC);
    await h.drain();
    expect((await h.deliveries({ channelId }))[0]).toMatchObject({ status: 'sent', attempts: 2 });

    sim.fault({ method: 'sendMessage', kind: '403' });
    await reminded(24);
    await h.drain();
    expect((await h.deliveries({ channelId }))[0]).toMatchObject({
      status: 'failed',
      attempts: 1,
      responseStatus: 403,
      lastError: '403: Forbidden: bot was blocked by the user',
    });
    clock.advance(3600 * SEC);
    expect(await h.drain()).toBe(0);
  });

  it('a test message from the API arrives in the chat', async () => {
    const r = await t.inject({ method: 'POST', url: `/api/notify/channels/${channelId}/test`, token: admin });
    expect(r.statusCode, r.body).toBe(202);
    await h.drain();
    expect(sim.botMessages(CHAT).at(-1)!.text).toBe(
      `Gatehouse test message\nChannel "tg-ops" works. Sent by admin at ${clock.now().toISOString()}.`,
    );
    expect((await h.deliveries({ channelId }))[0]).toMatchObject({ id: r.json().deliveryId, status: 'sent', event: 'test' });
  });
});
