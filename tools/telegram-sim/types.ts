/**
 * Bot API object shapes the emulator produces (reference §5) and the emulator's own options and
 * record types. Absent optional fields are omitted, never null, as Telegram does.
 */
export interface User {
  id: number;
  is_bot: boolean;
  first_name: string;
  last_name?: string;
  username?: string;
  language_code?: string;
}

export type ChatType = 'private' | 'group' | 'supergroup' | 'channel';

export interface Chat {
  id: number;
  type: ChatType;
  title?: string;
  username?: string;
  first_name?: string;
  last_name?: string;
}

export interface MessageEntity {
  type: string;
  offset: number;
  length: number;
  url?: string;
  language?: string;
  custom_emoji_id?: string;
}

export interface InlineKeyboardMarkup {
  inline_keyboard: Record<string, unknown>[][];
}

export interface Message {
  message_id: number;
  from?: User;
  date: number;
  chat: Chat;
  edit_date?: number;
  reply_to_message?: Message;
  text?: string;
  entities?: MessageEntity[];
  reply_markup?: InlineKeyboardMarkup;
}

export interface CallbackQuery {
  id: string;
  from: User;
  message: Message;
  chat_instance: string;
  data: string;
}

export interface Update {
  update_id: number;
  message?: Message;
  callback_query?: CallbackQuery;
  [type: string]: unknown;
}

/** What the bot sent, in its current state (edits applied); see `sim.botMessages()`. */
export interface StoredMessage {
  message_id: number;
  chat_id: number;
  text: string;
  reply_markup?: InlineKeyboardMarkup;
  edit_date?: number;
  entities?: MessageEntity[];
  parse_mode?: string;
}

export interface CallRecord {
  method: string;
  payload: Record<string, unknown>;
  at: number;
  /** error_code of the answer (200 on success); null while a long poll is parked; 499 if its client left. */
  status: number | null;
}

export interface CallbackAnswer {
  callback_query_id: string;
  text?: string;
  show_alert?: boolean;
  url?: string;
  cache_time?: number;
}

export type FaultKind = '429' | '403' | '500' | '409' | 'slow';

export interface FaultSpec {
  /** Bot API method (case-insensitive). Without it the fault hits the next call of any method except getUpdates. */
  method?: string;
  kind: FaultKind;
  /** 429 only: seconds in retry_after and Retry-After (default 1). */
  retryAfter?: number;
  /** 'slow' only: delay before the call is handled normally (default 1000 ms). */
  delayMs?: number;
  /** How many matching calls fail (default 1). */
  times?: number;
}

export interface SendUserMessageInput {
  from: Partial<User> & { id: number };
  chat?: Partial<Chat> & { id: number };
  text: string;
  replyToMessageId?: number;
}

export interface PressButtonInput {
  from: Partial<User> & { id: number };
  chatId: number;
  messageId: number;
  data: string;
}

/** How a chat treats the bot; anything but 'ok' makes sends fail as Telegram would (§2). */
export type ChatStatus = 'ok' | 'unknown' | 'blocked' | 'never-started' | 'deactivated' | 'kicked';

export interface TelegramSimOptions {
  /** The one token the emulator accepts (default '123456:TEST-TOKEN'); the bot id is the part before ':'. */
  token?: string;
  botUsername?: string;
  botFirstName?: string;
  port?: number;
  host?: string;
  /** Window in which answerCallbackQuery is accepted after the press (default 15000 ms). */
  callbackAnswerWindowMs?: number;
  /** Unknown numeric chat ids answer `chat not found` instead of being created on first use (default false). */
  strictChats?: boolean;
  /** Enforce HTTPS and ports 443/80/88/8443 in setWebhook (default false: tests use http://127.0.0.1). */
  strictWebhookUrls?: boolean;
  /** Telegram's anti-busy-loop rule for repeated getUpdates offsets (§4.2; default false, it slows tests). */
  antiBusyLoop?: boolean;
  /** First update_id (default: random in 2,000,001..1,000,000,000 like TQueue). */
  firstUpdateId?: number;
  /** First webhook retry delay, doubled up to 5 s (default 100 ms). */
  webhookRetryMs?: number;
}
