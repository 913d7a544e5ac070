import type { FastifyPluginAsync } from 'fastify';
import type { AppContext } from '../../core/context.js';
import type { ApprovalsDeps, ModulePart } from './approvals.parts.js';
import { createApprovalsCore } from './approvals-core.js';
import { createJenkinsStage } from './stage/index.js';
import { createTelegramBot } from './telegram/index.js';

export type { ApprovalsDeps } from './approvals.parts.js';

/**
 * Approvals (DESIGN.md layer 5): policies, requests and decisions (core), the Jenkins stage that
 * pipelines call and whose input steps Gatehouse proceeds or aborts, and the Telegram bot.
 */
export function createApprovalsModule(ctx: AppContext, deps: ApprovalsDeps) {
  const core = createApprovalsCore(ctx, deps);
  const stage = createJenkinsStage(ctx, { ...deps, approvals: core.service });
  const telegram = createTelegramBot(ctx, { ...deps, approvals: core.service, stage: stage.service });
  const parts: ModulePart[] = [core, stage, telegram];
  const routes: FastifyPluginAsync = async (app) => {
    for (const p of parts) if (p.routes) await app.register(p.routes);
  };
  return {
    service: core.service,
    stage: stage.service,
    telegram: telegram.service,
    routes,
    async bootstrap() {
      for (const p of parts) await p.bootstrap?.();
    },
    async start() {
      for (const p of parts) await p.start?.();
    },
    async close() {
      for (const p of [...parts].reverse()) await p.close?.();
    },
  };
}
export type ApprovalsModule = ReturnType<typeof createApprovalsModule>;
