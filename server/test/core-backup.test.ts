import { afterAll, beforeAll, expect, it } from 'vitest';
import { copyFileSync, existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import SQLite from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';
import { buildApp } from '../src/app.js';
import { ManualClock } from '../src/core/clock.js';
import { ConfigStore, loadConfig, parseConfig } from '../src/core/config/config.loader.js';
import { backupDir, backupSqlite, listBackups } from '../src/core/db/backup.js';
import { AuditService } from '../src/modules/audit/index.js';
import { createTestApp, describeDb, type TestApp } from './test-app.js';
import { createTestDatabase, TEST_DIALECT } from './test-db.js';
import { describeOn, waitFor } from './core-helpers.js';

const DAY = 86_400_000;

/** Open a backup file the way an operator inspecting it would: read-only, plain better-sqlite3. */
function openBackup(file: string) {
  const handle = new SQLite(file, { readonly: true, fileMustExist: true });
  const db = new Kysely<any>({ dialect: new SqliteDialect({ database: handle }) });
  return { handle, db, close: () => db.destroy() };
}

describeOn('sqlite')('SQLite backups', () => {
  let t: TestApp;
  const clock = new ManualClock('2030-01-01T00:00:00Z');

  beforeAll(async () => {
    t = await createTestApp({ clock });
  });
  afterAll(async () => t?.close());

  const record = (db: Parameters<AuditService['record']>[0], action: string, i: number) =>
    t.gh.modules.audit.service.record(db, { actor: { username: 'writer' }, action, resourceId: i, details: { pad: 'x'.repeat(400) } });

  it('is scheduled daily on SQLite', async () => {
    expect(await t.gh.ctx.scheduler.status('system.backup')).toMatchObject({ enabled: true, nextRunAt: '2030-01-01T03:00:00.000Z' });
  });

  it('writes a consistent copy while writes go on', async () => {
    await t.gh.ctx.db.transaction().execute(async (trx) => {
      for (let i = 0; i < 4000; i++) await record(trx, 'test.fill', i);
    });
    let writes = 0;
    let finished = false;
    const backup = t.gh.ctx.jobs
      .enqueue('system.backup')
      .then(() => t.gh.ctx.jobs.drain())
      .finally(() => (finished = true));
    while (!finished) {
      await record(t.gh.ctx.db, 'test.during', writes++);
      await new Promise((r) => setImmediate(r));
    }
    expect(await backup).toBe(1);
    expect(writes).toBeGreaterThan(1); // the backup really ran alongside writes

    const [file] = listBackups(t.gh.ctx.dataDir);
    const b = openBackup(join(backupDir(t.gh.ctx.dataDir), file.name));
    try {
      expect(b.handle.pragma('integrity_check', { simple: true })).toBe('ok');
      const verdict = await new AuditService(b.db, 'sqlite', clock).verify();
      expect(verdict.ok).toBe(true);
      expect(verdict.checked).toBeGreaterThanOrEqual(4000);
      const live = await t.gh.modules.audit.service.verify();
      expect(verdict.checked).toBeLessThanOrEqual(live.checked);
    } finally {
      await b.close();
    }
  });

  it('restores: an app built on a data directory holding the backup finds the rows', async () => {
    const [file] = listBackups(t.gh.ctx.dataDir);
    const restoredDir = mkdtempSync(join(tmpdir(), 'gatehouse-restore-'));
    try {
      copyFileSync(join(backupDir(t.gh.ctx.dataDir), file.name), join(restoredDir, 'gatehouse.db'));
      copyFileSync(join(t.gh.ctx.dataDir, 'secret.key'), join(restoredDir, 'secret.key'));
      const restored = await buildApp({ config: parseConfig({ dataDir: restoredDir, logLevel: 'silent' }), clock, logger: false, env: {} });
      try {
        const fill = await restored.modules.audit.service.list({ action: 'test.fill' }, 1, 0);
        expect(fill.total).toBe(4000);
        expect((await restored.modules.audit.service.verify()).ok).toBe(true);
        // Secrets sealed before the backup open after the restore (the key travelled with it).
        expect(restored.ctx.secrets.open(t.gh.ctx.secrets.seal('smtp-password'))).toBe('smtp-password');
      } finally {
        await restored.close();
      }
    } finally {
      rmSync(restoredDir, { recursive: true, force: true });
    }
  });

  it('keeps exactly backup.retention (30) daily backups, newest first', async () => {
    rmSync(backupDir(t.gh.ctx.dataDir), { recursive: true, force: true });
    // A fresh, small database, so 35 copies stay small.
    const small = await createTestApp({ clock: new ManualClock('2030-01-01T00:00:00Z') });
    try {
      const c = small.clock as ManualClock;
      for (let day = 0; day < 35; day++) {
        c.set(new Date(Date.parse('2030-01-01T03:00:00Z') + day * DAY));
        expect(await small.gh.ctx.scheduler.tick()).toBeGreaterThanOrEqual(1);
        await small.gh.ctx.jobs.drain();
      }
      const kept = listBackups(small.gh.ctx.dataDir);
      expect(kept).toHaveLength(30);
      expect(kept[0]).toMatchObject({ name: 'gatehouse-20300204-030000.db', createdAt: '2030-02-04T03:00:00.000Z' });
      expect(kept[29].name).toBe('gatehouse-20300106-030000.db');
      expect(readdirSync(backupDir(small.gh.ctx.dataDir)).filter((n) => n.endsWith('.partial'))).toEqual([]);
    } finally {
      await small.close();
    }
  });

  it('two backups in the same second do not overwrite each other', async () => {
    const now = new Date('2030-03-01T12:00:00Z');
    const a = await backupSqlite(t.gh.ctx.database.sqlite!, t.gh.ctx.dataDir, now, 30);
    const b = await backupSqlite(t.gh.ctx.database.sqlite!, t.gh.ctx.dataDir, now, 30);
    expect([a.name, b.name]).toEqual(['gatehouse-20300301-120000.db', 'gatehouse-20300301-120000-2.db']);
    expect(
      listBackups(t.gh.ctx.dataDir)
        .slice(0, 2)
        .map((f) => f.name),
    ).toEqual([b.name, a.name]);
  });

  it('the backup API asks for a token', async () => {
    expect((await t.inject({ method: 'GET', url: '/api/system/backups' })).statusCode).toBe(401);
    expect((await t.inject({ method: 'POST', url: '/api/system/backups', payload: {} })).statusCode).toBe(401);
  });
});

describeOn('postgres')('backups on PostgreSQL', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(async () => t?.close());

  it('are not scheduled, and the job writes nothing (pg_dump is the tool)', async () => {
    expect(await t.gh.ctx.scheduler.status('system.backup')).toBeNull();
    await t.gh.ctx.jobs.enqueue('system.backup');
    expect(await t.gh.ctx.jobs.drain()).toBe(1);
    expect(existsSync(backupDir(t.gh.ctx.dataDir))).toBe(false);
  });
});

describeDb(`backup and retention schedules follow a config reload (${TEST_DIALECT})`, () => {
  it('moves, adds and removes the schedules when the file changes', async () => {
    const tdb = await createTestDatabase();
    const file = join(tdb.dataDir, 'gatehouse.json');
    const write = (c: object) =>
      writeFileSync(file, JSON.stringify({ dataDir: tdb.dataDir, databaseUrl: tdb.databaseUrl, logLevel: 'silent', ...c }));
    write({});
    const env = { GATEHOUSE_CONFIG: file };
    const store = new ConfigStore(loadConfig(env), env);
    const gh = await buildApp({
      config: store.get(),
      configStore: store,
      clock: new ManualClock('2030-01-01T00:00:00Z'),
      logger: false,
      env: {},
    });
    try {
      const next = async (name: string) => (await gh.ctx.scheduler.status(name))?.nextRunAt ?? null;
      expect(await next('system.retention')).toBe('2030-01-01T03:30:00.000Z');
      write({ timezone: 'Asia/Shanghai', retention: { cron: '0 4 * * *' }, backup: { cron: '15 2 * * *' } });
      expect(store.reload()).toEqual({ applied: true, needsRestart: [] });
      await waitFor(async () => (await next('system.retention')) === '2030-01-01T20:00:00.000Z', 5000, 'retention to move');
      if (TEST_DIALECT === 'sqlite') {
        await waitFor(async () => (await next('system.backup')) === '2030-01-01T02:15:00.000Z', 5000, 'backup to move');
        write({ backup: { enabled: false } });
        store.reload();
        await waitFor(async () => (await gh.ctx.scheduler.status('system.backup')) === null, 5000, 'backup to be unscheduled');
      } else {
        expect(await gh.ctx.scheduler.status('system.backup')).toBeNull();
      }
    } finally {
      await gh.close();
      await tdb.drop();
    }
  });
});
