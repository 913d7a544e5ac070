/** Rows as stored (migration 0011). Telegram ids are text: they reach 52 bits. */
export interface LinkRow {
  id: number;
  user_id: number;
  telegram_user_id: string;
  telegram_username: string | null;
  chat_id: string;
  linked_at: string;
}

export interface LinkCodeRow {
  id: number;
  user_id: number;
  code_hash: string;
  created_at: string;
  expires_at: string;
  used_at: string | null;
}

export type MessageKind = 'request' | 'reminder';

export interface MessageRow {
  id: number;
  approval_id: number;
  chat_id: string;
  message_id: number;
  kind: MessageKind;
  /** The reminder's number for kind 'reminder', 0 for the request message. */
  reminder: number;
  lang: string;
  created_at: string;
  /** The status the message shows once edited after the decision. */
  final_status: string | null;
  edited_at: string | null;
}

export type ButtonAction = 'approve' | 'reject';

export interface CallbackRow {
  id: number;
  token: string;
  approval_id: number;
  action: ButtonAction;
  created_at: string;
}

export interface PromptRow {
  id: number;
  chat_id: string;
  message_id: number;
  approval_id: number;
  telegram_user_id: string;
  created_at: string;
  expires_at: string;
  used_at: string | null;
}

export interface TelegramTables {
  approvals_telegram_links: LinkRow;
  approvals_telegram_link_codes: LinkCodeRow;
  approvals_telegram_messages: MessageRow;
  approvals_telegram_callbacks: CallbackRow;
  approvals_telegram_prompts: PromptRow;
}

export type Lang = 'zh-CN' | 'en';

export const asLang = (s: string | null | undefined): Lang | null =>
  !s ? null : s.toLowerCase().startsWith('zh') ? 'zh-CN' : s.toLowerCase().startsWith('en') ? 'en' : null;

/** What `GET /api/me/telegram` answers. */
export interface LinkStatus {
  linked: boolean;
  telegramUsername: string | null;
  linkedAt: string | null;
  /** Whether a bot token is configured at all. */
  enabled: boolean;
  botUsername: string | null;
}

/** The bot's state for /api/status. */
export interface TelegramHealth {
  name: 'telegram';
  ok: boolean;
  enabled: boolean;
  mode: 'polling' | 'webhook';
  /** standby: another instance holds the polling lease. */
  state: 'off' | 'starting' | 'running' | 'standby' | 'stopped' | 'error';
  botUsername: string | null;
  detail?: string;
}
