/**
 * reply_markup validation (reference §4.4, §2): inline buttons need text and exactly one action;
 * callback_data is 1–64 bytes (an empty one counts as absent). Other keyboards are accepted but,
 * as on Telegram, only an inline keyboard is attached to the returned Message.
 */
import { E } from './errors.js';
import type { InlineKeyboardMarkup } from './types.js';

const ACTIONS = [
  'callback_data',
  'url',
  'web_app',
  'login_url',
  'switch_inline_query',
  'switch_inline_query_current_chat',
  'switch_inline_query_chosen_chat',
  'copy_text',
  'callback_game',
  'pay',
];

export function parseMarkup(raw: string | undefined): InlineKeyboardMarkup | undefined {
  if (raw === undefined || raw === '') return undefined;
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    throw E.markupJson();
  }
  if (!value || typeof value !== 'object' || Array.isArray(value)) throw E.markupJson();
  const rows = (value as { inline_keyboard?: unknown }).inline_keyboard;
  if (rows === undefined) return undefined;
  if (!Array.isArray(rows)) throw E.bad('field "inline_keyboard" of the InlineKeyboardMarkup must be an Array');
  const keyboard = rows.map((row: unknown) => {
    if (!Array.isArray(row)) throw E.bad('field "inline_keyboard" of the InlineKeyboardMarkup must be an Array of Arrays');
    return row.map(checkButton);
  });
  const nonEmpty = keyboard.filter((row) => row.length > 0);
  return nonEmpty.length ? { inline_keyboard: nonEmpty } : undefined;
}

function checkButton(button: unknown): Record<string, unknown> {
  if (!button || typeof button !== 'object') throw E.bad("can't parse inline keyboard button: InlineKeyboardButton must be an Object");
  const b = { ...(button as Record<string, unknown>) };
  if (typeof b.text !== 'string') throw E.bad(`can't parse inline keyboard button: Field "text" must be of type String`);
  if (b.callback_data === '') delete b.callback_data;
  if (b.callback_data !== undefined) {
    if (typeof b.callback_data !== 'string')
      throw E.bad(`can't parse inline keyboard button: Field "callback_data" must be of type String`);
    if (Buffer.byteLength(b.callback_data, 'utf8') > 64) throw E.buttonDataInvalid();
  }
  if (!ACTIONS.some((a) => b[a] !== undefined)) throw E.textButtons();
  return b;
}
