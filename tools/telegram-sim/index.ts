/**
 * createTelegramSim: an in-memory Telegram Bot API server over real HTTP, faithful to
 * /work/shared/reference/telegram-bot-api.md (§8 checklist). Point grammY at it with
 * `new Bot(sim.token, { client: { apiRoot: sim.url } })`. See README.md.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomInt } from 'node:crypto';
import { Chats } from './chats.js';
import { Faults } from './faults.js';
import { Updates } from './updates.js';
import { Webhook } from './webhook.js';
import { paramsFromObject } from './params.js';
import { handle, invoke } from './server.js';
import { controlHandler } from './control-http.js';
import * as c from './control.js';
import type { Sim } from './state.js';
import type {
  CallRecord,
  CallbackAnswer,
  ChatStatus,
  FaultSpec,
  PressButtonInput,
  SendUserMessageInput,
  StoredMessage,
  TelegramSimOptions,
  Update,
} from './types.js';

export type * from './types.js';
export type { BotCommand } from './state.js';

export interface TelegramSim {
  /** 'http://127.0.0.1:PORT', no trailing slash: grammY's apiRoot. */
  url: string;
  port: number;
  token: string;
  botUsername: string;
  /** A user writes to the bot; chat defaults to the user's private chat; bot_command/mention entities as Telegram computes them. */
  sendUserMessage(input: SendUserMessageInput): Update;
  /** A user presses an inline button of a stored bot message: a callback_query with a fresh id. */
  pressButton(input: PressButtonInput): Update;
  /** What the bot sent (current state, edits applied, deleted ones left out), in send order. */
  botMessages(chatId?: number): StoredMessage[];
  /** Every Bot API call received (method names canonical, e.g. 'sendMessage'; filter is case-insensitive). */
  calls(method?: string): CallRecord[];
  callbackAnswers(): CallbackAnswer[];
  waitFor(predicate: () => boolean, timeoutMs?: number): Promise<void>;
  fault(spec: FaultSpec): void;
  /** Sends to this chat fail like Telegram's (blocked → 403 …, unknown → chat not found). */
  setChatStatus(chatId: number, status: ChatStatus): void;
  /** The command menu set with setMyCommands for this scope (default scope) and language. */
  myCommands(scope?: unknown, languageCode?: string): { command: string; description: string }[];
  /** Updates queued and not yet confirmed (or, in webhook mode, not yet delivered). */
  pendingUpdates(): Update[];
  reset(): void;
  close(): Promise<void>;
}

const DEFAULT_TOKEN = '123456:TEST-TOKEN';

function newSim(o: TelegramSimOptions, reply: (sim: Sim, payload: Record<string, unknown>) => Promise<void>): Sim {
  const token = o.token ?? DEFAULT_TOKEN;
  const updates = new Updates(o.firstUpdateId ?? randomInt(2_000_001, 1_000_000_000), o.antiBusyLoop ?? false);
  const sim = {
    token,
    bot: {
      id: Number(token.split(':')[0]) || 1,
      is_bot: true,
      first_name: o.botFirstName ?? 'Gatehouse',
      username: o.botUsername ?? 'gatehouse_bot',
    },
    callbackAnswerWindowMs: o.callbackAnswerWindowMs ?? 15_000,
    strictWebhookUrls: o.strictWebhookUrls ?? false,
    chats: new Chats(o.strictChats ?? false),
    callbacks: new Map(),
    answers: [],
    calls: [],
    commands: new Map(),
    updates,
    faults: new Faults(),
  } as unknown as Sim;
  sim.webhook = new Webhook(updates, o.webhookRetryMs ?? 100, (payload) => reply(sim, payload));
  return sim;
}

/** A webhook answer `{"method": …}` is executed like a call (its result is not sent anywhere). */
async function webhookReply(sim: Sim, payload: Record<string, unknown>): Promise<void> {
  const { method, ...rest } = payload;
  await invoke(sim, sim.token, String(method), paramsFromObject(rest), { onClose: () => {} });
}

export async function createTelegramSim(options: TelegramSimOptions = {}): Promise<TelegramSim> {
  const sim = newSim(options, webhookReply);
  let api: TelegramSim | null = null;
  const control = controlHandler(() => api as TelegramSim);
  const server = createServer((req, res) => {
    handle(sim, control, req, res).catch((e) => {
      if (!res.headersSent) res.writeHead(500, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify({ ok: false, error_code: 500, description: `Internal Server Error: ${(e as Error).message}` }));
    });
  });
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, host, resolve));
  const port = (server.address() as AddressInfo).port;
  api = {
    url: `http://${host === '0.0.0.0' ? '127.0.0.1' : host}:${port}`,
    port,
    token: sim.token,
    botUsername: sim.bot.username ?? '',
    sendUserMessage: (input) => c.sendUserMessage(sim, input),
    pressButton: (input) => c.pressButton(sim, input),
    botMessages: (chatId) => c.botMessages(sim, chatId),
    calls: (method) => c.calls(sim, method),
    callbackAnswers: () => c.callbackAnswers(sim),
    waitFor: (predicate, timeoutMs) => c.waitFor(predicate, timeoutMs),
    fault: (spec) => c.fault(sim, spec),
    setChatStatus: (chatId, status) => c.setChatStatus(sim, chatId, status),
    myCommands: (scope, lang) => c.myCommands(sim, scope, lang),
    pendingUpdates: () => structuredClone(sim.updates.pending),
    reset: () => c.reset(sim),
    close: () =>
      new Promise<void>((resolve) => {
        sim.updates.terminate([]);
        sim.webhook.close();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  return api;
}
