/**
 * The test-control surface (reference §8.5; emulator-specific, not Telegram): inject user messages
 * and button presses, read what the bot sent, edited and answered, arm faults, reset.
 */
import { createHash, randomBytes } from 'node:crypto';
import { clone, nowSec, type Sim } from './state.js';
import { commandsKey } from './methods-bot.js';
import { detectEntities } from './text.js';
import type {
  CallRecord,
  CallbackAnswer,
  Chat,
  ChatStatus,
  FaultSpec,
  Message,
  PressButtonInput,
  SendUserMessageInput,
  StoredMessage,
  Update,
  User,
} from './types.js';

function userOf(from: SendUserMessageInput['from']): User {
  const { id, first_name, ...rest } = from;
  return { id, is_bot: false, first_name: first_name ?? `User ${id}`, ...rest, ...(from.is_bot ? { is_bot: true } : {}) };
}

function chatOf(input: SendUserMessageInput, from: User): Chat {
  const c = input.chat;
  if (!c || (c.type ?? 'private') === 'private') {
    const chat: Chat = { id: c?.id ?? from.id, type: 'private', first_name: from.first_name };
    if (from.last_name) chat.last_name = from.last_name;
    if (from.username) chat.username = from.username;
    return chat;
  }
  const chat: Chat = { id: c.id, type: c.type ?? 'group', title: c.title ?? `Chat ${c.id}` };
  if (c.username) chat.username = c.username;
  return chat;
}

export function sendUserMessage(sim: Sim, input: SendUserMessageInput): Update {
  const from = userOf(input.from);
  const rec = sim.chats.ensure(chatOf(input, from));
  const m: Omit<Message, 'message_id' | 'chat'> = { from, date: nowSec() };
  if (input.replyToMessageId !== undefined) {
    const target = rec.messages.get(input.replyToMessageId);
    if (!target || target.deleted) throw new Error(`telegram-sim: no message ${input.replyToMessageId} in chat ${rec.chat.id}`);
    m.reply_to_message = clone(target.message);
    delete m.reply_to_message.reply_to_message;
  }
  m.text = input.text;
  const entities = detectEntities(input.text);
  if (entities.length) m.entities = entities;
  const message = sim.chats.add(rec, m, false).message;
  return clone(sim.updates.push({ message: clone(message) }));
}

/** A signed 64-bit decimal, the shape of Telegram's callback ids and chat_instance. */
const int64 = (bytes: Buffer) => bytes.readBigInt64BE(0).toString();

export function pressButton(sim: Sim, input: PressButtonInput): Update {
  const rec = sim.chats.map.get(input.chatId);
  const target = rec?.messages.get(input.messageId);
  if (!rec || !target || target.deleted) throw new Error(`telegram-sim: no message ${input.messageId} in chat ${input.chatId}`);
  const id = (randomBytes(8).readBigUInt64BE(0) >> 1n).toString();
  const query = {
    id,
    from: userOf(input.from),
    message: clone(target.message),
    chat_instance: int64(createHash('sha256').update(`${sim.token}/${input.chatId}`).digest()),
    data: input.data,
  };
  sim.callbacks.set(id, { query, at: Date.now(), answered: false });
  return clone(sim.updates.push({ callback_query: query }));
}

export function botMessages(sim: Sim, chatId?: number): StoredMessage[] {
  const out: (StoredMessage & { seq: number })[] = [];
  for (const rec of sim.chats.map.values()) {
    if (chatId !== undefined && rec.chat.id !== chatId) continue;
    for (const r of rec.messages.values()) {
      if (!r.byBot || r.deleted) continue;
      const m = r.message;
      const s: StoredMessage & { seq: number } = { seq: r.seq, message_id: m.message_id, chat_id: rec.chat.id, text: m.text ?? '' };
      if (m.reply_markup) s.reply_markup = clone(m.reply_markup);
      if (m.edit_date) s.edit_date = m.edit_date;
      if (m.entities) s.entities = clone(m.entities);
      if (r.parse_mode) s.parse_mode = r.parse_mode;
      out.push(s);
    }
  }
  return out.sort((a, b) => a.seq - b.seq).map(({ seq: _seq, ...s }) => s);
}

export function calls(sim: Sim, method?: string): CallRecord[] {
  const want = method?.toLowerCase();
  return sim.calls.filter((c) => !want || c.method.toLowerCase() === want).map((c) => clone(c));
}

export const callbackAnswers = (sim: Sim): CallbackAnswer[] => sim.answers.map((a) => clone(a));

export const fault = (sim: Sim, spec: FaultSpec): void => sim.faults.add(spec);

export const setChatStatus = (sim: Sim, chatId: number, status: ChatStatus): void => sim.chats.setStatus(chatId, status);

export const myCommands = (sim: Sim, scope?: unknown, languageCode?: string) =>
  clone(sim.commands.get(commandsKey(scope, languageCode)) ?? []);

/** Forgets chats, messages, calls, answers, commands, queued updates, webhook and faults; update ids keep counting. */
export function reset(sim: Sim): void {
  sim.updates.terminate([]);
  sim.chats.clear();
  sim.callbacks.clear();
  sim.answers.length = 0;
  sim.calls.length = 0;
  sim.commands.clear();
  sim.updates.clear();
  sim.updates.allowed = null;
  sim.webhook.set(null);
  sim.faults.clear();
}

export async function waitFor(predicate: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`telegram-sim: waitFor timed out after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
