/**
 * Webhook mode (reference §4.3): while a URL is set, queued updates are POSTed there one at a time,
 * in order, with X-Telegram-Bot-Api-Secret-Token; a non-2xx answer or a network error is recorded
 * in getWebhookInfo and retried with a doubling delay. A JSON answer carrying `method` is executed
 * as a Bot API call (the "webhook reply" grammY can use).
 */
import type { Updates } from './updates.js';

export interface WebhookConfig {
  url: string;
  secretToken?: string;
  maxConnections: number;
  ipAddress?: string;
}

export type WebhookReply = (payload: Record<string, unknown>) => Promise<void>;

export class Webhook {
  config: WebhookConfig | null = null;
  lastErrorDate?: number;
  lastErrorMessage?: string;
  private running = false;
  private closed = false;
  private retryTimer: NodeJS.Timeout | null = null;

  constructor(
    private readonly updates: Updates,
    private readonly retryMs: number,
    private readonly reply: WebhookReply,
  ) {
    updates.onQueued = () => void this.kick();
  }

  set(config: WebhookConfig | null): void {
    this.config = config;
    this.lastErrorDate = undefined;
    this.lastErrorMessage = undefined;
    if (config) void this.kick();
  }

  close(): void {
    this.closed = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
  }

  async kick(): Promise<void> {
    if (this.running || this.closed) return;
    this.running = true;
    let delay = this.retryMs;
    try {
      while (this.config && !this.closed && this.updates.pending.length) {
        if (await this.deliver(this.config, this.updates.pending[0])) {
          this.updates.pending.shift();
          delay = this.retryMs;
        } else {
          await new Promise<void>((resolve) => (this.retryTimer = setTimeout(resolve, delay)));
          delay = Math.min(delay * 2, 5000);
        }
      }
    } finally {
      this.running = false;
    }
  }

  private async deliver(config: WebhookConfig, update: unknown): Promise<boolean> {
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (config.secretToken) headers['x-telegram-bot-api-secret-token'] = config.secretToken;
    try {
      const res = await fetch(config.url, { method: 'POST', headers, body: JSON.stringify(update), signal: AbortSignal.timeout(10_000) });
      const body = await res.text();
      if (!res.ok) return this.fail(`Wrong response from the webhook: ${res.status} ${res.statusText}`);
      await this.maybeReply(res.headers.get('content-type'), body);
      return true;
    } catch (e) {
      const cause = (e as { cause?: { code?: string } }).cause?.code;
      return this.fail(cause === 'ECONNREFUSED' ? 'Connection refused' : `Connection failed: ${(e as Error).message}`);
    }
  }

  private async maybeReply(contentType: string | null, body: string): Promise<void> {
    if (!contentType?.includes('application/json') || !body) return;
    try {
      const payload = JSON.parse(body) as Record<string, unknown>;
      if (payload && typeof payload.method === 'string') await this.reply(payload);
    } catch {
      // Telegram ignores an unparsable webhook answer as well.
    }
  }

  private fail(message: string): false {
    this.lastErrorDate = Math.floor(Date.now() / 1000);
    this.lastErrorMessage = message;
    return false;
  }
}
