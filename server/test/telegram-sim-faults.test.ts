/** Injected faults (reference §8.5): 429 with Retry-After, 403, 500, 409, slow; matching and counting. */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Bot } from 'grammy';
import { autoRetry } from '@grammyjs/auto-retry';
import { ALICE, api, expectError, ok, startSim, type TelegramSim } from './telegram-sim-helpers.js';

let sim: TelegramSim;
beforeEach(async () => {
  sim = await startSim();
});
afterEach(() => sim.close());

const send = () => api(sim, 'sendMessage', { chat_id: ALICE.id, text: 'hi' });

describe('telegram-sim faults', () => {
  it('answers 429 with retry_after and the Retry-After header, then recovers', async () => {
    sim.fault({ method: 'sendMessage', kind: '429', retryAfter: 7 });
    const r = await send();
    expectError(r, 429, 'Too Many Requests: retry after 7');
    expect(r.body.parameters).toEqual({ retry_after: 7 });
    expect(r.headers.get('retry-after')).toBe('7');
    expect((await send()).status).toBe(200);
    expect(sim.calls('sendMessage').map((c) => c.status)).toEqual([429, 200]);
    expect(sim.botMessages(ALICE.id)).toHaveLength(1);
  });

  it('matches the method, counts `times`, and leaves getUpdates alone when no method is given', async () => {
    sim.fault({ kind: '403', times: 2 });
    expect(await ok(sim, 'getUpdates')).toEqual([]);
    expectError(await send(), 403, 'Forbidden: bot was blocked by the user');
    expectError(await api(sim, 'getMe'), 403, 'Forbidden: bot was blocked by the user');
    expect((await send()).status).toBe(200);
    sim.fault({ method: 'editMessageText', kind: '500' });
    expect((await send()).status).toBe(200);
    expectError(
      await api(sim, 'editMessageText', { chat_id: ALICE.id, message_id: 1, text: 'x' }),
      500,
      'Internal Server Error: emulated fault',
    );
    sim.fault({ method: 'getUpdates', kind: '409' });
    expectError(
      await api(sim, 'getUpdates'),
      409,
      'Conflict: terminated by other getUpdates request; make sure that only one bot instance is running',
    );
  });

  it('delays a slow call and then handles it normally', async () => {
    sim.fault({ method: 'sendMessage', kind: 'slow', delayMs: 300 });
    const started = Date.now();
    expect((await send()).status).toBe(200);
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);
  });

  it('lets grammY auto-retry honour retry_after', async () => {
    const bot = new Bot(sim.token, { client: { apiRoot: sim.url } });
    bot.api.config.use(autoRetry());
    sim.fault({ method: 'sendMessage', kind: '429', retryAfter: 1 });
    const started = Date.now();
    const m = await bot.api.sendMessage(ALICE.id, 'after flood wait');
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
    expect(m.text).toBe('after flood wait');
    expect(sim.calls('sendMessage').map((c) => c.status)).toEqual([429, 200]);
  });
});
