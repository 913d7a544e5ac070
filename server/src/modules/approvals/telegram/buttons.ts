import type { Bot, Context } from 'grammy';
import type { Kysely } from 'kysely';
import type { AppContext } from '../../../core/context.js';
import type { Commands } from './commands.js';
import { CALLBACK_TOKEN, reasonPrompt } from './messages.js';
import { decided, reply } from './replies.js';
import type { TelegramActions } from './telegram-actions.js';
import * as repo from './telegram.repo.js';
import type { TelegramTables } from './telegram.types.js';

const PROMPT_TTL_MS = 10 * 60_000;
/** answerCallbackQuery text is at most 200 characters of plain text. */
const toast = (s: string) =>
  s
    .replace(/<[^>]+>/g, '')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&')
    .slice(0, 200);

/**
 * The 同意发布 / 拒绝发布 buttons and the reason that follows a reject: a press approves at once;
 * a reject first asks for a reason with force_reply, and the reply to that prompt rejects.
 */
export class Buttons {
  constructor(
    private readonly ctx: AppContext,
    private readonly actions: TelegramActions,
    private readonly commands: Commands,
  ) {}

  private get db() {
    return this.ctx.db as Kysely<TelegramTables>;
  }

  install(bot: Bot): void {
    bot.on('callback_query:data', (c) => this.press(c));
    bot.on('message:text', (c) => this.text(c));
  }

  private async press(c: Context): Promise<void> {
    const q = c.callbackQuery!;
    const data = q.data ?? '';
    const row = CALLBACK_TOKEN.test(data) ? await repo.callbackByToken(this.db, data) : undefined;
    const who = await this.actions.who(q.from);
    const alert = (text: string) => c.answerCallbackQuery({ text: toast(text), show_alert: true });
    if (!row) return void (await alert(reply(who.lang, 'buttonGone')));
    if (!who.linked) return void (await alert(reply(who.lang, 'notLinkedShort')));
    if (row.action === 'approve') {
      const r = await this.actions.decide(who, q.from, row.approval_id, 'approve');
      if (!r.ok) return void (await alert(r.text));
      await c.answerCallbackQuery({ text: toast(decided(who.lang, row.approval_id, 'approve', r.approval.status)) });
      return;
    }
    const problem = await this.actions.rejectProblem(who, row.approval_id);
    if (problem) return void (await alert(problem));
    // Answer first: the spinner stops while the prompt is being sent.
    await c.answerCallbackQuery({ text: toast(reply(who.lang, 'askReason')) });
    await this.askReason(c, row.approval_id);
  }

  private async askReason(c: Context, approvalId: number): Promise<void> {
    const q = c.callbackQuery!;
    const chatId = q.message?.chat.id ?? q.from.id;
    const who = await this.actions.who(q.from);
    const link = who.linked!.link;
    const text = reasonPrompt(who.lang, approvalId, {
      telegramUserId: String(q.from.id),
      telegramUsername: q.from.username ?? link.telegram_username,
      displayName: q.from.first_name,
    });
    const msg = await c.api.sendMessage(chatId, text, {
      parse_mode: 'HTML',
      reply_markup: { force_reply: true, selective: true, input_field_placeholder: who.lang === 'zh-CN' ? '拒绝原因' : 'Reason' },
      ...(q.message ? { reply_parameters: { message_id: q.message.message_id, allow_sending_without_reply: true } } : {}),
    });
    const now = this.ctx.clock.now();
    await repo.insertPrompt(this.db, {
      chat_id: String(chatId),
      message_id: msg.message_id,
      approval_id: approvalId,
      telegram_user_id: String(q.from.id),
      created_at: now.toISOString(),
      expires_at: new Date(now.getTime() + PROMPT_TTL_MS).toISOString(),
    });
  }

  /** Plain text: a reply to a reason prompt rejects; in a private chat anything else gets a hint. */
  private async text(c: Context): Promise<void> {
    const m = c.message!;
    const to = m.reply_to_message;
    const prompt = to ? await repo.promptAt(this.db, String(m.chat.id), to.message_id) : undefined;
    if (!prompt) {
      if (m.chat.type === 'private' && m.from) {
        const who = await this.actions.who(m.from);
        await this.commands.answer(c, reply(who.lang, m.text?.startsWith('/') ? 'unknownCommand' : 'askHelp'));
      }
      return;
    }
    const from = m.from!;
    const who = await this.actions.who(from);
    if (prompt.telegram_user_id !== String(from.id)) return void (await this.commands.answer(c, reply(who.lang, 'promptNotYours')));
    if (!who.linked) return void (await this.commands.answer(c, reply(who.lang, 'notLinked')));
    const reason = (m.text ?? '').trim();
    if (!reason) return void (await this.commands.answer(c, reply(who.lang, 'reasonEmpty')));
    const now = this.ctx.clock.now().toISOString();
    if (prompt.expires_at <= now || !(await repo.usePrompt(this.db, prompt.id, now))) {
      return void (await this.commands.answer(c, reply(who.lang, 'promptExpired')));
    }
    const r = await this.actions.decide(who, from, prompt.approval_id, 'reject', reason);
    await this.commands.answer(c, r.ok ? decided(who.lang, prompt.approval_id, 'reject', r.approval.status) : r.text);
  }
}
