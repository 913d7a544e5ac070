/** The emulator's shared state, handed to every Bot API method and control function. */
import type { Chats } from './chats.js';
import type { Faults } from './faults.js';
import type { Updates } from './updates.js';
import type { Webhook } from './webhook.js';
import type { CallRecord, CallbackAnswer, CallbackQuery, User } from './types.js';
import type { Params } from './params.js';

export interface BotCommand {
  command: string;
  description: string;
}

export interface CallbackRecord {
  query: CallbackQuery;
  at: number;
  answered: boolean;
}

export interface Sim {
  token: string;
  bot: User;
  callbackAnswerWindowMs: number;
  strictWebhookUrls: boolean;
  chats: Chats;
  callbacks: Map<string, CallbackRecord>;
  answers: CallbackAnswer[];
  calls: CallRecord[];
  /** Keyed by JSON of scope + "|" + language_code. */
  commands: Map<string, BotCommand[]>;
  updates: Updates;
  webhook: Webhook;
  faults: Faults;
}

/** What a method answers: the result and, for webhook methods, a description. */
export interface Answer {
  result: unknown;
  description?: string;
}

/** Per-request hooks: `onClose` fires if the client goes away before the answer. */
export interface CallIo {
  onClose(cb: () => void): void;
}

/** A parked getUpdates whose client left: nothing is written back. */
export const NO_REPLY = Symbol('no reply');

export type Method = (sim: Sim, p: Params, io: CallIo) => Answer | typeof NO_REPLY | Promise<Answer | typeof NO_REPLY>;

export const ok = (result: unknown, description?: string): Answer => (description ? { result, description } : { result });
export const nowSec = (): number => Math.floor(Date.now() / 1000);
export const clone = <T>(v: T): T => structuredClone(v);
