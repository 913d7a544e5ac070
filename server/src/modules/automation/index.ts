import type { FastifyPluginAsync } from 'fastify';
import type { AppContext } from '../../core/context.js';
import type { AccessModule } from '../access/index.js';
import type { AuditService } from '../audit/index.js';
import type { NotifyService } from '../notify/index.js';
import { runsRoutes } from './runs.routes.js';
import { TaskRunner } from './task-runner.js';
import { AutomationAccess } from './automation-access.js';
import { JumpHostsService } from './jump-hosts.service.js';
import { jumpHostsRoutes } from './jump-hosts.routes.js';
import { KeyPairService } from './key-pair.service.js';
import { ScriptsService } from './scripts.service.js';
import { scriptsRoutes } from './scripts.routes.js';
import { TargetConnect } from './target-connect.service.js';
import { TargetsService } from './targets.service.js';
import { targetsRoutes } from './targets.routes.js';
import { TasksService } from './tasks.service.js';
import { tasksRoutes } from './tasks.routes.js';

export { FIRE_JOB, scheduleName } from './task-schedule.js';
export type { Actor, TaskRow, TargetRow, JumpHostRow, Language } from './automation.types.js';
export type { Chain, Hop } from './ssh-link.js';

const perm = (code: string, description: string, descriptionZh: string) => ({
  code,
  module: 'automation',
  description,
  descriptionZh,
  scoped: true,
});

/** Scripts, targets, jump hosts and tasks for running scripts over SSH (DESIGN.md layer 4). */
export function createAutomationModule(ctx: AppContext, deps: { audit: AuditService; access: AccessModule; notify: NotifyService }) {
  ctx.permissions.declare(
    perm('automation.view', 'See scripts, targets, tasks and runs', '查看脚本、执行目标、任务与执行记录'),
    perm('automation.scripts.manage', 'Create, change and delete scripts', '管理脚本'),
    perm('automation.targets.manage', 'Manage targets and jump hosts, check connections, accept host keys', '管理执行目标与代理节点'),
    perm('automation.tasks.manage', 'Create, change, start, stop and delete tasks', '管理任务'),
    perm('automation.tasks.run', 'Run tasks now, cancel and re-run their runs', '执行任务'),
  );
  const access = new AutomationAccess(deps.access, deps.audit, ctx.db);
  const keys = new KeyPairService(ctx);
  const connect = new TargetConnect(ctx, deps.audit, keys);
  const scripts = new ScriptsService(ctx, deps.audit, access);
  const jumpHosts = new JumpHostsService(ctx, deps.audit, access);
  const targets = new TargetsService(ctx, deps.audit, access, connect);
  const tasks = new TasksService(ctx, deps.audit, access);
  const runner = new TaskRunner(ctx, deps.audit, deps.notify, { access, scripts, tasks, connect });

  const routes: FastifyPluginAsync = async (app) => {
    await app.register(scriptsRoutes({ scripts }));
    await app.register(targetsRoutes({ targets, keys }));
    await app.register(jumpHostsRoutes({ jumpHosts }));
    await app.register(tasksRoutes({ tasks }));
    await app.register(runsRoutes({ ctx, runner, scripts }));
  };

  return {
    service: { access, keys, connect, scripts, jumpHosts, targets, tasks, runner },
    close: () => runner.close(),
    routes,
    /** Generate Gatehouse's key pair on first start; bring every task's schedule in line with it. */
    async bootstrap() {
      await keys.ensure();
      await tasks.syncSchedules();
    },
  };
}
export type AutomationModule = ReturnType<typeof createAutomationModule>;
