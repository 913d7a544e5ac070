import type { Bot } from 'grammy';
import type { AppContext } from '../../../core/context.js';
import type { ModulePart } from '../approvals.parts.js';
import { ApprovalMessages } from './approval-messages.service.js';
import { BotRunner, createGrammyBot } from './bot.js';
import { Buttons } from './buttons.js';
import { Commands } from './commands.js';
import { LinksService } from './links.service.js';
import { PollerLease } from './poller-lease.js';
import { TelegramActions } from './telegram-actions.js';
import { APPROVALS_TOPIC, type ApprovalEvent, type BotDeps } from './telegram-deps.js';
import { telegramRoutes } from './telegram.routes.js';
import type { TelegramHealth } from './telegram.types.js';

export type { TelegramHealth } from './telegram.types.js';

/** What the bot registers as its command menu (setMyCommands), per language. */
const MENU = {
  en: [
    ['approve', 'Approve: /approve <id> [comment]'],
    ['reject', 'Reject: /reject <id> <reason>'],
    ['status', 'Counts, or /status <id> for one approval'],
    ['jenkins', 'Jenkins servers'],
    ['link', 'Link your Gatehouse account: /link <code>'],
    ['help', 'Help'],
  ],
  zh: [
    ['approve', '同意发布：/approve <审批ID> [备注]'],
    ['reject', '拒绝发布：/reject <审批ID> <原因>'],
    ['status', '审批统计，或 /status <审批ID> 查看详情'],
    ['jenkins', 'Jenkins 服务器状态'],
    ['link', '关联 Gatehouse 账号：/link <关联码>'],
    ['help', '帮助'],
  ],
};

/**
 * The Telegram side of approvals (seed 003): a grammY bot that posts every request with 同意发布 /
 * 拒绝发布 buttons, takes commands, edits its messages once a request is decided anywhere, and
 * reminds waiting approvers. Off when telegram.token is empty.
 */
export class TelegramBot {
  readonly links: LinksService;
  readonly messages: ApprovalMessages;
  /** null when no token is configured. */
  readonly runner: BotRunner | null;
  private unsubscribe?: () => void;

  constructor(
    private readonly ctx: AppContext,
    deps: BotDeps,
  ) {
    const bot = ctx.config.get().telegram.token ? createGrammyBot(ctx) : null;
    this.links = new LinksService(ctx, deps.audit, deps.identity, () => (bot?.isInited() ? bot.botInfo.username : null));
    this.messages = new ApprovalMessages(ctx, { approvals: deps.approvals, identity: deps.identity }, this.links, () => {
      if (!bot) throw new Error('Telegram is not configured');
      return bot.api;
    });
    this.messages.register();
    this.runner = bot ? new BotRunner(ctx, bot, (b) => setMenu(b), new PollerLease(ctx.db, ctx.clock)) : null;
    if (!bot) return;
    const actions = new TelegramActions(ctx, deps, this.links, this.messages);
    const commands = new Commands(ctx, deps, actions, this.messages);
    commands.install(bot);
    new Buttons(ctx, actions, commands).install(bot);
    // Every instance hears every request and decision; the jobs' dedupe keys keep one send each.
    this.unsubscribe = ctx.events.subscribe(APPROVALS_TOPIC, (p) => {
      this.messages
        .onEvent(p as unknown as ApprovalEvent)
        .catch((e: unknown) => ctx.log.error({ err: e }, 'telegram: cannot queue an update'));
    });
  }

  /** The grammY bot (tests and the webhook route); null when Telegram is off. */
  get bot(): Bot | null {
    return this.runner?.bot ?? null;
  }

  health(): TelegramHealth {
    if (!this.runner) {
      return { name: 'telegram', ok: true, enabled: false, mode: this.ctx.config.get().telegram.mode, state: 'off', botUsername: null };
    }
    return this.runner.health();
  }

  /** Start polling (or register the webhook). Never throws; problems show in health(). */
  async start(): Promise<void> {
    this.runner?.start();
  }

  async stop(): Promise<void> {
    await this.runner?.stop();
  }

  async close(): Promise<void> {
    this.unsubscribe?.();
    this.unsubscribe = undefined;
    await this.stop();
  }
}

async function setMenu(bot: Bot): Promise<void> {
  const list = (items: string[][]) => items.map(([command, description]) => ({ command, description }));
  await bot.api.setMyCommands(list(MENU.en));
  await bot.api.setMyCommands(list(MENU.zh), { language_code: 'zh' });
}

export function createTelegramBot(ctx: AppContext, deps: BotDeps): ModulePart & { service: TelegramBot } {
  const service = new TelegramBot(ctx, deps);
  // /api/status shows the bot among the components.
  deps.stage.registerHealth('telegram', () => ({ ...service.health() }));
  return {
    service,
    routes: telegramRoutes(ctx, service.links, () => service.runner),
    start: () => service.start(),
    close: () => service.close(),
  };
}
