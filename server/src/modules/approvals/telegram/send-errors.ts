import { isGrammyError } from './grammy-lib.js';

/** Configured chat ids are strings ("-1001234567890" or "@channel"); numeric ones go out as numbers. */
export const chatIdParam = (chatId: string): number | string => (/^-?\d+$/.test(chatId) ? Number(chatId) : chatId);

/**
 * Errors no retry will fix: the user blocked the bot or never started it, the bot left the group,
 * the chat or message is gone (reference §2). Rate limits, 5xx and network errors are retried.
 */
export function isPermanentSendError(e: unknown): boolean {
  if (!isGrammyError(e)) return false;
  if (e.error_code === 403) return true;
  return (
    e.error_code === 400 &&
    /chat not found|message to edit not found|message can't be edited|was upgraded to a supergroup|chat_id is empty/i.test(e.description)
  );
}

export const isNotModified = (e: unknown): boolean => isGrammyError(e) && /message is not modified/i.test(e.description);
