import { expect } from 'vitest';
import { ManualClock } from '../src/core/clock.js';
import type { TelegramBot } from '../src/modules/approvals/telegram/index.js';
import { createTelegramSim, type StoredMessage, type TelegramSim } from '../../tools/telegram-sim/index.js';
import { createApprovalsTestApp, type ApprovalsTestApp, type TestUser } from './approvals-helpers.js';

/** The group every approval message goes to (telegram.approvalChats). */
export const GROUP = -1001234567890;

export interface TelegramTestApp extends ApprovalsTestApp {
  sim: TelegramSim;
  bot: TelegramBot;
}

/**
 * Gatehouse pointed at an in-process Telegram emulator the way an operator would configure it
 * (token, apiRoot, one approval chat), with the bot polling. close() stops the bot first.
 */
export async function createTelegramTestApp(
  opts: { config?: Record<string, unknown>; clock?: ManualClock; start?: boolean } = {},
): Promise<TelegramTestApp> {
  const sim = await createTelegramSim({ port: 0 });
  const { telegram, ...rest } = (opts.config ?? {}) as { telegram?: object };
  const a = await createApprovalsTestApp({
    clock: opts.clock,
    config: { telegram: { token: sim.token, apiRoot: sim.url, approvalChats: [String(GROUP)], ...telegram }, ...rest },
  });
  a.service.registerSubjectHandler('test', { onDecided: async () => undefined });
  const bot = a.t.gh.modules.approvals.telegram;
  if (opts.start !== false) {
    await bot.start();
    await sim.waitFor(() => sim.calls('getUpdates').length > 0, 10_000);
  }
  return {
    ...a,
    sim,
    bot,
    async close() {
      await bot.stop();
      await a.close();
      await sim.close();
    },
  };
}

let tgSeq = 5000;

/** A Telegram account of a test user (id, @username) as the emulator's control API takes it. */
export function tgUser(u: { username: string }, opts: { languageCode?: string } = {}) {
  return {
    id: ++tgSeq,
    username: `${u.username}_tg`,
    first_name: u.username,
    ...(opts.languageCode ? { language_code: opts.languageCode } : {}),
  };
}
export type TgUser = ReturnType<typeof tgUser>;

/** Poll until `cond` holds, running due jobs in between (the job runner is not started in tests). */
export async function settle(a: ApprovalsTestApp, what: string, cond: () => boolean | Promise<boolean>, timeoutMs = 8000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    await a.t.gh.ctx.jobs.drain();
    if (await cond()) return;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** The bot's newest message in a chat, after `since` messages (what a person sees appear). */
export async function nextBotMessage(
  a: TelegramTestApp,
  chatId: number,
  since: number,
  what = `a bot message in ${chatId}`,
): Promise<StoredMessage> {
  await settle(a, what, () => a.sim.botMessages(chatId).length > since);
  return a.sim.botMessages(chatId)[since];
}

/** Link a test user's Telegram account with the profile page's code and /link in a private chat. */
export async function linkTelegram(a: TelegramTestApp, u: TestUser, tg: TgUser): Promise<void> {
  const res = await a.t.inject({ method: 'POST', url: '/api/me/telegram/link-code', token: u.token, payload: {} });
  expect(res.statusCode, res.body).toBe(201);
  const answer = await say(a, tg, `/link ${res.json().code}`);
  expect(answer.text).toContain(u.username);
  expect(answer.text).toMatch(/已关联|Linked/);
}

/** The message the bot posted about an approval in a chat (the one with its number). */
export function requestMessage(sim: TelegramSim, chatId: number, approvalId: number): StoredMessage | undefined {
  return sim.botMessages(chatId).find((m) => new RegExp(`(审批|approval) #${approvalId}\\b`, 'i').test(m.text));
}

/** The callback data of the button labelled `label` (同意发布 / 拒绝发布). */
export function button(m: StoredMessage, label: string): string {
  const b = m.reply_markup?.inline_keyboard.flat().find((x) => String(x.text).includes(label));
  expect(b, `button ${label} on message ${m.message_id}`).toBeTruthy();
  return String(b!.callback_data);
}

/**
 * Send a user's message and return the bot's answer to it: the message the bot sent to that chat
 * in reply to this one (approval messages may arrive in the same chat meanwhile).
 */
export async function say(
  a: TelegramTestApp,
  from: TgUser,
  text: string,
  chat?: { id: number; type: 'group' | 'supergroup' },
  replyTo?: number,
): Promise<StoredMessage> {
  const chatId = chat?.id ?? from.id;
  const sent = a.sim.sendUserMessage({ from, text, ...(chat ? { chat } : {}), ...(replyTo ? { replyToMessageId: replyTo } : {}) });
  const mine = sent.message!.message_id;
  const toChat = () => a.sim.calls('sendMessage').filter((c) => Number(c.payload.chat_id) === chatId && c.status === 200);
  const answers = (c: { payload: Record<string, unknown> }) => {
    const rp = c.payload.reply_parameters;
    const parsed = (typeof rp === 'string' ? JSON.parse(rp) : rp) as { message_id?: number } | undefined;
    return parsed?.message_id === mine;
  };
  await settle(a, `the answer to "${text}"`, () => toChat().some(answers));
  // Successful sends to a chat and its stored bot messages are in the same order.
  return a.sim.botMessages(chatId)[toChat().findIndex(answers)];
}
