import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { join, resolve } from 'node:path';
import { sql } from 'kysely';
import { parse } from 'csv-parse/sync';
import { ManualClock } from '../src/core/clock.js';
import { openDatabase } from '../src/core/db/db.js';
import { AuditService, type AuditInput } from '../src/modules/audit/index.js';
import { createTestApp, describeDb, type TestApp } from './test-app.js';
import { TEST_DIALECT } from './test-db.js';

const repoRoot = resolve(import.meta.dirname, '..', '..');

const event = (action: string, extra: Partial<AuditInput> = {}): AuditInput => ({
  actor: { userId: 7, username: 'alice', ip: '10.0.0.1', userAgent: 'vitest' },
  action,
  ...extra,
});

/** Run `npm run audit:verify` against the test database: same env variables as main.ts. */
function auditVerify(t: TestApp, args: string[] = []): Promise<{ code: number | null; out: string; err: string }> {
  const child = spawn(process.execPath, [join(repoRoot, 'node_modules/tsx/dist/cli.mjs'), 'server/src/cli/audit-verify.ts', ...args], {
    cwd: repoRoot,
    env: { PATH: process.env.PATH ?? '', GATEHOUSE_DATA_DIR: t.db.dataDir, DATABASE_URL: t.db.databaseUrl },
  });
  let out = '';
  let err = '';
  child.stdout.on('data', (b: Buffer) => (out += b.toString()));
  child.stderr.on('data', (b: Buffer) => (err += b.toString()));
  return new Promise((r) => child.on('exit', (code) => r({ code, out, err })));
}

describeDb(`audit trail (${TEST_DIALECT})`, () => {
  let t: TestApp;
  let audit: AuditService;

  beforeAll(async () => {
    t = await createTestApp({ clock: new ManualClock('2030-01-01T00:00:00Z') });
    audit = t.gh.modules.audit.service;
  });
  afterAll(async () => t?.close());

  it('an event recorded in a rolled-back transaction leaves no trace, and the chain stays whole', async () => {
    await audit.record(t.gh.ctx.db, event('test.before'));
    await expect(
      t.gh.ctx.db.transaction().execute(async (trx) => {
        await audit.record(trx, event('test.rolled-back'));
        throw new Error('the change failed');
      }),
    ).rejects.toThrow('the change failed');
    await audit.record(t.gh.ctx.db, event('test.after'));
    expect((await audit.list({ action: 'test.rolled-back' }, 10, 0)).total).toBe(0);
    const [after, before] = (await audit.list({ action: 'test.*' }, 2, 0)).items;
    expect([before.action, after.action]).toEqual(['test.before', 'test.after']);
    const rows = await t.gh.ctx.db
      .selectFrom('audit_events')
      .select(['id', 'hash', 'prev_hash'])
      .where('id', 'in', [before.id, after.id])
      .orderBy('id')
      .execute();
    expect(rows[1].prev_hash).toBe(rows[0].hash);
    expect(await audit.verify()).toMatchObject({ ok: true });
  });

  it('refuses UPDATE and DELETE at the database level', async () => {
    await audit.record(t.gh.ctx.db, event('test.immutable'));
    await expect(sql`update audit_events set action = 'test.changed' where action = 'test.immutable'`.execute(t.gh.ctx.db)).rejects.toThrow(
      /append-only/,
    );
    await expect(sql`delete from audit_events where action = 'test.immutable'`.execute(t.gh.ctx.db)).rejects.toThrow(/append-only/);
    expect((await audit.list({ action: 'test.immutable' }, 10, 0)).total).toBe(1);
  });

  it('masks secrets in details, however deep', async () => {
    const id = await audit.record(
      t.gh.ctx.db,
      event('test.masked', {
        details: {
          username: 'bob',
          password: 'Hunter2!',
          nested: { apiToken: 'ghp_abc', apiKey: 'k-123', list: [{ clientSecret: 's3cr3t', ok: 1 }] },
          otp: '123456',
          Authorization: 'Bearer xyz',
        },
      }),
    );
    const row = await t.gh.ctx.db.selectFrom('audit_events').select('details').where('id', '=', id).executeTakeFirstOrThrow();
    for (const secret of ['Hunter2!', 'ghp_abc', 'k-123', 's3cr3t', '123456', 'Bearer xyz']) expect(row.details).not.toContain(secret);
    expect(JSON.parse(row.details as string)).toEqual({
      username: 'bob',
      password: '***',
      nested: { apiToken: '***', apiKey: '***', list: [{ clientSecret: '***', ok: 1 }] },
      otp: '***',
      Authorization: '***',
    });
  });

  it('exports CSV with spreadsheet formulas defused', async () => {
    await audit.record(
      t.gh.ctx.db,
      event('test.csv', {
        resourceType: 'user',
        resourceId: '=HYPERLINK("http://evil.example","x")',
        project: '+cmd|calc',
        details: { note: '@SUM(A1)' },
      }),
    );
    await audit.record(t.gh.ctx.db, { actor: { username: '-2+3', userAgent: '\tTAB' }, action: 'test.csv' });
    const csv = await audit.exportCsv({ action: 'test.csv' });
    const [head, ...rows] = parse(csv) as string[][];
    expect(head).toEqual([
      'id',
      'created_at',
      'username',
      'user_id',
      'action',
      'outcome',
      'resource_type',
      'resource_id',
      'project',
      'ip_address',
      'user_agent',
      'details',
    ]);
    const cells = rows.flat();
    expect(cells).toContain('\'=HYPERLINK("http://evil.example","x")');
    expect(cells).toContain("'+cmd|calc");
    expect(cells).toContain("'-2+3");
    expect(cells).toContain("'\tTAB");
    for (const c of cells) expect(c).not.toMatch(/^[=+\-@\t\r]/);
  });

  it('keeps one linear chain under 50 concurrent writers (two instances on PostgreSQL)', async () => {
    // On PostgreSQL a second pool plays a second Gatehouse instance; SQLite mode is one process.
    const other = TEST_DIALECT === 'postgres' ? openDatabase({ databaseUrl: t.db.databaseUrl, dataDir: t.db.dataDir }) : t.gh.ctx.database;
    try {
      const second = new AuditService(other.db, other.dialect, t.clock);
      const before = (await audit.verify()).checked;
      await Promise.all(
        Array.from({ length: 50 }, (_, i) =>
          i % 2
            ? audit.record(t.gh.ctx.db, event('test.concurrent', { resourceId: i }))
            : second.record(other.db, event('test.concurrent', { resourceId: i })),
        ),
      );
      expect(await audit.verify()).toEqual({ ok: true, checked: before + 50 });
      const rows = await t.gh.ctx.db.selectFrom('audit_events').select(['hash', 'prev_hash']).orderBy('id').execute();
      for (let i = 1; i < rows.length; i++) expect(rows[i].prev_hash).toBe(rows[i - 1].hash);
      expect((await audit.list({ action: 'test.concurrent' }, 100, 0)).total).toBe(50);
    } finally {
      if (other !== t.gh.ctx.database) await other.close();
    }
  });

  it('audit:verify prints the result and exits 0 on an intact chain', async () => {
    const r = await auditVerify(t);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^Audit chain intact: \d+ events checked\.\n$/);
    const j = await auditVerify(t, ['--json']);
    expect(JSON.parse(j.out)).toMatchObject({ ok: true });
  }, 30_000);

  describe('tampering', () => {
    // Last in the file: it disables the append-only trigger, as an attacker with database access could.
    it('is detected: a changed row breaks the chain at that row, and audit:verify exits 1', async () => {
      const target = (await audit.list({ action: 'test.concurrent' }, 1, 0)).items[0];
      if (TEST_DIALECT === 'postgres') {
        await sql`alter table audit_events disable trigger audit_events_no_update`.execute(t.gh.ctx.db);
      } else {
        await sql`drop trigger audit_events_no_update`.execute(t.gh.ctx.db);
      }
      await sql`update audit_events set username = 'mallory' where id = ${target.id}`.execute(t.gh.ctx.db);
      expect(await audit.verify()).toMatchObject({ ok: false, brokenAt: target.id, reason: 'the row was changed after it was written' });

      const r = await auditVerify(t);
      expect(r.code).toBe(1);
      expect(r.out).toContain(`Audit chain BROKEN at event #${target.id}: the row was changed after it was written.`);
    }, 30_000);

    it('is detected: a deleted row breaks the chain at the row after it', async () => {
      const t2 = await createTestApp();
      try {
        const a2 = t2.gh.modules.audit.service;
        const ids: number[] = [];
        for (let i = 0; i < 5; i++) ids.push(await a2.record(t2.gh.ctx.db, event('test.chain', { resourceId: i })));
        expect(await a2.verify()).toMatchObject({ ok: true });
        if (TEST_DIALECT === 'postgres') await sql`alter table audit_events disable trigger audit_events_no_update`.execute(t2.gh.ctx.db);
        else await sql`drop trigger audit_events_no_delete`.execute(t2.gh.ctx.db);
        await sql`delete from audit_events where id = ${ids[2]}`.execute(t2.gh.ctx.db);
        expect(await a2.verify()).toMatchObject({
          ok: false,
          brokenAt: ids[3],
          reason: 'previous hash does not match (a row was removed or reordered)',
        });
      } finally {
        await t2.close();
      }
    });
  });

  it('audit:verify exits 2 when there is nothing to check', async () => {
    const child = spawn(process.execPath, [join(repoRoot, 'node_modules/tsx/dist/cli.mjs'), 'server/src/cli/audit-verify.ts'], {
      cwd: repoRoot,
      env: { PATH: process.env.PATH ?? '', GATEHOUSE_DATA_DIR: join(t.db.dataDir, 'nowhere') },
    });
    let err = '';
    child.stderr.on('data', (b: Buffer) => (err += b.toString()));
    expect(await new Promise((r) => child.on('exit', r))).toBe(2);
    expect(err).toContain('No Gatehouse database at');
  }, 30_000);
});
