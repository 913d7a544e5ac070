import type { Kysely } from 'kysely';
import type { AppContext } from '../../../core/context.js';
import type { RequestMeta } from '../../../core/http/principal.js';
import type { ApprovalWaiter } from './approval-waiter.js';
import { serverForName } from './jenkins-target.js';
import { outcomeOf } from './input-follow-up.js';
import type { Approval, Approvals, Servers } from './stage-deps.js';
import { StageShuttingDown } from './stage.errors.js';
import * as repo from './stage.repo.js';
import { factsOf, subjectIdOf } from './stage-ref.js';
import { SUBJECT_TYPE, type StageParams, type StageTables } from './stage.types.js';

/** The immediate answer (seed names and camelCase). */
export interface PendingAnswer {
  approval_id: number;
  approvalId: number;
  status: string;
  created: boolean;
  url: string;
  log_url: string;
}

/** The wait=true answer, like the seed's bot. */
export interface WaitAnswer {
  result: 'approved' | 'rejected' | 'timeout';
  approval_id: number;
  approvalId: number;
  status: string;
  outcome: 'proceed' | 'abort';
  approver: string | null;
  comment: string | null;
  waited_seconds: number;
}

/** Requests from pipelines: one approval per (server, job, build, input), answered at once or when decided. */
export class StageService {
  constructor(
    private readonly ctx: AppContext,
    private readonly approvals: Approvals,
    private readonly servers: Servers,
    private readonly waiter: ApprovalWaiter,
  ) {}

  private get db() {
    return this.ctx.db as Kysely<StageTables>;
  }

  /** Create the request, or find the one this run already asked for (created: false). */
  async request(userId: number, p: StageParams, meta?: RequestMeta): Promise<{ approval: Approval; created: boolean }> {
    const server = await serverForName(this.servers, p.server);
    const subjectId = subjectIdOf(server?.id ?? null, p);
    const { approval, created } = await this.approvals.request(
      {
        subject: { type: SUBJECT_TYPE, id: subjectId },
        project: p.project,
        environment: p.env,
        summary: summaryOf(p),
        description: p.desc ?? undefined,
        version: p.version ?? undefined,
        action: p.action ?? undefined,
        facts: factsOf(server, p),
        requestedBy: userId,
        timeoutMinutes: p.timeoutSeconds === null ? undefined : p.timeoutSeconds / 60,
        dedupeKey: `jenkins:${subjectId}`,
      },
      meta,
    );
    await repo.insertStageRequest(this.db, {
      approval_id: approval.id,
      server_id: server?.id ?? null,
      job: p.job,
      build: p.build,
      input_id: p.inputId,
      wait: p.wait ? 1 : 0,
      created_at: this.ctx.clock.now().toISOString(),
    });
    return { approval, created };
  }

  answer(a: Approval, created: boolean): PendingAnswer {
    const base = this.ctx.config.get().publicUrl.replace(/\/+$/, '');
    return {
      approval_id: a.id,
      approvalId: a.id,
      status: a.status,
      created,
      url: `${base}/approvals/${a.id}`,
      log_url: `${base}/logs/${a.id}`,
    };
  }

  /** When a wait begins: taken as the pipeline's call arrives, so `waited_seconds` counts all of it. */
  waitStart(): WaitStart {
    return { clock: this.ctx.clock.now().getTime(), real: Date.now() };
  }

  /** Hold until decided, timed out, or the longest allowed wait (approvals.maxWaitSeconds). */
  async waitFor(a: Approval, timeoutSeconds: number | null, begun: WaitStart, signal?: AbortSignal): Promise<WaitAnswer> {
    const { clock: started, real: startedReal } = begun;
    const capMs = this.ctx.config.get().approvals.maxWaitSeconds * 1000;
    // The core times the request out at its deadline; hold a little longer so its answer wins.
    const deadline = a.deadlineAt ? Date.parse(a.deadlineAt) - started + 2_000 : Infinity;
    const asked = timeoutSeconds !== null ? timeoutSeconds * 1000 + 2_000 : Infinity;
    const end = a.status === 'pending' ? await this.waiter.wait(a.id, Math.min(capMs, deadline, asked), signal) : null;
    if (end?.kind === 'closed') throw new StageShuttingDown();
    const final = end ? end.approval : a;
    const waitedMs = Math.max(this.ctx.clock.now().getTime() - started, Date.now() - startedReal);
    return waitAnswer(final, waitedMs);
  }
}

export interface WaitStart {
  clock: number;
  real: number;
}

function waitAnswer(a: Approval, waitedMs: number): WaitAnswer {
  const result = a.status === 'approved' ? 'approved' : a.status === 'pending' || a.status === 'timeout' ? 'timeout' : 'rejected';
  return {
    result,
    approval_id: a.id,
    approvalId: a.id,
    status: a.status,
    outcome: a.status === 'pending' ? 'abort' : outcomeOf(a),
    approver: a.decidedBy?.username ?? null,
    comment: a.comment ?? a.reason ?? null,
    waited_seconds: Math.round(waitedMs / 1000),
  };
}

function summaryOf(p: StageParams): string {
  const what = `${p.project}${p.version ? ` ${p.version}` : ''} → ${p.env}`;
  return p.action ? `${p.action}: ${what}` : what;
}
