import type { Kysely } from 'kysely';
import type { AppContext } from '../../../core/context.js';
import type { AuditActor, AuditService } from '../../audit/index.js';
import type { AccessModule } from '../../access/index.js';
import { scopeMatches } from '../../access/index.js';
import type { IdentityService } from '../../identity/index.js';
import type { NotifyService } from '../../notify/index.js';
import { logTail } from './log-tail.js';
import { jenkinsReason, serverForName, targetOf } from './jenkins-target.js';
import type { Approvals, Servers } from './stage-deps.js';
import { StageApprovalMismatch, StageNotFound } from './stage.errors.js';
import * as repo from './stage.repo.js';
import { buildUrlOf } from './stage-ref.js';
import type { BuildResultRow, StageTables } from './stage.types.js';

export const BUILD_RESULT_JOB = 'approvals.stage.build-result';
const FAILED = new Set(['FAILURE', 'FAILED']);

export interface BuildResultInput {
  project: string;
  env: string;
  job: string;
  build: number;
  result: string;
  durationMs: number | null;
  url: string | null;
  approvalId: number | null;
  logTail: string | null;
}

export interface BuildResultDeps {
  audit: AuditService;
  access: AccessModule;
  identity: IdentityService;
  approvals: Approvals;
  servers: Servers;
  notify: NotifyService;
}

/**
 * The seed's build callback: store the outcome (linked to its approval), then — in a job, so a slow
 * Jenkins never holds the pipeline's post step — fetch the log's tail on failure and notify the
 * approvers and the project's owners, plus `build.failing` when a job keeps failing.
 */
export class BuildResultService {
  constructor(
    private readonly ctx: AppContext,
    private readonly d: BuildResultDeps,
  ) {}

  private get db() {
    return this.ctx.db as Kysely<StageTables>;
  }

  async record(actor: AuditActor & { userId: number }, input: BuildResultInput) {
    const approvalId = await this.linkedApproval(input);
    const now = this.ctx.clock.now().toISOString();
    const row = {
      project: input.project,
      environment: input.env,
      job: input.job,
      build: input.build,
      result: input.result,
      duration_ms: input.durationMs,
      url: input.url,
      approval_id: approvalId,
      log_tail: input.logTail,
      reported_by: actor.userId,
    };
    const { id, created } = await this.db.transaction().execute(async (trx) => {
      const r = await repo.upsertBuildResult(trx, row, now);
      await this.d.audit.record(trx, {
        actor,
        action: 'approvals.build.result',
        resourceType: 'approvals-build-result',
        resourceId: r.id,
        project: input.project,
        details: { environment: input.env, job: input.job, build: input.build, result: input.result, approvalId },
      });
      return r;
    });
    await this.ctx.jobs.enqueue(BUILD_RESULT_JOB, { resultId: id }, { dedupeKey: `build-result:${id}` });
    return { id, created, approvalId, result: input.result };
  }

  /** approval_id when given (it must be of the same project/env); else the request this run made. */
  private async linkedApproval(input: BuildResultInput): Promise<number | null> {
    if (input.approvalId !== null) {
      const a = await this.d.approvals.get(input.approvalId);
      if (!a) throw new StageNotFound({ approvalId: input.approvalId });
      if (a.project !== input.project || a.environment !== input.env)
        throw new StageApprovalMismatch({ approvalId: a.id, project: a.project, environment: a.environment });
      return a.id;
    }
    return (await repo.latestStageRequestOf(this.db, input.job, input.build))?.approval_id ?? null;
  }

  latestFor(approvalId: number): Promise<BuildResultRow | undefined> {
    return this.db
      .selectFrom('approvals_build_results')
      .selectAll()
      .where('approval_id', '=', approvalId)
      .orderBy('updated_at', 'desc')
      .limit(1)
      .executeTakeFirst();
  }

  /** The job: notify once per stored result (idempotent through notified_at). */
  async notify(resultId: number): Promise<void> {
    const row = await repo.findBuildResult(this.db, resultId);
    if (!row || row.notified_at) return;
    const failed = FAILED.has(row.result);
    const tail = failed && !row.log_tail ? await this.fetchTail(row) : row.log_tail;
    if (tail !== row.log_tail) await repo.updateBuildResult(this.db, row.id, { log_tail: tail });
    const recipients = await this.recipients(row);
    const link = row.approval_id ? `/approvals/${row.approval_id}` : undefined;
    const vars = {
      project: row.project,
      environment: row.environment,
      env: row.environment,
      job: row.job,
      build: row.build,
      result: row.result,
      resultText: row.result,
      success: row.result === 'SUCCESS',
      branch: branchOf(row.job),
      duration: formatDuration(row.duration_ms),
      durationMs: row.duration_ms,
      url: row.url ?? (await this.buildUrl(row)),
      approvalId: row.approval_id,
      logTail: failed ? tail : null,
    };
    const scope = { project: row.project, environment: row.environment, link };
    await this.d.notify.publish(null, { event: 'build.result', recipients, severity: failed ? 'warning' : 'info', ...scope, vars });
    const failures = await this.failureStreak(row);
    if (failures !== null) {
      await this.d.notify.publish(null, {
        event: 'build.failing',
        recipients,
        severity: 'urgent',
        ...scope,
        vars: { ...vars, failures, count: failures },
      });
    }
    await repo.updateBuildResult(this.db, row.id, { notified_at: this.ctx.clock.now().toISOString() });
  }

  /** N (approvals.consecutiveFailures) failed results in a row, this one the N-th: notify once per streak. */
  private async failureStreak(row: BuildResultRow): Promise<number | null> {
    const n = this.ctx.config.get().approvals.consecutiveFailures;
    if (n <= 0 || !FAILED.has(row.result)) return null;
    const recent = await repo.recentResults(this.db, row.project, row.job, row.build, n + 1);
    let streak = 0;
    while (streak < recent.length && FAILED.has(recent[streak].result)) streak++;
    return streak === n ? n : null;
  }

  /** The run's Jenkins server: the one its request named, else the default. */
  private async serverIdOf(row: BuildResultRow): Promise<number | null> {
    const req = row.approval_id ? await repo.findStageRequest(this.db, row.approval_id) : undefined;
    return req ? req.server_id : ((await serverForName(this.d.servers, null))?.id ?? null);
  }

  private async buildUrl(row: BuildResultRow): Promise<string | null> {
    const id = await this.serverIdOf(row);
    const server = (await this.d.servers.list()).find((s) => s.id === id);
    return server ? buildUrlOf(server.url, row.job, row.build) : null;
  }

  private async fetchTail(row: BuildResultRow): Promise<string | null> {
    try {
      const t = await targetOf(this.d.servers, { serverId: await this.serverIdOf(row), job: row.job, build: row.build });
      return await logTail(await t.client.consoleText(t.path, row.build));
    } catch (e) {
      this.ctx.log.warn({ err: e, job: row.job, build: row.build }, 'could not fetch the log tail of a failed build');
      return `(log not available: ${jenkinsReason(e)})`;
    }
  }

  /** Every approver of the linked request and every user granted project-admin on the project. */
  private async recipients(row: BuildResultRow): Promise<number[]> {
    const ids = new Set<number>();
    if (row.approval_id) {
      const detail = await this.d.approvals.detail(row.approval_id);
      for (const level of detail?.levels ?? []) for (const u of level.approvers) ids.add(u.id);
    }
    const policy = this.d.access.service.policy;
    for (const userId of await this.d.identity.access().usersWithRole('project-admin')) {
      const grants = await policy.grantsOf(userId);
      if (grants.some((g) => g.role === 'project-admin' && scopeMatches(g, { project: row.project, environment: row.environment })))
        ids.add(userId);
    }
    return [...ids].sort((a, b) => a - b);
  }
}

/** A multibranch job's last item name is its branch (Jenkins encodes "/" as %2F). */
function branchOf(job: string): string {
  const last = job.split('/').pop() ?? job;
  try {
    return decodeURIComponent(last);
  } catch {
    return last;
  }
}

export function formatDuration(ms: number | null): string | null {
  if (ms === null) return null;
  const total = Math.round(ms / 1000);
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const sec = total % 60;
  return [h ? `${h}h` : '', m ? `${m}m` : '', `${sec}s`].filter(Boolean).join(' ');
}
