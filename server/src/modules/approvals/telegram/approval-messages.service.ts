import type { Api } from 'grammy';
import type { Kysely } from 'kysely';
import type { AppContext } from '../../../core/context.js';
import { isUniqueViolation } from '../../../core/db/db.js';
import type { IdentityService } from '../../identity/index.js';
import type { LinksService } from './links.service.js';
import { decisionKeyboard, newCallbackToken, reminderText, requestText, type Mention, type TextOptions } from './messages.js';
import { closedReminderText } from './replies.js';
import { chatIdParam, isNotModified, isPermanentSendError } from './send-errors.js';
import type { Approval, ApprovalEvent, BotDeps } from './telegram-deps.js';
import * as repo from './telegram.repo.js';
import { asLang, type ButtonAction, type Lang, type MessageRow, type TelegramTables } from './telegram.types.js';

export const POST_JOB = 'approvals.telegram.post';
export const EDIT_JOB = 'approvals.telegram.edit';
export const REMIND_JOB = 'approvals.telegram.remind';

interface Target {
  chatId: string;
  lang: Lang;
}

/**
 * The messages the bot posts about requests: one per approval chat and per linked approver of the
 * current level, edited everywhere once the request is decided (from anywhere: the `approvals`
 * events), and reminders that mention whoever still has to answer. Each send is a job, so a
 * Telegram outage is retried instead of lost; already-sent chats are skipped on the retry.
 */
export class ApprovalMessages {
  constructor(
    private readonly ctx: AppContext,
    private readonly deps: Pick<BotDeps, 'approvals'> & { identity: IdentityService },
    private readonly links: LinksService,
    private readonly api: () => Api,
  ) {}

  private get db() {
    return this.ctx.db as Kysely<TelegramTables>;
  }

  register(): void {
    this.ctx.jobs.register<{ id: number }>(POST_JOB, (p) => this.post(p.id), { maxAttempts: 8 });
    this.ctx.jobs.register<{ id: number }>(EDIT_JOB, (p) => this.editAll(p.id), { maxAttempts: 8 });
    this.ctx.jobs.register<{ id: number; reminder: number }>(REMIND_JOB, (p) => this.remind(p.id, p.reminder), { maxAttempts: 5 });
  }

  /** Turn an `approvals` event into the job that brings Telegram up to date. */
  async onEvent(e: ApprovalEvent): Promise<void> {
    const id = Number(e.id);
    if (!Number.isInteger(id)) return;
    if (e.type === 'reminded') {
      const n = Number(e.reminder ?? 0);
      await this.ctx.jobs.enqueue(REMIND_JOB, { id, reminder: n }, { dedupeKey: `${REMIND_JOB}:${id}:${n}` });
    } else if (e.status === 'pending') {
      // A new request, or a level passed: the (next) approvers get their messages.
      if (e.type === 'requested' || e.type === 'voted' || e.type === 'changed') await this.enqueuePost(id);
    } else if (e.type !== 'follow-up') {
      await this.enqueueEdit(id);
    }
  }

  enqueuePost(id: number) {
    return this.ctx.jobs.enqueue(POST_JOB, { id }, { dedupeKey: `${POST_JOB}:${id}` });
  }

  enqueueEdit(id: number) {
    return this.ctx.jobs.enqueue(EDIT_JOB, { id }, { dedupeKey: `${EDIT_JOB}:${id}` });
  }

  private defaultLang(): Lang {
    return this.ctx.config.get().notify.language;
  }

  textOptions(id: number, lang: Lang): TextOptions {
    const cfg = this.ctx.config.get();
    const base = cfg.publicUrl.replace(/\/+$/, '');
    return {
      lang,
      timeZone: cfg.timezone,
      link: base ? `${base}/approvals/${id}` : null,
      logLink: base ? `${base}/logs/${id}` : null,
    };
  }

  /** The approval chats, then the private chats of the current level's linked approvers. */
  private async targets(a: Approval): Promise<Target[]> {
    const chats: Target[] = this.ctx.config.get().telegram.approvalChats.map((c) => ({ chatId: c, lang: this.defaultLang() }));
    const detail = await this.deps.approvals.detail(a.id);
    const level = detail?.levels.find((l) => l.index === a.currentLevel);
    const ids = (level?.approvers ?? []).filter((p) => !p.decision).map((p) => p.id);
    const [links, users] = await Promise.all([this.links.linksOf(ids), this.deps.identity.getUsersByIds(ids)]);
    const locale = new Map(users.map((u) => [u.id, asLang(u.locale)]));
    for (const l of links) {
      if (chats.some((c) => c.chatId === l.chat_id)) continue;
      chats.push({ chatId: l.chat_id, lang: locale.get(l.user_id) ?? this.defaultLang() });
    }
    return chats;
  }

  /** The request's two button tokens, made once and shared by all its messages. */
  async tokens(approvalId: number): Promise<Record<ButtonAction, string>> {
    const have = async () => {
      const rows = await repo.callbacksOf(this.db, approvalId);
      return Object.fromEntries(rows.map((r) => [r.action, r.token])) as Partial<Record<ButtonAction, string>>;
    };
    const t = await have();
    for (const action of ['approve', 'reject'] as const) {
      if (t[action]) continue;
      try {
        const token = newCallbackToken(action);
        await repo.insertCallback(this.db, { token, approval_id: approvalId, action, created_at: this.ctx.clock.now().toISOString() });
      } catch (e) {
        // Another instance made it at the same moment: use theirs.
        if (!isUniqueViolation(e)) throw e;
      }
    }
    return (await have()) as Record<ButtonAction, string>;
  }

  async post(id: number): Promise<void> {
    const a = await this.deps.approvals.get(id);
    if (!a) return;
    if (a.status !== 'pending') return this.editAll(id);
    const existing = await repo.messagesOf(this.db, id, 'request');
    const sent = new Set(existing.map((m) => m.chat_id));
    const tokens = await this.tokens(id);
    await this.eachTarget(
      (await this.targets(a)).filter((t) => !sent.has(t.chatId)),
      async (t) => {
        const msg = await this.api().sendMessage(chatIdParam(t.chatId), requestText(a, this.textOptions(id, t.lang)), {
          parse_mode: 'HTML',
          link_preview_options: { is_disabled: true },
          reply_markup: decisionKeyboard(t.lang, tokens),
        });
        await this.remember(id, t, msg.message_id, 'request', 0);
      },
    );
    // A later level: the earlier messages show the level the request is at now.
    if (a.currentLevel > 0) await this.refresh(a, existing, tokens);
  }

  private async refresh(a: Approval, messages: MessageRow[], tokens: Record<ButtonAction, string>): Promise<void> {
    await this.eachTarget(
      messages.map((m) => ({ ...m, chatId: m.chat_id })),
      async (m) => {
        const lang = asLang(m.lang) ?? this.defaultLang();
        try {
          await this.api().editMessageText(chatIdParam(m.chat_id), m.message_id, requestText(a, this.textOptions(a.id, lang)), {
            parse_mode: 'HTML',
            link_preview_options: { is_disabled: true },
            reply_markup: decisionKeyboard(lang, tokens),
          });
        } catch (e) {
          if (!isNotModified(e)) throw e;
        }
      },
    );
  }

  private async remember(id: number, t: Target, messageId: number, kind: MessageRow['kind'], reminder: number): Promise<void> {
    try {
      await repo.insertMessage(this.db, {
        approval_id: id,
        chat_id: t.chatId,
        message_id: messageId,
        kind,
        reminder,
        lang: t.lang,
        created_at: this.ctx.clock.now().toISOString(),
        final_status: null,
        edited_at: null,
      });
    } catch (e) {
      if (!isUniqueViolation(e)) throw e;
    }
  }

  /**
   * Run one send per target; a chat that refuses for good (blocked, not found) is logged and
   * skipped, anything else fails the job after the other chats had their turn, so it is retried.
   */
  private async eachTarget<T extends { chatId: string }>(targets: T[], send: (t: T) => Promise<void>): Promise<void> {
    let retry: unknown;
    for (const t of targets) {
      try {
        await send(t);
      } catch (e) {
        if (isPermanentSendError(e)) this.ctx.log.warn({ err: e, chatId: t.chatId }, 'telegram: chat refuses approval messages');
        else retry ??= e;
      }
    }
    if (retry) throw retry;
  }

  /** Every message of a decided request shows the outcome and loses its buttons. */
  async editAll(id: number): Promise<void> {
    const a = await this.deps.approvals.get(id);
    if (!a || a.status === 'pending') return;
    const stale = (await repo.messagesOf(this.db, id)).filter((m) => m.final_status !== a.status);
    await this.eachTarget(
      stale.map((m) => ({ ...m, chatId: m.chat_id })),
      async (m) => {
        const lang = asLang(m.lang) ?? this.defaultLang();
        const o = this.textOptions(id, lang);
        const text = m.kind === 'request' ? requestText(a, o) : closedReminderText(a, o);
        try {
          await this.api().editMessageText(chatIdParam(m.chat_id), m.message_id, text, {
            parse_mode: 'HTML',
            link_preview_options: { is_disabled: true },
          });
        } catch (e) {
          // Already showing this (a retry, or a double event) is success; a deleted message stays deleted.
          if (isPermanentSendError(e)) this.ctx.log.warn({ err: e, chatId: m.chat_id }, 'telegram: cannot edit an approval message');
          else if (!isNotModified(e)) throw e;
        }
        await repo.markEdited(this.db, m.id, a.status, this.ctx.clock.now().toISOString());
      },
    );
  }

  /** The n-th reminder: to the approval chats (or, without any, privately), naming who is waited for. */
  async remind(id: number, reminder: number): Promise<void> {
    const a = await this.deps.approvals.get(id);
    if (!a || a.status !== 'pending') return;
    const waiting = await this.deps.approvals.waitingApprovers(id);
    const [links, users] = await Promise.all([this.links.linksOf(waiting), this.deps.identity.getUsersByIds(waiting)]);
    const byUser = new Map(users.map((u) => [u.id, u]));
    const mentions: Mention[] = links.map((l) => ({
      telegramUserId: l.telegram_user_id,
      telegramUsername: l.telegram_username,
      displayName: byUser.get(l.user_id)?.displayName || byUser.get(l.user_id)?.username || l.telegram_user_id,
    }));
    const linkedIds = new Set(links.map((l) => l.user_id));
    const others = users.filter((u) => !linkedIds.has(u.id)).map((u) => u.displayName || u.username);
    const chats = this.ctx.config.get().telegram.approvalChats;
    const targets: Target[] = chats.length
      ? chats.map((c) => ({ chatId: c, lang: this.defaultLang() }))
      : links.map((l) => ({ chatId: l.chat_id, lang: asLang(byUser.get(l.user_id)?.locale) ?? this.defaultLang() }));
    const sent = new Set((await repo.messagesOf(this.db, id, 'reminder')).filter((m) => m.reminder === reminder).map((m) => m.chat_id));
    const left = Math.max(0, Math.round((new Date(a.deadlineAt).getTime() - this.ctx.clock.now().getTime()) / 60_000));
    await this.eachTarget(
      targets.filter((t) => !sent.has(t.chatId)),
      async (t) => {
        const text = reminderText(a, { ...this.textOptions(id, t.lang), reminder, mentions, others, minutesLeft: left });
        const msg = await this.api().sendMessage(chatIdParam(t.chatId), text, {
          parse_mode: 'HTML',
          link_preview_options: { is_disabled: true },
        });
        await this.remember(id, t, msg.message_id, 'reminder', reminder);
      },
    );
  }
}
