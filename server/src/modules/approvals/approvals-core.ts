import type { FastifyPluginAsync } from 'fastify';
import type { AppContext } from '../../core/context.js';
import { Forbidden } from '../../core/http/errors.js';
import type { ApprovalsDeps, ModulePart } from './approvals.parts.js';
import { ApprovalsRuntime } from './approvals-runtime.js';
import { ApprovalsService } from './approvals.service.js';
import { DUE_JOB, FOLLOW_UP_JOB, TOPIC } from './approvals.types.js';
import { canSee, VIEW } from './approvals-visibility.js';
import { approvalsRoutes } from './approvals.routes.js';
import { FOLLOW_UP_ATTEMPTS, runFollowUp } from './follow-up.js';
import { PoliciesService } from './policies.service.js';
import { policiesRoutes } from './policies.routes.js';
import { runDue } from './reminders.js';

export { ApprovalsService } from './approvals.service.js';
export type {
  Approval,
  ApprovalDetail,
  ApprovalStatus,
  DecideInput,
  ListFilter,
  Policy,
  PolicyInput,
  RequestInput,
  SubjectHandler,
} from './approvals.types.js';
export { TOPIC as APPROVALS_TOPIC } from './approvals.types.js';

const perm = (code: string, description: string, descriptionZh: string, scoped: boolean) => ({
  code,
  module: 'approvals',
  description,
  descriptionZh,
  scoped,
});

/** Forward `approvals` events over the LiveHub to signed-in users who may see the request. */
function registerLiveTopic(ctx: AppContext, deps: ApprovalsDeps, service: ApprovalsService): void {
  ctx.hub.register(TOPIC, {
    async subscribe(sub, topic) {
      const { userId, scopes } = sub.principal;
      const grants = await deps.access.service.policy.grantsFor(userId, VIEW);
      // Approvers and requesters without approvals.view still hear about their own requests.
      if (!grants.length && !(await service.listFor({ userId, scopes }, { page: 1, pageSize: 1 })).total) {
        throw new Forbidden({ permission: VIEW });
      }
      // Checks are async; chaining them keeps the frames in the order the events happened.
      let chain = Promise.resolve();
      const stop = ctx.events.subscribe(TOPIC, (e) => {
        chain = chain
          .then(async () => {
            const row = await service.row(Number(e.id));
            if (row && (await canSee(deps.access, ctx.db, { userId, scopes }, row))) sub.send(topic, { ...e });
          })
          .catch(() => undefined);
      });
      // Tells the client the subscription is live, so it can refetch what it shows once.
      sub.send(topic, { type: 'subscribed' });
      return stop;
    },
  });
}

/** Approvals core: policies, requests, votes, reminders, timeouts and follow-ups (DESIGN.md layer 5). */
export function createApprovalsCore(ctx: AppContext, deps: ApprovalsDeps): ModulePart & { service: ApprovalsService } {
  ctx.permissions.declare(
    perm('approvals.view', 'See approval requests and their history', '查看审批', true),
    perm('approvals.request', 'Ask for approvals (Jenkins stage, API)', '发起审批', true),
    perm('approvals.policies.manage', 'Create, change, import and delete approval policies', '管理审批策略', false),
  );
  const rt = new ApprovalsRuntime(ctx, deps.audit, deps.notify);
  const policies = new PoliciesService(ctx, deps.audit);
  const service = new ApprovalsService(rt, policies, deps.access);

  ctx.jobs.register<{ id: number }>(DUE_JOB, (p) => runDue(rt, Number(p.id)), { maxAttempts: 5 });
  ctx.jobs.register<{ id: number }>(FOLLOW_UP_JOB, (p, job) => runFollowUp(rt, Number(p.id), job.attempt), {
    maxAttempts: FOLLOW_UP_ATTEMPTS,
  });
  registerLiveTopic(ctx, deps, service);

  const routes: FastifyPluginAsync = async (app) => {
    await app.register(policiesRoutes({ policies, ctx, audit: deps.audit }));
    await app.register(approvalsRoutes({ service, access: deps.access, db: ctx.db }));
  };

  return {
    service,
    routes,
    /** Jobs lost between a commit and their enqueue (a crash) are put back when the background starts. */
    async start() {
      try {
        await service.recover();
      } catch (e) {
        ctx.log.error({ err: e }, 'could not re-schedule pending approvals');
      }
    },
  };
}
