import type { Kysely } from 'kysely';
import type { AppContext } from '../../core/context.js';
import type { RequestMeta } from '../../core/http/principal.js';
import type { AuditActor, AuditService } from '../audit/index.js';
import type { NotifyService } from '../notify/index.js';
import { notifyApprovers, type ApprovalNotice } from './approvals-notify.js';
import * as repo from './approvals.repo.js';
import {
  DUE_JOB,
  FOLLOW_UP_JOB,
  TOPIC,
  type Approval,
  type ApprovalEventType,
  type ApprovalsTables,
  type HistoryAction,
  type RequestRow,
  type SubjectHandler,
} from './approvals.types.js';
import { toApproval } from './approvals.mappers.js';

/** Work to do once a transaction has committed: events, notifications, jobs. */
export interface AfterCommit {
  events: Array<{ type: ApprovalEventType; reminder?: number }>;
  notices: ApprovalNotice[];
  scheduleDue?: boolean;
  followUp?: boolean;
}

/**
 * What the request, decision, reminder and follow-up code share: the database, audit, the
 * registered subject handlers, and the side effects that must wait for a commit (SQLite has one
 * connection, so the job queue and notify cannot be called inside our transaction).
 */
export class ApprovalsRuntime {
  readonly handlers = new Map<string, SubjectHandler>();

  constructor(
    readonly ctx: AppContext,
    readonly audit: AuditService,
    private readonly notify: NotifyService,
  ) {}

  get db() {
    return this.ctx.db as Kysely<ApprovalsTables>;
  }

  now(): Date {
    return this.ctx.clock.now();
  }

  /** A strictly newer updated_at, so compare-and-set works even when the clock stands still (tests). */
  nextStamp(prev: string): string {
    const now = this.now().getTime();
    return new Date(Math.max(now, new Date(prev).getTime() + 1)).toISOString();
  }

  async approvals(rows: RequestRow[]): Promise<Approval[]> {
    const ids = rows.flatMap((r) => [r.requested_by, r.decided_by]).filter((x): x is number => x !== null);
    const names = await repo.usernames(this.db, ids);
    const map = new Map([...names].map(([id, u]) => [id, u.username]));
    return rows.map((r) => toApproval(r, map));
  }

  async approval(row: RequestRow): Promise<Approval> {
    return (await this.approvals([row]))[0];
  }

  history(
    trx: Kysely<ApprovalsTables>,
    id: number,
    action: HistoryAction,
    e: { userId?: number | null; username?: string | null; via?: string | null; comment?: string | null; level?: number | null } = {},
  ) {
    return repo.insertHistory(trx, {
      request_id: id,
      action,
      user_id: e.userId ?? null,
      username: e.username ?? null,
      via: e.via ?? null,
      comment: e.comment ?? null,
      level: e.level ?? null,
      at: this.now().toISOString(),
    });
  }

  actor(userId: number | null, username: string | null, meta?: RequestMeta): AuditActor {
    return { userId, username, ip: meta?.ip, userAgent: meta?.userAgent };
  }

  async afterCommit(id: number, work: AfterCommit): Promise<void> {
    const row = await repo.findRequest(this.db, id);
    if (!row) return;
    for (const e of work.events) {
      await this.ctx.events
        .publish(TOPIC, { id, type: e.type, status: row.status, ...(e.reminder ? { reminder: e.reminder } : {}) })
        .catch((err: unknown) => this.ctx.log.warn({ err }, 'could not publish an approvals event'));
    }
    const language = this.ctx.config.get().notify.language;
    for (const n of work.notices) await notifyApprovers(this.notify, n, { language, log: this.ctx.log });
    if (work.scheduleDue) await this.scheduleDue(row);
    if (work.followUp) await this.queueFollowUp(row);
  }

  /** One durable job per pending request, at its next reminder or its deadline, whichever is first. */
  async scheduleDue(row: RequestRow): Promise<void> {
    if (row.status !== 'pending') return;
    const times = [row.deadline_at, row.next_reminder_at].filter((x): x is string => !!x).map((t) => new Date(t).getTime());
    const runAt = new Date(Math.min(...times));
    try {
      await this.ctx.jobs.enqueue(DUE_JOB, { id: row.id, at: runAt.toISOString() }, { runAt, dedupeKey: `${DUE_JOB}:${row.id}` });
    } catch (err) {
      // start() re-schedules every pending request, so a lost enqueue is repaired at the next start.
      this.ctx.log.error({ err, id: row.id }, 'could not schedule the next reminder/deadline of an approval');
    }
  }

  async queueFollowUp(row: RequestRow): Promise<void> {
    if (row.follow_up !== 'pending') return;
    const handler = this.handlers.get(row.subject_type);
    let delay = 0;
    try {
      delay = Math.max(0, Number(handler?.delayMs?.(await this.approval(row)) ?? 0)) || 0;
    } catch {
      delay = 0;
    }
    const runAt = new Date(this.now().getTime() + delay);
    try {
      await this.ctx.jobs.enqueue(FOLLOW_UP_JOB, { id: row.id }, { runAt, dedupeKey: `${FOLLOW_UP_JOB}:${row.id}` });
    } catch (err) {
      this.ctx.log.error({ err, id: row.id }, 'could not queue the follow-up of an approval');
    }
  }

  /** 'pending' when a module registered a handler for the subject type, otherwise nothing follows. */
  followUpFor(row: Pick<RequestRow, 'subject_type'>): 'pending' | 'none' {
    return this.handlers.has(row.subject_type) ? 'pending' : 'none';
  }
}
