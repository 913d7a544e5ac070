import type { AppContext } from '../../../core/context.js';
import { isAppError } from '../../../core/http/errors.js';
import type { RequestMeta } from '../../../core/http/principal.js';
import type { ApprovalMessages } from './approval-messages.service.js';
import type { LinkedUser, LinksService, TelegramUser } from './links.service.js';
import { decisionError } from './replies.js';
import type { Approval, ApprovalDetail, BotDeps } from './telegram-deps.js';
import { asLang, type Lang } from './telegram.types.js';

export interface Who {
  lang: Lang;
  linked: LinkedUser | null;
}

export type DecideResult = { ok: true; approval: Approval } | { ok: false; text: string };

/** Who a Telegram user is in Gatehouse, and the decisions they make through the approvals service. */
export class TelegramActions {
  constructor(
    private readonly ctx: AppContext,
    private readonly deps: BotDeps,
    readonly links: LinksService,
    private readonly messages: ApprovalMessages,
  ) {}

  async who(from: TelegramUser & { language_code?: string }): Promise<Who> {
    const linked = await this.links.userOf(from);
    const lang = asLang(linked?.user.locale) ?? asLang(from.language_code) ?? this.ctx.config.get().notify.language;
    return { lang, linked };
  }

  /** The audit trail names the Telegram account; there is no client address to record. */
  private meta(from: TelegramUser): RequestMeta {
    return { userAgent: `telegram:${from.id}${from.username ? ` (@${from.username})` : ''}` } as RequestMeta;
  }

  /**
   * Decide as the linked user. Voting again with the other answer on the same level is a change of
   * mind, which the service allows until the follow-up work has started.
   */
  async decide(who: Who, from: TelegramUser, id: number, decision: 'approve' | 'reject', comment?: string): Promise<DecideResult> {
    const user = who.linked!.user;
    const input = { userId: user.id, decision, via: 'telegram' as const, ...(comment ? { comment } : {}) };
    try {
      let approval: Approval;
      try {
        approval = await this.deps.approvals.decide(id, input, this.meta(from));
      } catch (e) {
        const d = (isAppError(e) ? e.details : undefined) as { decidedBy?: string; decision?: string; level?: number } | undefined;
        const mine = isAppError(e) && e.code === 'APPROVALS_ALREADY_DECIDED' && d?.decidedBy === user.username && d.level === undefined;
        // details.decision is a vote ('approve') or, once decided, a status ('approved').
        if (!mine || d?.decision?.replace(/d$/, '') === decision) throw e;
        approval = await this.deps.approvals.decide(id, { ...input, change: true }, this.meta(from));
      }
      // The event subscription does the same; doing it here too keeps Telegram current even if the
      // event was missed (another instance, a reconnecting bus).
      if (approval.status === 'pending') await this.messages.enqueuePost(id);
      else await this.messages.enqueueEdit(id);
      return { ok: true, approval };
    } catch (e) {
      if (!isAppError(e)) this.ctx.log.error({ err: e, approvalId: id }, 'telegram: a decision failed');
      return { ok: false, text: decisionError(who.lang, isAppError(e) ? e : {}) };
    }
  }

  /**
   * Why this user could not reject the request now (so they are not asked for a reason in vain),
   * or null when they can.
   */
  async rejectProblem(who: Who, id: number): Promise<string | null> {
    const user = who.linked!.user;
    const a = await this.deps.approvals.detail(id);
    if (!a) return decisionError(who.lang, { code: 'APPROVALS_NOT_FOUND' });
    if (a.status !== 'pending') {
      return decisionError(who.lang, { code: 'APPROVALS_ALREADY_DECIDED', details: { decidedBy: a.decidedBy?.username } });
    }
    const level = a.levels.find((l) => l.index === a.currentLevel);
    const me = level?.approvers.find((p) => p.id === user.id);
    if (!me) {
      const earlier = a.levels.some((l) => l.index < a.currentLevel && l.approvers.some((p) => p.id === user.id));
      return decisionError(who.lang, earlier ? { code: 'APPROVALS_ALREADY_DECIDED' } : { code: 'APPROVALS_NOT_APPROVER' });
    }
    if (me.decision === 'reject')
      return decisionError(who.lang, { code: 'APPROVALS_ALREADY_DECIDED', details: { decidedBy: user.username } });
    if (me.decision === 'approve' && a.workStartedAt) return decisionError(who.lang, { code: 'APPROVALS_WORK_STARTED' });
    return null;
  }

  /** Requester, an approver, or approvals.view on the request's project and environment. */
  async canSee(userId: number, a: ApprovalDetail): Promise<boolean> {
    if (a.requestedBy?.id === userId) return true;
    if (a.levels.some((l) => l.approvers.some((p) => p.id === userId))) return true;
    return this.deps.access.policy.can(userId, 'approvals.view', { project: a.project, environment: a.environment });
  }

  /** Holds the permission somewhere (for /status counts and /jenkins). */
  async hasAnywhere(userId: number, permission: string): Promise<boolean> {
    return (await this.deps.access.policy.grantsFor(userId, permission)).length > 0;
  }
}
