import type { FastifyPluginAsync } from 'fastify';
import type { AppContext } from '../../core/context.js';
import { Forbidden } from '../../core/http/errors.js';
import { RateLimiter } from '../../core/http/rate-limiter.js';
import type { LiveHub } from '../../core/live/live-hub.js';
import type { AccessModule } from '../access/index.js';
import type { AuditService } from '../audit/index.js';
import { BranchGrantsService } from './branch-grants.service.js';
import { BuildsService, TRACK_JOB } from './builds.service.js';
import { buildsRoutes } from './builds.routes.js';
import { CatalogService } from './catalog.service.js';
import { grantsRoutes } from './grants.routes.js';
import { LiveLogs, LOG_TOPIC } from './live-logs.js';
import { projectsRoutes } from './projects.routes.js';
import { ServersService } from './servers.service.js';
import { serversRoutes } from './servers.routes.js';
import { SyncService, SYNC_EVENT, SYNC_JOB } from './sync.service.js';

export { JenkinsClient, JenkinsError } from './client/index.js';
export type { JobPath } from './client/index.js';

const SCHEDULE = 'jenkins.sync';

function syncCron(minutes: number): string {
  if (minutes < 60) return `*/${minutes} * * * *`;
  return `0 */${Math.min(23, Math.round(minutes / 60))} * * *`;
}

/** Jenkins: servers, sync, branch-level access, builds, live logs (DESIGN.md layer 4). */
export function createJenkinsModule(ctx: AppContext, deps: { audit: AuditService; access: AccessModule; hub: LiveHub }) {
  ctx.permissions.declare(
    {
      code: 'jenkins.view',
      module: 'jenkins',
      description: 'See projects, branches, builds and logs',
      descriptionZh: '查看项目与分支',
      scoped: true,
    },
    { code: 'jenkins.build', module: 'jenkins', description: 'Start and stop builds', descriptionZh: '触发与停止构建', scoped: true },
    {
      code: 'jenkins.manage',
      module: 'jenkins',
      description: 'Manage Jenkins servers and sync',
      descriptionZh: '管理 Jenkins 服务器与同步',
      scoped: false,
    },
  );
  const policy = deps.access.service.policy;
  const servers = new ServersService(ctx, deps.audit);
  const catalog = new CatalogService(ctx, deps.audit, (u) => policy.grantsOf(u));
  const sync = new SyncService(ctx, deps.audit, servers);
  const limiter = new RateLimiter(() => ctx.config.get().jenkins.rateLimitPerMinute);
  const builds = new BuildsService(ctx, deps.audit, servers, catalog, limiter);
  const grants = new BranchGrantsService(ctx, deps.audit, deps.access.service.grants, catalog);
  const logs = new LiveLogs(builds, () => ctx.config.get().jenkins.logPollMs);

  ctx.jobs.register<{ syncId?: number }>(
    SYNC_JOB,
    async (p) => {
      if (p.syncId) return sync.run(p.syncId);
      // A cron fire: start a sync unless there is no server yet (nothing to do, not an error).
      if ((await servers.list()).length) await sync.request(null, 'schedule');
    },
    { maxAttempts: 1, timeoutMs: 30 * 60_000 },
  );
  ctx.jobs.register<{ buildId: number }>(TRACK_JOB, (p) => builds.track(p.buildId), { maxAttempts: 3 });

  deps.hub.register(LOG_TOPIC, logs);
  deps.hub.register('sync', {
    async subscribe(sub, topic) {
      if (!(await policy.can(sub.principal.userId, 'jenkins.manage'))) throw new Forbidden({ permission: 'jenkins.manage' });
      const push = async (id: number) => sub.send(topic, { type: 'sync', ...(await sync.status(id)) });
      const latest = await sync.latestOrNull();
      if (latest) sub.send(topic, { type: 'sync', ...latest });
      return ctx.events.subscribe(SYNC_EVENT, (e) => void push(Number(e.id)).catch(() => undefined));
    },
  });

  const schedule = async () => {
    const minutes = ctx.config.get().jenkins.syncIntervalMinutes;
    if (minutes > 0) await ctx.scheduler.upsert({ name: SCHEDULE, cron: syncCron(minutes), timezone: 'UTC', job: SYNC_JOB, payload: {} });
    else await ctx.scheduler.remove(SCHEDULE);
  };
  ctx.config.onChange((next, prev) => {
    if (JSON.stringify(next.jenkins) === JSON.stringify(prev.jenkins)) return;
    Promise.all([servers.bootstrap(), schedule()]).catch((e: unknown) =>
      ctx.log.error({ err: e }, 'could not apply the new Jenkins settings'),
    );
  });

  const routes: FastifyPluginAsync = async (app) => {
    await app.register(serversRoutes({ servers, sync, grants }));
    await app.register(projectsRoutes({ catalog, builds, sync }));
    await app.register(buildsRoutes({ builds }));
    await app.register(grantsRoutes({ grants, authorizer: deps.access.authorizer }));
  };

  return {
    service: { servers, catalog, sync, builds, grants, logs },
    routes,
    async bootstrap() {
      await servers.bootstrap();
      await schedule();
    },
    /** At start: a Jenkins that was never synced is synced at once, not at the next schedule tick. */
    async start() {
      try {
        if ((await servers.list()).length && !(await sync.latestOrNull())) await sync.request(null, 'schedule');
      } catch (e) {
        ctx.log.warn({ err: e }, 'could not start the first Jenkins sync; the schedule will try again');
      }
    },
    async close() {
      logs.close();
      await servers.close();
    },
  };
}
export type JenkinsModule = ReturnType<typeof createJenkinsModule>;
