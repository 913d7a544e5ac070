import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync, renameSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { ConfigError, ConfigStore, envPath, loadConfig, type ReloadResult } from '../src/core/config/config.loader.js';
import { ADMIN_PASSWORD, describeDb } from './test-app.js';
import { createTestDatabase, TEST_DIALECT, type TestDatabase } from './test-db.js';

const repoRoot = resolve(import.meta.dirname, '..', '..');
let dir: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'gatehouse-config-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function writeConfig(name: string, content: unknown): string {
  const file = join(dir, name);
  writeFileSync(file, typeof content === 'string' ? content : JSON.stringify(content, null, 2));
  return file;
}

function problemsOf(fn: () => unknown): string[] {
  try {
    fn();
  } catch (e) {
    if (e instanceof ConfigError) return e.problems;
    throw e;
  }
  throw new Error('expected a ConfigError');
}

describe('configuration: file and environment', () => {
  it('merges defaults, the file and the environment (environment wins)', () => {
    const file = writeConfig('merge.json', {
      port: 9000,
      security: { lockoutMinutes: 10, bcryptCost: 10 },
      smtp: { host: 'mail.example' },
    });
    const c = loadConfig({
      GATEHOUSE_CONFIG: file,
      PORT: '8181',
      GATEHOUSE_DATA_DIR: '/var/lib/gatehouse',
      DATABASE_URL: 'postgres://gh@db.example/gatehouse',
      GATEHOUSE__SECURITY__LOCKOUT_MINUTES: '45',
      GATEHOUSE__SMTP__SECURE: 'true',
      SMTP_PASSWORD: '123456',
    });
    expect(c.port).toBe(8181);
    expect(c.dataDir).toBe('/var/lib/gatehouse');
    expect(c.databaseUrl).toBe('postgres://gh@db.example/gatehouse');
    expect(c.security).toMatchObject({ lockoutMinutes: 45, bcryptCost: 10, lockoutThreshold: 5 });
    expect(c.smtp).toMatchObject({ host: 'mail.example', secure: true, password: '123456', port: 587 });
  });

  it('reads gatehouse.json from the data directory when GATEHOUSE_CONFIG is not set', () => {
    const data = mkdtempSync(join(dir, 'data-'));
    writeFileSync(join(data, 'gatehouse.json'), JSON.stringify({ publicUrl: 'https://gh.example' }));
    expect(loadConfig({ GATEHOUSE_DATA_DIR: data }).publicUrl).toBe('https://gh.example');
    expect(loadConfig({ GATEHOUSE_DATA_DIR: join(dir, 'no-such-dir') }).port).toBe(8080);
  });

  it('maps GATEHOUSE__ names case-insensitively, ignoring single underscores', () => {
    for (const name of [
      'GATEHOUSE__SECURITY__LOCKOUT_MINUTES',
      'GATEHOUSE__SECURITY__LOCKOUTMINUTES',
      'GATEHOUSE__security__lockoutMinutes',
    ]) {
      expect(envPath(name)).toBe('security.lockoutMinutes');
      expect(loadConfig({ GATEHOUSE_DATA_DIR: dir, [name]: '12' }).security.lockoutMinutes).toBe(12);
    }
    expect(envPath('GATEHOUSE__BODY_LIMIT_BYTES')).toBe('bodyLimitBytes');
    expect(envPath('GATEHOUSE__SECURITY__NOPE')).toBeNull();
  });

  it('reads list settings from the environment as JSON arrays or comma-separated values', () => {
    const load = (v: string) => loadConfig({ GATEHOUSE_DATA_DIR: dir, GATEHOUSE__TELEGRAM__APPROVAL_CHATS: v }).telegram.approvalChats;
    expect(load('-1001, -1002')).toEqual(['-1001', '-1002']);
    expect(load('["-1003"]')).toEqual(['-1003']);
    expect(() => load('[1,')).toThrow(/approvalChats/);
    expect(loadConfig({ GATEHOUSE_DATA_DIR: dir, TELEGRAM_BOT_TOKEN: '1:x' }).telegram.token).toBe('1:x');
  });

  it('lists every problem at once, naming the environment variable behind a value', () => {
    const file = writeConfig('bad.json', {
      port: 'eighty',
      logLevel: 'loud',
      timezone: 'Mars/Olympus_Mons',
      security: { lockoutMinutes: 0 },
      backup: { cron: 'every night', retention: 0 },
      smtp: { prot: 25 },
      nope: true,
    });
    const problems = problemsOf(() =>
      loadConfig({
        GATEHOUSE_CONFIG: file,
        GATEHOUSE__SECURITY__BCRYPT_COST: 'twelve',
        GATEHOUSE__NOPE__X: '1',
        DATABASE_URL: 'mysql://x',
      }),
    );
    expect(problems).toEqual(
      expect.arrayContaining([
        'port: Expected integer (got "eighty")',
        'logLevel: Expected one of: fatal, error, warn, info, debug, trace, silent (got "loud")',
        'security.lockoutMinutes: Expected integer to be greater or equal to 1 (got 0)',
        'security.bcryptCost (from GATEHOUSE__SECURITY__BCRYPT_COST): Expected integer (got "twelve")',
        'backup.retention: Expected integer to be greater or equal to 1 (got 0)',
        'smtp.prot: unknown setting',
        'nope: unknown setting',
        expect.stringMatching(/^GATEHOUSE__NOPE__X: no such setting/),
        expect.stringMatching(/^timezone: unknown time zone \(got "Mars\/Olympus_Mons"\)/),
        expect.stringMatching(/^backup\.cron: Invalid schedule "every night"/),
        'databaseUrl: must start with postgres:// (leave it empty for the embedded SQLite database)',
      ]),
    );
    expect(problems).toHaveLength(11);
  });

  it('refuses unknown keys at any depth, with a hint for a near miss', () => {
    const file = writeConfig('unknown.json', { security: { LockoutMinutes: 5, lockout_threshold: 3 }, backups: {} });
    expect(problemsOf(() => loadConfig({ GATEHOUSE_CONFIG: file }))).toEqual([
      'security.LockoutMinutes: unknown setting (did you mean security.lockoutMinutes?)',
      'security.lockout_threshold: unknown setting (did you mean security.lockoutThreshold?)',
      'backups: unknown setting',
    ]);
  });

  it('reports a file that is not JSON, and a GATEHOUSE_CONFIG that does not exist', () => {
    const broken = writeConfig('broken.json', '{ "port": 80, }');
    expect(problemsOf(() => loadConfig({ GATEHOUSE_CONFIG: broken }))[0]).toMatch(/broken\.json: .*JSON/);
    expect(problemsOf(() => loadConfig({ GATEHOUSE_CONFIG: join(dir, 'missing.json') }))).toEqual([
      `${join(dir, 'missing.json')}: GATEHOUSE_CONFIG names a file that does not exist`,
    ]);
  });

  it('returns a deeply frozen config', () => {
    const c = loadConfig({ GATEHOUSE_DATA_DIR: dir });
    expect(Object.isFrozen(c) && Object.isFrozen(c.security) && Object.isFrozen(c.smtp)).toBe(true);
    expect(() => {
      (c as { port: number }).port = 1;
    }).toThrow(TypeError);
    expect(() => {
      (c.security as { lockoutMinutes: number }).lockoutMinutes = 1;
    }).toThrow(TypeError);
  });
});

describe('configuration: hot reload', () => {
  it('applies the safe parts of a new file, keeps and reports the restart-only parts', () => {
    const file = writeConfig('live.json', { port: 9100, security: { lockoutMinutes: 30 } });
    const env = { GATEHOUSE_CONFIG: file };
    const store = new ConfigStore(loadConfig(env), env);
    const seen: Array<[number, number]> = [];
    store.onChange((next, prev) => seen.push([prev.security.lockoutMinutes, next.security.lockoutMinutes]));
    store.onChange(() => {
      throw new Error('a buggy listener');
    });

    writeConfig('live.json', {
      port: 9200,
      databaseUrl: 'postgres://elsewhere/db',
      security: { lockoutMinutes: 5 },
      smtp: { host: 'smtp.example' },
    });
    expect(store.reload()).toEqual({ applied: true, needsRestart: ['port', 'databaseUrl'] });
    expect(store.get().security.lockoutMinutes).toBe(5);
    expect(store.get().smtp.host).toBe('smtp.example');
    expect(store.get().port).toBe(9100);
    expect(store.get().databaseUrl).toBe('');
    expect(Object.isFrozen(store.get().smtp)).toBe(true);
    expect(seen).toEqual([[30, 5]]);
  });

  it('keeps the last good config when the new file is invalid, and says why', () => {
    const file = writeConfig('live2.json', { security: { lockoutMinutes: 30 } });
    const env = { GATEHOUSE_CONFIG: file };
    const store = new ConfigStore(loadConfig(env), env);
    const before = store.get();
    writeConfig('live2.json', { security: { lockoutMinutes: -1, lockoutThreshold: 'five' } });
    const r = store.reload();
    expect(r.applied).toBe(false);
    expect(r.problems).toEqual([
      'security.lockoutThreshold: Expected integer (got "five")',
      'security.lockoutMinutes: Expected integer to be greater or equal to 1 (got -1)',
    ]);
    expect(store.get()).toBe(before);
    writeConfig('live2.json', '{ not json');
    expect(store.reload()).toMatchObject({ applied: false, problems: [expect.stringContaining('live2.json')] });
    expect(store.get()).toBe(before);
  });

  it('notices a file saved by rename, as editors do', async () => {
    const file = writeConfig('watched.json', { security: { lockoutMinutes: 30 } });
    const env = { GATEHOUSE_CONFIG: file };
    const store = new ConfigStore(loadConfig(env), env);
    const results: ReloadResult[] = [];
    let wake!: () => void;
    store.watch((r) => {
      results.push(r);
      wake();
    }, 20);
    try {
      let next = new Promise<void>((r) => (wake = r));
      writeConfig('watched.json.tmp', { security: { lockoutMinutes: 7 } });
      renameSync(join(dir, 'watched.json.tmp'), file);
      await next;
      expect(results.at(-1)).toEqual({ applied: true, needsRestart: [] });
      expect(store.get().security.lockoutMinutes).toBe(7);

      next = new Promise<void>((r) => (wake = r));
      writeConfig('watched.json', { security: { lockoutMinutes: 'seven' } });
      await next;
      expect(results.at(-1)).toMatchObject({ applied: false, problems: [expect.stringContaining('security.lockoutMinutes')] });
      expect(store.get().security.lockoutMinutes).toBe(7);
    } finally {
      store.close();
    }
  });
});

/** Run `tsx server/src/main.ts` as `npm run dev` would, collecting its output. */
function runMain(env: Record<string, string>) {
  // One process, tsx as a loader: the tsx CLI would sit between the test and the server and, when
  // the server is slow to confirm a relayed SIGTERM (30 ms, on a loaded machine), kill it and exit 143.
  const child = spawn(process.execPath, ['--import', 'tsx', 'server/src/main.ts'], {
    cwd: repoRoot,
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
  child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  return { child, exited, out: () => stdout, err: () => stderr };
}

describe('main.ts on a bad config', () => {
  it('exits with code 2 and lists every problem on stderr', async () => {
    const file = writeConfig('main-bad.json', { port: -1, security: { lockoutMinutes: 'soon' }, colour: 'blue' });
    const run = runMain({ GATEHOUSE_CONFIG: file, GATEHOUSE_DATA_DIR: join(dir, 'main-data'), GATEHOUSE__SMTP__PORT: 'smtp' });
    expect(await run.exited).toBe(2);
    expect(run.err()).toContain('Gatehouse configuration is invalid:');
    expect(run.err()).toContain('  - port: Expected integer to be greater or equal to 0 (got -1)');
    expect(run.err()).toContain('  - security.lockoutMinutes: Expected integer (got "soon")');
    expect(run.err()).toContain('  - smtp.port (from GATEHOUSE__SMTP__PORT): Expected integer (got "smtp")');
    expect(run.err()).toContain('  - colour: unknown setting');
  }, 30_000);
});

describeDb(`main.ts on a good config (${TEST_DIALECT})`, () => {
  let tdb: TestDatabase;
  beforeAll(async () => {
    tdb = await createTestDatabase();
  });
  afterAll(async () => tdb?.drop());

  it('serves /health, then shuts down cleanly on SIGTERM', async () => {
    const run = runMain({
      PORT: '0',
      HOST: '127.0.0.1',
      GATEHOUSE_DATA_DIR: tdb.dataDir,
      DATABASE_URL: tdb.databaseUrl,
      GATEHOUSE_ADMIN_PASSWORD: ADMIN_PASSWORD,
    });
    try {
      const until = Date.now() + 20_000;
      let url: string | undefined;
      while (!url && Date.now() < until) {
        url = /Server listening at (http:\/\/127\.0\.0\.1:\d+)/.exec(run.out())?.[1];
        await new Promise((r) => setTimeout(r, 50));
      }
      expect(url, run.err() + run.out()).toBeDefined();
      const res = await fetch(`${url}/health`);
      expect(res.status).toBe(200);
      expect(await res.json()).toMatchObject({ status: 'ok', dialect: TEST_DIALECT, components: { jobs: { ok: true } } });
      run.child.kill('SIGTERM');
      expect(await run.exited).toBe(0);
    } finally {
      run.child.kill('SIGKILL');
    }
  }, 30_000);
});
