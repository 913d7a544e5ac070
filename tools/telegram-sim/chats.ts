/**
 * Chats and their messages. message_id counts per chat and is shared by the user's and the bot's
 * messages, as in Telegram. By default an unknown numeric chat id is created on first use (a user
 * who already started the bot); `strictChats` makes it `chat not found` instead.
 */
import { E } from './errors.js';
import type { Chat, ChatStatus, Message } from './types.js';

export interface MessageRecord {
  message: Message;
  byBot: boolean;
  deleted: boolean;
  parse_mode?: string;
  /** Global send order, so a listing over all chats is chronological. */
  seq: number;
}

export interface ChatRecord {
  chat: Chat;
  status: ChatStatus;
  nextId: number;
  messages: Map<number, MessageRecord>;
}

const SUPERGROUP_BASE = -1_000_000_000_000;

export function defaultChat(id: number): Chat {
  if (id > 0) return { id, type: 'private', first_name: `User ${id}` };
  return { id, type: id < SUPERGROUP_BASE ? 'supergroup' : 'group', title: `Chat ${id}` };
}

export class Chats {
  readonly map = new Map<number, ChatRecord>();
  private seq = 0;

  constructor(private readonly strict: boolean) {}

  /** Creates or updates a chat the test talks about (control surface); never fails. */
  ensure(chat: Chat): ChatRecord {
    const rec = this.map.get(chat.id);
    if (rec) {
      rec.chat = { ...rec.chat, ...chat };
      if (rec.status === 'unknown' || rec.status === 'never-started') rec.status = 'ok';
      return rec;
    }
    const created: ChatRecord = { chat, status: 'ok', nextId: 1, messages: new Map() };
    this.map.set(chat.id, created);
    return created;
  }

  /** The chat a Bot API call names in `chat_id`, with Telegram's errors for missing/unknown ids. */
  resolve(raw: string | undefined): ChatRecord {
    if (raw === undefined || raw === '') throw E.chatIdEmpty();
    if (raw.startsWith('@')) {
      const name = raw.slice(1).toLowerCase();
      const rec = [...this.map.values()].find((r) => r.chat.username?.toLowerCase() === name);
      if (!rec) throw E.chatNotFound();
      return this.usable(rec);
    }
    const id = /^\s*-?\d+\s*$/.test(raw) ? Number(raw) : NaN;
    if (!Number.isSafeInteger(id) || id === 0) throw E.chatNotFound();
    const rec = this.map.get(id);
    if (rec) return this.usable(rec);
    if (this.strict) throw E.chatNotFound();
    return this.ensure(defaultChat(id));
  }

  private usable(rec: ChatRecord): ChatRecord {
    switch (rec.status) {
      case 'unknown':
        throw E.chatNotFound();
      case 'blocked':
        throw E.blocked();
      case 'never-started':
        throw E.cantInitiate();
      case 'deactivated':
        throw E.deactivated();
      case 'kicked':
        throw E.kicked(rec.chat.type);
      default:
        return rec;
    }
  }

  setStatus(chatId: number, status: ChatStatus): void {
    const rec = this.map.get(chatId) ?? this.ensure(defaultChat(chatId));
    rec.status = status;
  }

  add(rec: ChatRecord, message: Omit<Message, 'message_id' | 'chat'>, byBot: boolean, parseMode?: string): MessageRecord {
    // Telegram's field order (message_id, from, chat, date, …) keeps dumps readable.
    const { from, date, ...rest } = message;
    const ordered = { message_id: rec.nextId++, ...(from ? { from } : {}), chat: rec.chat, date, ...rest } as Message;
    const record: MessageRecord = { message: ordered, byBot, deleted: false, parse_mode: parseMode, seq: ++this.seq };
    rec.messages.set(ordered.message_id, record);
    return record;
  }

  clear(): void {
    this.map.clear();
  }
}
