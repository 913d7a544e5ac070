import type { Bot, Context } from 'grammy';
import type { Update } from 'grammy/types';
import { HttpsProxyAgent } from 'https-proxy-agent';
import type { AppContext } from '../../../core/context.js';
import { isGrammyError, loadGrammy } from './grammy-lib.js';
import { LEASE_MS, type PollerLease } from './poller-lease.js';
import { TelegramNotReady } from './telegram.errors.js';
import type { TelegramHealth } from './telegram.types.js';

const RETRY_MIN_MS = 5_000;
const RETRY_MAX_MS = 5 * 60_000;
const STOP_WAIT_MS = 5_000;
export const WEBHOOK_PATH = '/api/telegram/webhook';
const UPDATES = ['message', 'callback_query'] as const;

/**
 * The grammY bot for the configured token: API root and optional HTTP proxy from the config, the
 * auto-retry transformer (grammY alone does not retry 429/5xx on ordinary calls), and an error
 * handler that is always set (without one a middleware error stops polling, reference §7).
 */
export function createGrammyBot(ctx: AppContext): Bot {
  const cfg = ctx.config.get().telegram;
  const agent = cfg.proxyUrl ? new HttpsProxyAgent(cfg.proxyUrl) : undefined;
  const { grammy, autoRetry } = loadGrammy();
  const bot = new grammy.Bot(cfg.token, {
    client: {
      // grammY refuses an apiRoot with a trailing slash.
      apiRoot: cfg.apiRoot.replace(/\/+$/, ''),
      ...(agent ? { baseFetchConfig: { agent, compress: true } } : {}),
    },
  });
  // Rate limits are waited out here (retry_after); 5xx and network errors are not: the jobs that
  // send approval messages retry those with their own backoff, and a handler must not hang on one.
  bot.api.config.use(
    autoRetry.autoRetry({ maxRetryAttempts: 3, maxDelaySeconds: 60, rethrowHttpErrors: true, rethrowInternalServerErrors: true }),
  );
  bot.catch((err) => {
    ctx.log.error({ err: err.error, updateId: err.ctx?.update?.update_id }, 'telegram: an update handler failed');
  });
  return bot;
}

type Mode = TelegramHealth['mode'];

/**
 * Runs the bot by long polling or as a webhook receiver. start() never throws: a failure (bad
 * token, a second instance polling, Telegram unreachable) is kept for health() and retried with
 * capped backoff until stop().
 */
export class BotRunner {
  private state: TelegramHealth['state'] = 'stopped';
  private detail?: string;
  private retryMs = RETRY_MIN_MS;
  private retryTimer?: NodeJS.Timeout;
  private loop?: Promise<void>;
  private wanted = false;
  private renewTimer?: NodeJS.Timeout;
  private lostLease = false;

  constructor(
    private readonly ctx: AppContext,
    readonly bot: Bot,
    private readonly onReady: (bot: Bot) => Promise<void>,
    private readonly lease: PollerLease,
  ) {}

  private get mode(): Mode {
    return this.ctx.config.get().telegram.mode;
  }

  health(): TelegramHealth {
    const ok = this.state === 'running' || this.state === 'standby';
    return {
      name: 'telegram',
      ok,
      enabled: true,
      mode: this.mode,
      state: this.state,
      botUsername: this.bot.isInited() ? this.bot.botInfo.username : null,
      ...(this.detail ? { detail: this.detail } : {}),
    };
  }

  start(): void {
    if (this.wanted) return;
    this.wanted = true;
    this.attempt();
  }

  private attempt(): void {
    if (!this.wanted) return;
    this.state = 'starting';
    const run = this.mode === 'webhook' ? this.runWebhook() : this.runPolling();
    this.loop = run.then(
      (outcome) => {
        if (!this.wanted) return;
        if (outcome === 'standby') this.standby();
        else this.failed(new Error('polling ended unexpectedly'));
      },
      (e: unknown) => this.failed(e),
    );
  }

  /** Another instance polls: check again before its lease could run out. */
  private standby(): void {
    this.state = 'standby';
    this.detail = 'another Gatehouse instance polls Telegram';
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      this.attempt();
    }, LEASE_MS / 3);
    this.retryTimer.unref();
  }

  private async runPolling(): Promise<'standby' | 'ended'> {
    if (!(await this.lease.acquire())) return 'standby';
    this.lostLease = false;
    this.renewTimer = setInterval(() => void this.renew(), LEASE_MS / 3);
    this.renewTimer.unref();
    try {
      await this.bot.start({
        allowed_updates: [...UPDATES],
        onStart: async () => {
          this.state = 'running';
          this.detail = undefined;
          this.retryMs = RETRY_MIN_MS;
          await this.onReady(this.bot).catch((e: unknown) => this.ctx.log.warn({ err: e }, 'telegram: setup after start failed'));
        },
      });
    } finally {
      clearInterval(this.renewTimer);
      this.renewTimer = undefined;
    }
    return this.lostLease ? 'standby' : 'ended';
  }

  /** Keep the lease; if another instance has it now (this one stalled), stop polling and stand by. */
  private async renew(): Promise<void> {
    try {
      if (await this.lease.acquire()) return;
      this.lostLease = true;
      await this.bot.stop();
    } catch (e) {
      // The database is briefly unreachable: keep polling; the lease has time left.
      this.ctx.log.warn({ err: e }, 'telegram: cannot renew the polling lease');
    }
  }

  private async runWebhook(): Promise<'ended'> {
    const cfg = this.ctx.config.get();
    const base = cfg.publicUrl.replace(/\/+$/, '');
    if (!base) throw new Error('webhook mode needs publicUrl (GATEHOUSE_PUBLIC_URL)');
    if (!cfg.telegram.webhookSecret) throw new Error('webhook mode needs telegram.webhookSecret');
    await this.bot.init();
    await this.bot.api.setWebhook(`${base}${WEBHOOK_PATH}`, {
      secret_token: cfg.telegram.webhookSecret,
      allowed_updates: [...UPDATES],
    });
    this.state = 'running';
    this.detail = undefined;
    this.retryMs = RETRY_MIN_MS;
    await this.onReady(this.bot).catch((e: unknown) => this.ctx.log.warn({ err: e }, 'telegram: setup after start failed'));
    // The webhook runs until stop(); nothing to wait for here.
    await new Promise<void>((resolve) => (this.endWebhook = resolve));
    return 'ended';
  }

  private endWebhook?: () => void;

  private failed(e: unknown): void {
    if (!this.wanted) return;
    this.state = 'error';
    this.detail = describe(e);
    this.ctx.log.error({ err: e }, `telegram: ${this.detail}; retrying in ${Math.round(this.retryMs / 1000)} s`);
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      this.attempt();
    }, this.retryMs);
    this.retryTimer.unref();
    this.retryMs = Math.min(this.retryMs * 2, RETRY_MAX_MS);
  }

  async stop(): Promise<void> {
    this.wanted = false;
    clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
    this.endWebhook?.();
    this.endWebhook = undefined;
    // stop() confirms the handled updates with one more getUpdates; never let it hold a shutdown.
    const stopping = this.bot.isRunning() ? this.bot.stop().catch(() => undefined) : Promise.resolve();
    await Promise.race([Promise.all([stopping, this.loop]), new Promise((r) => setTimeout(r, STOP_WAIT_MS).unref())]);
    this.loop = undefined;
    this.state = 'stopped';
    // A clean stop hands polling to a standby instance at once.
    if (this.mode === 'polling') await this.lease.release().catch(() => undefined);
  }

  /** One update from the webhook route. Errors are logged (Telegram would only resend it). */
  async handleWebhookUpdate(update: Update): Promise<void> {
    if (this.mode !== 'webhook' || !this.bot.isInited()) throw new TelegramNotReady();
    try {
      await this.bot.handleUpdate(update);
    } catch (e) {
      this.ctx.log.error({ err: e, updateId: update.update_id }, 'telegram: a webhook update failed');
    }
  }
}

function describe(e: unknown): string {
  if (isGrammyError(e)) {
    if (e.error_code === 401) return 'Telegram refused the bot token (401 Unauthorized)';
    if (e.error_code === 409) return `another bot instance or a webhook takes the updates (409: ${e.description})`;
    return `${e.method}: ${e.error_code} ${e.description}`;
  }
  return e instanceof Error ? e.message : String(e);
}

export type BotContext = Context;
