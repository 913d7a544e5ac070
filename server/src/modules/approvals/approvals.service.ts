import type { RequestMeta } from '../../core/http/principal.js';
import type { AccessModule } from '../access/index.js';
import { decide } from './approvals-decide.js';
import { notice } from './approvals-notices.js';
import { createRequest } from './approvals-request.js';
import type { ApprovalsRuntime } from './approvals-runtime.js';
import { AlreadyDecided, ApprovalNotFound, NotRequester } from './approvals.errors.js';
import * as repo from './approvals.repo.js';
import {
  type Approval,
  type ApprovalDetail,
  type DecideInput,
  type DetailLevel,
  type ListFilter,
  type RequestInput,
  type RequestRow,
  type SubjectHandler,
} from './approvals.types.js';
import { frozenLevels } from './approvals.mappers.js';
import type { PoliciesService } from './policies.service.js';
import { waitingApprovers } from './reminders.js';
import { visibleScope } from './approvals-visibility.js';

/**
 * Requests and decisions, used by the REST routes, the Jenkins stage and the Telegram bot. The
 * service does not check who may *see* a request (the routes do, per caller); deciding is checked
 * here, because only a named approver of the current level may decide, wherever they click.
 */
export class ApprovalsService {
  constructor(
    private readonly rt: ApprovalsRuntime,
    readonly policies: PoliciesService,
    private readonly access: AccessModule,
  ) {}

  registerSubjectHandler(type: string, h: SubjectHandler): void {
    this.rt.handlers.set(type, h);
  }

  request(input: RequestInput, meta?: RequestMeta): Promise<{ approval: Approval; created: boolean }> {
    return createRequest(this.rt, this.policies, input, meta);
  }

  async get(id: number): Promise<Approval | null> {
    const row = await repo.findRequest(this.rt.db, id);
    return row ? this.rt.approval(row) : null;
  }

  /** The row as stored, for the routes' visibility checks. */
  row(id: number): Promise<RequestRow | undefined> {
    return repo.findRequest(this.rt.db, id);
  }

  async detail(id: number): Promise<ApprovalDetail | null> {
    const row = await repo.findRequest(this.rt.db, id);
    if (!row) return null;
    const [approvers, votes, history] = await Promise.all([
      repo.approversOf(this.rt.db, id),
      repo.votesOf(this.rt.db, id),
      repo.historyOf(this.rt.db, id),
    ]);
    const names = await repo.usernames(this.rt.db, [
      ...approvers.map((a) => a.user_id),
      ...history.flatMap((h) => (h.user_id ? [h.user_id] : [])),
    ]);
    const levels: DetailLevel[] = frozenLevels(row).map((l, index) => ({
      index,
      name: l.name,
      mode: l.mode,
      required: l.required,
      status: l.status,
      approvers: approvers
        .filter((a) => a.level === index)
        .map((a) => {
          const v = votes.find((x) => x.level === index && x.user_id === a.user_id);
          const u = names.get(a.user_id);
          return {
            id: a.user_id,
            username: u?.username ?? `#${a.user_id}`,
            displayName: u?.displayName ?? '',
            decision: v?.decision ?? null,
            comment: v?.comment ?? null,
            via: v?.via ?? null,
            at: v?.at ?? null,
          };
        }),
    }));
    return {
      ...(await this.rt.approval(row)),
      levels,
      history: history.map((h) => ({
        at: h.at,
        action: h.action,
        user: h.user_id ? { id: h.user_id, username: h.username ?? names.get(h.user_id)?.username ?? `#${h.user_id}` } : null,
        via: h.via,
        comment: h.comment,
        level: h.level === null ? null : Number(h.level),
      })),
    };
  }

  /** Every request matching the filter (no visibility; see listFor). */
  list(filter: ListFilter): Promise<{ items: Approval[]; total: number }> {
    return this.query(filter, undefined);
  }

  /** What one user may see: projects/environments with approvals.view, plus requests they take part in. */
  async listFor(user: { userId: number; scopes?: string[] }, filter: ListFilter): Promise<{ items: Approval[]; total: number }> {
    const visible = await visibleScope(this.access, user, () => repo.scopePairs(this.rt.db));
    return this.query(filter, visible);
  }

  private async query(filter: ListFilter, visible: repo.ListQuery['visible']) {
    const { rows, total } = await repo.listRequests(this.rt.db, {
      ...filter,
      visible,
      limit: filter.pageSize,
      offset: (filter.page - 1) * filter.pageSize,
    });
    return { items: await this.rt.approvals(rows), total };
  }

  decide(id: number, d: DecideInput, meta?: RequestMeta): Promise<Approval> {
    return decide(this.rt, id, d, meta);
  }

  async stats(): Promise<{ total: number; pending: number; approved: number; rejected: number; timeout: number }> {
    const m = await repo.countByStatus(this.rt.db);
    const n = (s: string) => m.get(s) ?? 0;
    const total = [...m.values()].reduce((a, b) => a + b, 0);
    return { total, pending: n('pending'), approved: n('approved'), rejected: n('rejected'), timeout: n('timeout') };
  }

  async waitingApprovers(id: number): Promise<number[]> {
    const row = await repo.findRequest(this.rt.db, id);
    return row ? waitingApprovers(this.rt, row) : [];
  }

  /** The requester takes a pending request back; the subject's follow-up treats it as a rejection. */
  async withdraw(id: number, userId: number, meta?: RequestMeta, comment?: string): Promise<Approval> {
    const row = await repo.findRequest(this.rt.db, id);
    if (!row) throw new ApprovalNotFound({ id });
    if (row.requested_by !== userId) throw new NotRequester();
    const names = await repo.usernames(this.rt.db, [userId, ...(row.decided_by ? [row.decided_by] : [])]);
    if (row.status !== 'pending') {
      const by = row.decided_by ? (names.get(row.decided_by)?.username ?? `#${row.decided_by}`) : 'timeout';
      throw new AlreadyDecided({ decidedBy: by, decision: row.status }, `already decided by ${by} (${row.status})`);
    }
    const username = names.get(userId)?.username ?? null;
    const patch: Partial<RequestRow> = {
      status: 'withdrawn',
      decided_at: this.rt.now().toISOString(),
      decided_by: userId,
      reason: comment ?? null,
      next_reminder_at: null,
      follow_up: this.rt.followUpFor(row),
      updated_at: this.rt.nextStamp(row.updated_at),
    };
    const ok = await this.rt.db.transaction().execute(async (trx) => {
      if (!(await repo.updateRequestIf(trx, id, row.updated_at, patch))) return false;
      await this.rt.history(trx, id, 'withdrawn', { userId, username, comment: comment ?? null, level: row.current_level });
      await this.rt.audit.record(trx, {
        actor: this.rt.actor(userId, username, meta),
        action: 'approvals.withdraw',
        resourceType: 'approval',
        resourceId: id,
        project: row.project,
      });
      return true;
    });
    if (!ok) return this.withdraw(id, userId, meta, comment);
    const approval = (await this.get(id))!;
    const voters = (await repo.votesOf(this.rt.db, id)).map((v) => v.user_id);
    await this.rt.afterCommit(id, {
      events: [{ type: 'decided' }],
      notices: [notice('approval.decided', approval, voters)],
      followUp: true,
    });
    return approval;
  }

  /** Re-schedule every pending request's next moment and every unfinished follow-up (at start). */
  async recover(): Promise<void> {
    for (const id of await repo.pendingIds(this.rt.db)) {
      const row = await repo.findRequest(this.rt.db, id);
      if (row) await this.rt.scheduleDue(row);
    }
    for (const id of await repo.followUpPendingIds(this.rt.db)) {
      const row = await repo.findRequest(this.rt.db, id);
      if (row) await this.rt.queueFollowUp({ ...row, follow_up: 'pending' });
    }
  }
}
