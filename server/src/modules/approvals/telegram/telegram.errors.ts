import { createError } from '../../../core/http/errors.js';

export const TelegramDisabled = createError(
  'TELEGRAM_DISABLED',
  409,
  'Telegram is not configured on this server (telegram.token is empty).',
);
export const TelegramWebhookSecret = createError('TELEGRAM_WEBHOOK_SECRET', 401, 'The webhook secret header is missing or wrong.');
export const TelegramWebhookOff = createError('TELEGRAM_WEBHOOK_OFF', 404, 'The Telegram bot does not run in webhook mode.');
export const TelegramNotReady = createError('TELEGRAM_NOT_READY', 503, 'The Telegram bot is starting; try again shortly.');
