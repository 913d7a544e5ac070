import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { AppContext } from './core/context.js';
import { backupSqlite, listBackups, type BackupFile } from './core/db/backup.js';
import { requestMeta } from './core/http/request-meta.js';
import { requirePrincipal } from './core/http/route-guard.js';
import { AppError } from './core/http/errors.js';
import type { AuditModule } from './modules/audit/index.js';
import type { NotifyModule } from './modules/notify/index.js';

/**
 * Housekeeping that belongs to no single module: the daily SQLite backup and retention of
 * notifications and finished jobs. Module-specific jobs (password-expiry reminders, session
 * pruning) live in their modules.
 */
export function createSystemJobs(ctx: AppContext, modules: { audit: AuditModule; notify: NotifyModule }) {
  ctx.permissions.declare({
    code: 'system.backups.manage',
    module: 'system',
    description: 'List and run database backups',
    descriptionZh: '管理数据库备份',
    scoped: false,
  });

  const runBackup = async () => {
    if (ctx.dialect !== 'sqlite' || !ctx.database.sqlite) return null;
    return backupSqlite(ctx.database.sqlite, ctx.dataDir, ctx.clock.now(), ctx.config.get().backup.retention);
  };

  ctx.jobs.register(
    'system.backup',
    async () => {
      await runBackup();
    },
    { maxAttempts: 3 },
  );

  ctx.jobs.register(
    'system.retention',
    async () => {
      const r = ctx.config.get().retention;
      const day = 86_400_000;
      const now = ctx.clock.now().getTime();
      await modules.notify.service.pruneRead(new Date(now - r.notificationsDays * day));
      await ctx.jobs.pruneFinished(new Date(now - r.finishedJobsDays * day));
      await ctx.runs.pruneLogs(new Date(now - ctx.config.get().runs.logRetentionDays * day));
    },
    { maxAttempts: 3 },
  );

  const routes: FastifyPluginAsyncTypebox = async (app) => {
    const Backup = Type.Object({ name: Type.String(), bytes: Type.Integer(), createdAt: Type.String() });
    app.get(
      '/api/system/backups',
      {
        config: { permission: 'system.backups.manage' },
        schema: {
          tags: ['system'],
          summary: 'List SQLite backups, newest first',
          response: { 200: Type.Object({ items: Type.Array(Backup), dialect: Type.String() }) },
        },
      },
      async () => ({ items: listBackups(ctx.dataDir), dialect: ctx.dialect }),
    );
    app.post(
      '/api/system/backups',
      {
        config: { permission: 'system.backups.manage' },
        schema: {
          tags: ['system'],
          summary: 'Take a backup now (SQLite only; use pg_dump for PostgreSQL)',
          response: { 201: Backup },
        },
      },
      async (req, reply) => {
        const p = requirePrincipal(req);
        if (ctx.dialect !== 'sqlite')
          throw new AppError(
            'BACKUP_NOT_SUPPORTED',
            409,
            'Gatehouse backs up its embedded SQLite database only; back up PostgreSQL with pg_dump.',
          );
        const event = {
          actor: { userId: p.userId, username: p.username, ...requestMeta(req) },
          action: 'system.backup.create',
          resourceType: 'backup',
        };
        let file: BackupFile;
        try {
          file = (await runBackup())!;
        } catch (e) {
          const message = (e as Error).message;
          await modules.audit.service.record(ctx.db, { ...event, outcome: 'failure', details: { error: message } });
          throw new AppError('BACKUP_FAILED', 500, `The backup could not be written: ${message}`);
        }
        await modules.audit.service.record(ctx.db, { ...event, resourceId: file.name });
        return reply.status(201).send(file);
      },
    );
  };

  const schedule = async () => {
    const c = ctx.config.get();
    if (ctx.dialect === 'sqlite' && c.backup.enabled) {
      await ctx.scheduler.upsert({ name: 'system.backup', cron: c.backup.cron, timezone: c.backup.timezone, job: 'system.backup' });
    } else {
      await ctx.scheduler.remove('system.backup');
    }
    await ctx.scheduler.upsert({ name: 'system.retention', cron: c.retention.cron, timezone: c.timezone, job: 'system.retention' });
  };
  // backup.* and retention.* are hot-reloadable: a reloaded config moves the schedules at once.
  ctx.config.onChange((next, prev) => {
    if (JSON.stringify([next.backup, next.retention, next.timezone]) === JSON.stringify([prev.backup, prev.retention, prev.timezone]))
      return;
    schedule().catch((e: unknown) => ctx.log.error({ err: e }, 'could not apply the new backup/retention schedules'));
  });

  return { routes, schedule };
}
