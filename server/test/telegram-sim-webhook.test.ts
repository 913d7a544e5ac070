/** setWebhook / deleteWebhook / getWebhookInfo and webhook delivery (reference §4.3). */
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ALICE, api, expectError, ok, startSim, type TelegramSim } from './telegram-sim-helpers.js';

let sim: TelegramSim;
let receiver: Server;
let received: { headers: IncomingHttpHeaders; body: any }[];
let answerStatus: number;
let answerBody: string;
let hookUrl: string;

beforeEach(async () => {
  sim = await startSim({ webhookRetryMs: 20 });
  received = [];
  answerStatus = 200;
  answerBody = '';
  receiver = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      received.push({ headers: req.headers, body: JSON.parse(Buffer.concat(chunks).toString('utf8')) });
      res.writeHead(answerStatus, { 'content-type': 'application/json' });
      res.end(answerBody);
    });
  });
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
  hookUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/tg`;
});
afterEach(async () => {
  await sim.close();
  await new Promise((r) => receiver.close(r));
});

describe('telegram-sim webhooks', () => {
  it('reports polling mode, then sets the webhook with descriptions and secret validation', async () => {
    expect(await ok(sim, 'getWebhookInfo')).toEqual({ url: '', has_custom_certificate: false, pending_update_count: 0 });
    expect((await api(sim, 'deleteWebhook')).body).toEqual({ ok: true, result: true, description: 'Webhook is already deleted' });
    expectError(
      await api(sim, 'setWebhook', { url: hookUrl, secret_token: 'bad token!' }),
      400,
      'Bad Request: secret token contains unallowed characters',
    );
    expectError(
      await api(sim, 'setWebhook', { url: hookUrl, secret_token: 'x'.repeat(257) }),
      400,
      'Bad Request: secret token is too long',
    );
    expectError(
      await api(sim, 'setWebhook', { url: 'ftp://x.test/' }),
      400,
      'Bad Request: bad webhook: An HTTPS URL must be provided for webhook',
    );
    expect((await api(sim, 'setWebhook', { url: hookUrl, secret_token: 's3cr_t-1' })).body.description).toBe('Webhook was set');
    expect((await api(sim, 'setWebhook', { url: hookUrl, secret_token: 's3cr_t-1' })).body.description).toBe('Webhook is already set');
    expect(await ok(sim, 'getWebhookInfo')).toMatchObject({ url: hookUrl, pending_update_count: 0, max_connections: 40 });
    expectError(
      await api(sim, 'getUpdates'),
      409,
      "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first",
    );
    expect((await api(sim, 'deleteWebhook')).body.description).toBe('Webhook was deleted');
    expect(await ok(sim, 'getUpdates')).toEqual([]);
  });

  it('POSTs updates in order with the secret header instead of queueing them', async () => {
    await ok(sim, 'setWebhook', { url: hookUrl, secret_token: 'topsecret' });
    const a = sim.sendUserMessage({ from: ALICE, text: '/start' });
    const b = sim.sendUserMessage({ from: ALICE, text: 'second' });
    await sim.waitFor(() => received.length === 2);
    expect(received.map((r) => r.body)).toEqual([a, b]);
    expect(received[0].headers['x-telegram-bot-api-secret-token']).toBe('topsecret');
    expect(received[0].headers['content-type']).toBe('application/json');
    // Delivered updates leave the queue once the receiver's 2xx is back.
    await sim.waitFor(() => sim.pendingUpdates().length === 0);
  });

  it('retries a failing webhook and shows the error in getWebhookInfo', async () => {
    answerStatus = 500;
    await ok(sim, 'setWebhook', { url: hookUrl });
    const u = sim.sendUserMessage({ from: ALICE, text: 'retry me' });
    await sim.waitFor(() => received.length >= 2);
    const info = await ok(sim, 'getWebhookInfo');
    expect(info).toMatchObject({
      pending_update_count: 1,
      last_error_message: 'Wrong response from the webhook: 500 Internal Server Error',
    });
    expect(info.last_error_date).toBeGreaterThan(0);
    answerStatus = 200;
    await sim.waitFor(() => sim.pendingUpdates().length === 0);
    expect(received.every((r) => r.body.update_id === u.update_id)).toBe(true);
  });

  it('executes a webhook reply carrying a method', async () => {
    answerBody = JSON.stringify({ method: 'sendMessage', chat_id: ALICE.id, text: 'replied in webhook' });
    await ok(sim, 'setWebhook', { url: hookUrl });
    sim.sendUserMessage({ from: ALICE, text: '/ping' });
    await sim.waitFor(() => sim.botMessages(ALICE.id).length === 1);
    expect(sim.botMessages(ALICE.id)[0].text).toBe('replied in webhook');
  });

  it('ends a parked long poll when the webhook is set', async () => {
    const poll = api(sim, 'getUpdates', { timeout: 30 });
    await sim.waitFor(() => sim.calls('getUpdates').some((c) => c.status === null));
    await ok(sim, 'setWebhook', { url: hookUrl, drop_pending_updates: true });
    expectError(await poll, 409, 'Conflict: terminated by setWebhook request');
  });
});
