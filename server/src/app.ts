import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { systemClock, type Clock } from './core/clock.js';
import type { Config } from './core/config/config.schema.js';
import { ConfigStore } from './core/config/config.loader.js';
import type { AppContext } from './core/context.js';
import { SecretBox } from './core/crypto/secret-box.js';
import { loadMasterKey } from './core/crypto/master-key.js';
import { openDatabase, type Database } from './core/db/db.js';
import { migrateToLatest } from './core/db/migrator.js';
import { LocalEventBus, PgEventBus, type EventBus } from './core/events/event-bus.js';
import { registerErrorHandler } from './core/http/error-handler.js';
import { registerRouteGuard } from './core/http/route-guard.js';
import { lazySchemaCompilers } from './core/http/lazy-schema-compilers.js';
import { registerHealth } from './core/health.js';
import { CronScheduler } from './core/jobs/cron-scheduler.js';
import { createJobQueue } from './core/jobs/create-job-queue.js';
import { registerMetrics } from './core/metrics/metrics.js';
import { PermissionRegistry } from './core/permissions.js';
import { registerOpenApi } from './core/openapi.js';
import { registerWebApp } from './core/web-app.js';
import { migrations } from './migrations/index.js';
import { createAuditModule } from './modules/audit/index.js';
import { createNotifyModule } from './modules/notify/index.js';
import { createIdentityModule } from './modules/identity/index.js';
import { createAccessModule } from './modules/access/index.js';
import { createJenkinsModule } from './modules/jenkins/index.js';
import { createAutomationModule } from './modules/automation/index.js';
import { createApprovalsModule } from './modules/approvals/index.js';
import { LiveHub } from './core/live/live-hub.js';
import { RunStore } from './core/runs/run-store.js';
import { RunTopic } from './core/runs/run-topic.js';
import { createSystemJobs } from './system-jobs.js';

const here = dirname(fileURLToPath(import.meta.url));
const repoRoot = resolve(here, '..', '..');
const VERSION = (JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { version: string }).version;

export interface BuildOptions {
  config: Config;
  configStore?: ConfigStore;
  clock?: Clock;
  env?: NodeJS.ProcessEnv;
  logger?: FastifyServerOptions['logger'];
  /** Use an already-open database (tests share one per suite). */
  database?: Database;
  webDist?: string;
  /** Compile every route schema when the server gets ready (Fastify's default) instead of on each
   * route's first request; tests use it to prove that all schemas compile. */
  eagerSchemas?: boolean;
}

export interface Gatehouse {
  app: FastifyInstance;
  ctx: AppContext;
  modules: Awaited<ReturnType<typeof composeModules>>;
  /** Start the job runner, the cron ticker and config watching (main.ts; tests drive these by hand). */
  startBackground(): Promise<void>;
  close(): Promise<void>;
}

function composeModules(ctx: AppContext) {
  const audit = createAuditModule(ctx);
  // Audit is on notify's layer, so notify cannot import it: the service is handed in here.
  const notify = createNotifyModule(ctx, { audit: audit.service });
  const identity = createIdentityModule(ctx, { audit: audit.service, notify: notify.service });
  const access = createAccessModule(ctx, { audit: audit.service, identity: identity.service });
  const jenkins = createJenkinsModule(ctx, { audit: audit.service, access, hub: ctx.hub });
  const automation = createAutomationModule(ctx, { audit: audit.service, access, notify: notify.service });
  const approvals = createApprovalsModule(ctx, {
    audit: audit.service,
    access,
    identity: identity.service,
    notify: notify.service,
    jenkins,
  });
  return { audit, notify, identity, access, jenkins, automation, approvals };
}

/** Build the whole server without listening: config → database → modules → routes. */
export async function buildApp(opts: BuildOptions): Promise<Gatehouse> {
  const config = opts.config;
  const configStore = opts.configStore ?? new ConfigStore(config, opts.env ?? process.env);
  const clock = opts.clock ?? systemClock;
  const app = Fastify({
    logger: opts.logger ?? {
      level: config.logLevel,
      // The live-update socket may carry its token in the query string: never write it to the log.
      serializers: {
        req: (req: { method: string; url: string; ip?: string }) => ({
          method: req.method,
          url: req.url.replace(/([?&]token=)[^&]*/g, '$1***'),
          remoteAddress: req.ip,
        }),
      },
    },
    bodyLimit: config.bodyLimitBytes,
    trustProxy: true,
    ajv: { customOptions: { removeAdditional: false, coerceTypes: 'array', useDefaults: true, allErrors: true } },
    ...(opts.eagerSchemas ? {} : { schemaController: { compilersFactory: lazySchemaCompilers() } }),
  }).withTypeProvider<TypeBoxTypeProvider>();

  const database = opts.database ?? openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
  await migrateToLatest(database.db, migrations);

  let events: EventBus;
  if (database.dialect === 'postgres') {
    const bus = new PgEventBus(database.connectionString!, { db: database.db, log: app.log });
    await bus.start();
    events = bus;
  } else {
    events = new LocalEventBus();
  }
  const masterKey = loadMasterKey(config.secretKey, config.dataDir);
  const jobs = await createJobQueue(database, clock, app.log);
  const hub = new LiveHub();
  const runs = new RunStore(database.db, clock, events, () => configStore.get().runs.maxOutputBytesPerTarget);
  const runTopic = new RunTopic(runs, events);
  hub.register('run:', runTopic);
  const ctx: AppContext = {
    db: database.db,
    dialect: database.dialect,
    database,
    config: configStore,
    clock,
    jobs,
    scheduler: new CronScheduler(database.db, jobs, clock, app.log),
    events,
    secrets: new SecretBox(masterKey),
    masterKey,
    permissions: new PermissionRegistry(),
    log: app.log,
    dataDir: resolve(config.dataDir),
    runs,
    runTopic,
    hub,
  };

  const modules = composeModules(ctx);
  const systemJobs = createSystemJobs(ctx, modules);

  registerErrorHandler(app);
  registerRouteGuard(app, { authenticator: () => modules.identity.authenticator, authorizer: () => modules.access.authorizer });
  await registerOpenApi(app, VERSION);
  registerMetrics(app);
  registerHealth(app, {
    database,
    version: VERSION,
    startedAt: Date.now(),
    checks: [
      () => ({ name: 'jobs', ...jobs.health() }),
      () => ({ name: 'scheduler', ...ctx.scheduler.health() }),
      () => ({ name: 'events', ...events.health() }),
    ],
  });
  await hub.install(app, () => modules.identity.authenticator);
  for (const m of [
    modules.audit,
    modules.notify,
    modules.identity,
    modules.access,
    modules.jenkins,
    modules.automation,
    modules.approvals,
    systemJobs,
  ]) {
    if (m.routes) await app.register(m.routes);
  }
  await registerWebApp(app, opts.webDist ?? join(repoRoot, 'web', 'dist'));

  // Seed built-in roles, then the first admin (who is granted one of them).
  await modules.access.bootstrap();
  await modules.identity.bootstrap(opts.env ?? process.env);
  await modules.jenkins.bootstrap();
  await modules.automation.bootstrap();
  await modules.approvals.bootstrap();
  await systemJobs.schedule();

  let closed = false;
  return {
    app,
    ctx,
    modules,
    async startBackground() {
      // One process owns an SQLite database, so whatever it left running is over. (With PostgreSQL
      // another instance may still be running it.)
      if (database.dialect === 'sqlite') await runs.interruptLeftovers();
      await jobs.start();
      ctx.scheduler.start();
      await modules.jenkins.start();
      await modules.approvals.start();
      configStore.watch((r) => {
        if (!r.applied) app.log.error({ problems: r.problems }, 'config change rejected; keeping the last good config');
        else app.log.info({ needsRestart: r.needsRestart }, 'config reloaded');
      });
    },
    async close() {
      if (closed) return;
      closed = true;
      configStore.close();
      ctx.scheduler.stop();
      await jobs.stop();
      await runs.close();
      await app.close();
      await modules.approvals.close();
      await modules.jenkins.close();
      modules.automation.close();
      modules.notify.close();
      await events.close();
      if (!opts.database) await database.close();
    },
  };
}
