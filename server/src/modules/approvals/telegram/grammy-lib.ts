import type * as AutoRetry from '@grammyjs/auto-retry';
import type * as Grammy from 'grammy';
import { lazyRequire } from '../../../core/lazy-require.js';

const grammy = lazyRequire<typeof Grammy>('grammy');
const autoRetry = lazyRequire<typeof AutoRetry>('@grammyjs/auto-retry');

/**
 * grammY is loaded when a bot token is configured, not at start: most installs never use Telegram
 * and should not carry its code in memory. Both packages' Node entries are CommonJS.
 */
export function loadGrammy(): { grammy: typeof Grammy; autoRetry: typeof AutoRetry } {
  return { grammy: grammy(), autoRetry: autoRetry() };
}

/** A GrammyError without loading grammY to ask (the class is not needed for the check). */
export function isGrammyError(e: unknown): e is Grammy.GrammyError {
  return e instanceof Error && e.name === 'GrammyError' && typeof (e as { error_code?: unknown }).error_code === 'number';
}
