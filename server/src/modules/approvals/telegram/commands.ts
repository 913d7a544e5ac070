import type { Bot, CommandContext, Context } from 'grammy';
import type { AppContext } from '../../../core/context.js';
import type { ApprovalMessages } from './approval-messages.service.js';
import { HELP, decided, detailText, jenkinsText, linked as linkedText, reply, statsText } from './replies.js';
import type { TelegramActions, Who } from './telegram-actions.js';
import type { BotDeps } from './telegram-deps.js';
import type { Lang } from './telegram.types.js';

/** "12", "#12" → 12; anything else → null. */
export function parseId(s: string | undefined): number | null {
  const m = /^#?(\d{1,9})$/.exec(s ?? '');
  return m ? Number(m[1]) : null;
}

/** "12 looks good" → [12, "looks good"]. */
function idAndRest(match: string): [number | null, string] {
  const text = match.trim();
  const first = text.split(/\s+/, 1)[0] ?? '';
  return [parseId(first), text.slice(first.length).trim()];
}

type Cmd = CommandContext<Context>;

const LINK_FAILURES = 5;
const LINK_WINDOW_MS = 10 * 60_000;

/** Wrong /link codes per Telegram account: guessing codes stops after a few misses (per instance). */
class LinkTries {
  private readonly misses = new Map<number, number[]>();
  constructor(private readonly now: () => number) {}
  private recent(id: number): number[] {
    const since = this.now() - LINK_WINDOW_MS;
    const list = (this.misses.get(id) ?? []).filter((t) => t > since);
    if (list.length) this.misses.set(id, list);
    else this.misses.delete(id);
    return list;
  }
  allow(id: number): boolean {
    return this.recent(id).length < LINK_FAILURES;
  }
  failed(id: number): void {
    this.misses.set(id, [...this.recent(id), this.now()]);
  }
}

/** The commands of seed 003 plus /link; every one but /help, /start and /link needs a linked account. */
export class Commands {
  private readonly linkTries: LinkTries;

  constructor(
    private readonly ctx: AppContext,
    private readonly deps: BotDeps,
    private readonly actions: TelegramActions,
    private readonly messages: ApprovalMessages,
  ) {
    this.linkTries = new LinkTries(() => ctx.clock.now().getTime());
  }

  install(bot: Bot): void {
    bot.command('help', (c) => this.run(c, false, (who) => this.answer(c, HELP[who.lang])));
    // t.me/<bot>?start=<code> opens the chat with "/start <code>": the same as /link <code>.
    bot.command('start', (c) => this.run(c, false, (who) => (c.match.trim() ? this.link(c, who) : this.answer(c, HELP[who.lang]))));
    bot.command('link', (c) => this.run(c, false, (who) => this.link(c, who)));
    bot.command('approve', (c) => this.run(c, true, (who) => this.approve(c, who)));
    bot.command('reject', (c) => this.run(c, true, (who) => this.reject(c, who)));
    bot.command('status', (c) => this.run(c, true, (who) => this.status(c, who)));
    bot.command('jenkins', (c) => this.run(c, true, (who) => this.jenkins(c, who)));
  }

  /** Resolve the sender, refuse unlinked accounts where needed, and reply with whatever the step says. */
  private async run(c: Cmd, needsLink: boolean, step: (who: Who) => Promise<unknown>): Promise<void> {
    if (!c.from) return;
    const who = await this.actions.who(c.from);
    if (needsLink && !who.linked) {
      await this.answer(c, reply(who.lang, 'notLinked'));
      return;
    }
    await step(who);
  }

  answer(c: Context, text: string) {
    return c.reply(text, {
      parse_mode: 'HTML',
      link_preview_options: { is_disabled: true },
      ...(c.msg?.message_id ? { reply_parameters: { message_id: c.msg.message_id, allow_sending_without_reply: true } } : {}),
    });
  }

  private async link(c: Cmd, who: Who) {
    const code = c.match.trim();
    if (!code) return this.answer(c, reply(who.lang, 'linkUsage'));
    if (c.chat.type !== 'private') return this.answer(c, reply(who.lang, 'linkPrivate'));
    if (!this.linkTries.allow(c.from!.id)) return this.answer(c, reply(who.lang, 'linkTooMany'));
    const user = await this.actions.links.linkByCode(code, c.from!, c.chat.id);
    if (!user) {
      this.linkTries.failed(c.from!.id);
      return this.answer(c, reply(who.lang, 'linkBad'));
    }
    const lang: Lang = (await this.actions.who(c.from!)).lang;
    return this.answer(c, linkedText(lang, user.username));
  }

  private async approve(c: Cmd, who: Who) {
    const [id, comment] = idAndRest(c.match);
    if (id === null) return this.answer(c, reply(who.lang, 'approveUsage'));
    const r = await this.actions.decide(who, c.from!, id, 'approve', comment || undefined);
    return this.answer(c, r.ok ? decided(who.lang, id, 'approve', r.approval.status) : r.text);
  }

  private async reject(c: Cmd, who: Who) {
    const [id, reason] = idAndRest(c.match);
    if (id === null || !reason) return this.answer(c, reply(who.lang, 'rejectUsage'));
    const r = await this.actions.decide(who, c.from!, id, 'reject', reason);
    return this.answer(c, r.ok ? decided(who.lang, id, 'reject', r.approval.status) : r.text);
  }

  private async status(c: Cmd, who: Who) {
    const arg = c.match.trim();
    const userId = who.linked!.user.id;
    if (arg) {
      const id = parseId(arg);
      if (id === null) return this.answer(c, reply(who.lang, 'statusUsage'));
      const a = await this.deps.approvals.detail(id);
      if (!a || !(await this.actions.canSee(userId, a))) return this.answer(c, reply(who.lang, 'notFound'));
      return this.answer(c, detailText(a, this.messages.textOptions(id, who.lang)));
    }
    const mine = await this.deps.approvals.list({ status: 'pending', pendingFor: userId, page: 1, pageSize: 10 });
    const parts: string[] = [];
    if (await this.actions.hasAnywhere(userId, 'approvals.view')) parts.push(statsText(who.lang, await this.deps.approvals.stats()));
    parts.push(
      pendingLine(
        who.lang,
        mine.total,
        mine.items.map((a) => a.id),
      ),
    );
    return this.answer(c, parts.join('\n\n'));
  }

  private async jenkins(c: Cmd, who: Who) {
    if (!(await this.actions.hasAnywhere(who.linked!.user.id, 'jenkins.view'))) return this.answer(c, reply(who.lang, 'noPermission'));
    try {
      return this.answer(c, jenkinsText(who.lang, await this.deps.stage.jenkinsStatus()));
    } catch (e) {
      this.ctx.log.error({ err: e }, 'telegram: /jenkins failed');
      return this.answer(c, reply(who.lang, 'failed'));
    }
  }
}

function pendingLine(lang: Lang, total: number, ids: number[]): string {
  const list = ids.map((id) => `#${id}`).join(' ');
  if (lang === 'zh-CN') return total ? `⏳ 等待您处理：${total} 个 ${list}` : '✅ 目前没有等待您处理的审批。';
  return total ? `⏳ Waiting for you: ${total} ${list}` : '✅ Nothing is waiting for you.';
}
