import type { FastifyPluginAsync } from 'fastify';
import type { AppContext } from '../../../core/context.js';
import type { ApprovalsService } from '../approvals-core.js';
import type { ApprovalsDeps, ModulePart } from '../approvals.parts.js';
import { ApprovalWaiter } from './approval-waiter.js';
import { BUILD_RESULT_JOB, BuildResultService } from './build-result.service.js';
import { createInputFollowUp } from './input-follow-up.js';
import { stageRoutes } from './stage.routes.js';
import { StageService } from './stage.service.js';
import { SUBJECT_TYPE } from './stage.types.js';
import { statusRoutes } from './status.routes.js';
import { StatusService, type HealthProbe, type JenkinsServerStatus } from './status.service.js';

export { PermanentFollowUpError } from './jenkins-target.js';
export type { JenkinsServerStatus, HealthProbe } from './status.service.js';

/**
 * The Jenkins stage: what pipelines call (/api/stage/approval/wait, /api/build/result), the
 * `jenkins-input` follow-up that proceeds or aborts their input steps, and the status views.
 */
export class JenkinsStage {
  constructor(
    private readonly status: StatusService,
    private readonly results: BuildResultService,
    private readonly waiter: ApprovalWaiter,
  ) {}

  /** Every Jenkins server: reachable, version, and what went wrong (for /jenkins and /api/status). */
  jenkinsStatus(): Promise<JenkinsServerStatus[]> {
    return this.status.jenkinsStatus();
  }

  /** The Telegram bot (created after the stage) reports its health for /api/status here. */
  registerHealth(name: string, probe: HealthProbe): void {
    this.status.registerHealth(name, probe);
  }

  /** The last build result a pipeline reported for an approval, or undefined. */
  buildResultOf(approvalId: number) {
    return this.results.latestFor(approvalId);
  }

  /** Pipelines currently held open by wait=true. */
  waitingPipelines(): number {
    return this.waiter.count();
  }
}

export function createJenkinsStage(
  ctx: AppContext,
  deps: ApprovalsDeps & { approvals: ApprovalsService },
): ModulePart & { service: JenkinsStage } {
  const servers = deps.jenkins.service.servers;
  const waiter = new ApprovalWaiter(ctx, deps.approvals);
  const stage = new StageService(ctx, deps.approvals, servers, waiter);
  const results = new BuildResultService(ctx, {
    audit: deps.audit,
    access: deps.access,
    identity: deps.identity,
    approvals: deps.approvals,
    servers,
    notify: deps.notify,
  });
  const status = new StatusService(ctx, deps.approvals, servers, deps.access);

  deps.approvals.registerSubjectHandler(SUBJECT_TYPE, createInputFollowUp({ servers, audit: deps.audit, db: ctx.db }));
  ctx.jobs.register<{ resultId: number }>(BUILD_RESULT_JOB, (p) => results.notify(p.resultId), { maxAttempts: 3 });

  const routes: FastifyPluginAsync = async (app) => {
    // Held wait=true requests would keep app.close() waiting (up to maxWaitSeconds): answer them first.
    app.addHook('preClose', async () => waiter.close());
    await app.register(stageRoutes({ stage, results }));
    await app.register(statusRoutes({ status, results }));
  };
  return {
    service: new JenkinsStage(status, results, waiter),
    routes,
    async close() {
      waiter.close();
    },
  };
}
