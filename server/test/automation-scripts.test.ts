import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeDb } from './test-app.js';
import { TEST_DIALECT } from './test-db.js';
import {
  auditOf,
  client,
  countRows,
  createAutomationTestApp,
  enc,
  outcome,
  userWith,
  type AutomationTestApp,
} from './automation-helpers.js';

describeDb(`automation scripts (${TEST_DIALECT})`, () => {
  let a: AutomationTestApp;
  let admin: ReturnType<typeof client>;
  beforeAll(async () => {
    a = await createAutomationTestApp();
    admin = client(a, a.admin);
  });
  afterAll(() => a?.close());

  const newScript = (body: Record<string, unknown> = {}, c = admin) =>
    c.post('/api/scripts', {
      name: `s-${Math.random().toString(36).slice(2, 8)}`,
      language: 'bash',
      content: 'echo hi',
      project: 'ops',
      ...body,
    });

  it('creates a script as version 1 and reads it back with its content', async () => {
    const res = await newScript({ name: 'disk-usage', content: 'df -h "$1"', description: 'Disk use' });
    expect(res.statusCode, res.body).toBe(201);
    const s = res.json();
    expect(s).toMatchObject({
      name: 'disk-usage',
      language: 'bash',
      project: 'ops',
      version: 1,
      createdByName: 'admin',
      description: 'Disk use',
    });
    const got = await admin.get(`/api/scripts/${s.id}`);
    expect(got.json()).toMatchObject({ id: s.id, content: 'df -h "$1"', version: 1 });
    const versions = await admin.get(`/api/scripts/${s.id}/versions`);
    expect(versions.json().items).toEqual([expect.objectContaining({ version: 1, language: 'bash', createdByName: 'admin' })]);
    const audit = await auditOf(a, 'automation.script.create');
    expect(audit.at(-1)).toMatchObject({ resource_id: String(s.id), project: 'ops', outcome: 'success' });
  });

  it('documents every automation route in the OpenAPI document', async () => {
    const doc = (await a.t.inject({ method: 'GET', url: '/api/openapi.json' })).json();
    for (const path of [
      '/api/scripts',
      '/api/scripts/{id}/versions/{version}',
      '/api/targets/{id}/check',
      '/api/jump-hosts',
      '/api/tasks/{id}/enable',
      '/api/ssh/public-key',
    ])
      expect(Object.keys(doc.paths)).toContain(path);
  });

  it('makes a new version when content or language change, not for a rename', async () => {
    const s = (await newScript({ name: 'versioned', content: 'echo 1' })).json();
    const renamed = await admin.put(`/api/scripts/${s.id}`, { name: 'versioned-2', description: 'now described' });
    expect(renamed.json()).toMatchObject({ name: 'versioned-2', version: 1, description: 'now described' });
    const same = await admin.put(`/api/scripts/${s.id}`, { content: 'echo 1' });
    expect(same.json().version).toBe(1);
    const v2 = await admin.put(`/api/scripts/${s.id}`, { content: 'echo 2' });
    expect(v2.json()).toMatchObject({ version: 2, content: 'echo 2' });
    const v3 = await admin.put(`/api/scripts/${s.id}`, { language: 'python3', content: 'print(3)' });
    expect(v3.json()).toMatchObject({ version: 3, language: 'python3' });
    const list = (await admin.get(`/api/scripts/${s.id}/versions`)).json().items;
    expect(list.map((v: { version: number }) => v.version)).toEqual([3, 2, 1]);
    expect((await admin.get(`/api/scripts/${s.id}/versions/2`)).json()).toEqual({ version: 2, language: 'bash', content: 'echo 2' });
    expect((await admin.get(`/api/scripts/${s.id}/versions/1`)).json().content).toBe('echo 1');
    expect(outcome(await admin.get(`/api/scripts/${s.id}/versions/9`))).toEqual([404, 'SCRIPT_VERSION_NOT_FOUND']);
  });

  it('pages, filters by language, creator, time and project, and searches names with wildcards taken literally', async () => {
    const ops2 = await userWith(a, [['automation.scripts.manage', 'lists']]);
    const mine = client(a, ops2.token);
    for (const [name, language] of [
      ['backup_db', 'bash'],
      ['backupXdb', 'sh'],
      ['100%-clean', 'python3'],
      ["o'brien; drop table automation_scripts; --", 'bash'],
    ])
      expect((await newScript({ name, language, project: 'lists' }, mine)).statusCode).toBe(201);
    await newScript({ name: 'by-admin', project: 'lists' });
    const q = (qs: string) => admin.get(`/api/scripts?project=lists&${qs}`);
    expect((await q('')).json().total).toBe(5);
    const names = async (qs: string) => (await q(qs)).json().items.map((s: { name: string }) => s.name);
    expect(await names('q=backup_')).toEqual(['backup_db']);
    expect(await names('q=BACKUP')).toEqual(expect.arrayContaining(['backup_db', 'backupXdb']));
    expect(await names('q=100%25')).toEqual(['100%-clean']);
    expect(await names(`q=${enc("o'brien; drop")}`)).toEqual(["o'brien; drop table automation_scripts; --"]);
    expect(await names('language=sh')).toEqual(['backupXdb']);
    expect((await q(`creator=${ops2.username}`)).json().total).toBe(4);
    expect((await q(`creator=${ops2.id}`)).json().total).toBe(4);
    expect(await names('creator=admin')).toEqual(['by-admin']);
    const page1 = (await q('page=1&pageSize=2')).json();
    const page3 = (await q('page=3&pageSize=2')).json();
    expect(page1).toMatchObject({ total: 5, page: 1, pageSize: 2 });
    expect(page1.items).toHaveLength(2);
    expect(page3.items).toHaveLength(1);
    const future = new Date(a.t.clock.now().getTime() + 3_600_000).toISOString();
    const past = new Date(a.t.clock.now().getTime() - 3_600_000).toISOString();
    expect((await q(`createdFrom=${enc(future)}`)).json().total).toBe(0);
    expect((await q(`createdFrom=${enc(past)}&createdTo=${enc(future)}`)).json().total).toBe(5);
    expect(await countRows(a, 'automation_scripts')).toBeGreaterThanOrEqual(5);
  });

  it('shows each user only the projects they may see; others answer 404, and 403 where they may see but not manage', async () => {
    const mk = await newScript({ name: 'payments-deploy', project: 'payments' });
    const id = mk.json().id;
    const viewer = client(a, (await userWith(a, [['automation.view', 'payments']])).token);
    const stranger = client(a, (await userWith(a, [['automation.scripts.manage', 'shop']])).token);
    const globbed = client(a, (await userWith(a, [['automation.view', 'pay*']])).token);

    expect((await viewer.get('/api/scripts')).json().items.every((s: { project: string }) => s.project === 'payments')).toBe(true);
    expect((await globbed.get('/api/scripts')).json().items.map((s: { name: string }) => s.name)).toContain('payments-deploy');
    expect((await stranger.get('/api/scripts')).json()).toMatchObject({ total: 0, items: [] });
    expect((await viewer.get(`/api/scripts/${id}`)).statusCode).toBe(200);
    for (const res of [
      await stranger.get(`/api/scripts/${id}`),
      await stranger.get(`/api/scripts/${id}/versions`),
      await stranger.put(`/api/scripts/${id}`, { content: 'rm -rf /' }),
      await stranger.del(`/api/scripts/${id}`),
    ])
      expect(outcome(res)).toEqual([404, 'SCRIPT_NOT_FOUND']);
    expect(outcome(await viewer.put(`/api/scripts/${id}`, { content: 'echo changed' }))).toEqual([403, 'FORBIDDEN']);
    expect(outcome(await viewer.del(`/api/scripts/${id}`))).toEqual([403, 'FORBIDDEN']);
    expect(outcome(await newScript({ project: 'payments' }, viewer))).toEqual([403, 'FORBIDDEN']);
    expect((await admin.get(`/api/scripts/${id}`)).json()).toMatchObject({ version: 1, content: 'echo hi' });
    const denied = (await auditOf(a, 'automation.script.update')).filter((e) => e.outcome === 'denied');
    expect(denied.at(-1)).toMatchObject({ project: 'payments', resource_id: String(id) });
  });

  it('holds an API token to its scopes', async () => {
    const u = await userWith(a, [['automation.scripts.manage', 'tok']]);
    const tok = await a.t.inject({
      method: 'POST',
      url: '/api/me/tokens',
      token: u.token,
      payload: { name: 'ci', scopes: ['automation.view'] },
    });
    expect(tok.statusCode, tok.body).toBe(201);
    const token = tok.json().token as string;
    expect(outcome(await newScript({ project: 'tok' }, client(a, token)))).toEqual([403, 'FORBIDDEN']);
    expect((await newScript({ project: 'tok' }, client(a, u.token))).statusCode).toBe(201);
  });

  it('refuses bad input with 4xx codes and stores nothing', async () => {
    const before = await countRows(a, 'automation_scripts');
    const versionsBefore = await countRows(a, 'automation_script_versions');
    const cases: [Record<string, unknown>, string][] = [
      [{ language: 'perl' }, 'VALIDATION_FAILED'],
      [{ content: '' }, 'VALIDATION_FAILED'],
      [{ name: '' }, 'VALIDATION_FAILED'],
      [{ name: '   ' }, 'VALIDATION_FAILED'],
      [{ project: '' }, 'VALIDATION_FAILED'],
      [{ content: { $ne: null } }, 'VALIDATION_FAILED'],
      [{ extra: true }, 'VALIDATION_FAILED'],
      [{ content: 'x'.repeat(600_000) }, 'VALIDATION_FAILED'],
    ];
    for (const [body, code] of cases) {
      const res = await newScript(body);
      expect(res.statusCode, JSON.stringify(body).slice(0, 80)).toBeGreaterThanOrEqual(400);
      expect(res.statusCode).toBeLessThan(500);
      expect(res.json().error.code).toBe(code);
    }
    expect((await newScript({ name: 'dup' })).statusCode).toBe(201);
    expect(outcome(await newScript({ name: 'dup' }))).toEqual([409, 'SCRIPT_NAME_TAKEN']);
    expect((await newScript({ name: 'dup', project: 'elsewhere' })).statusCode).toBe(201);
    const other = (await newScript({ name: 'dup-2' })).json().id;
    expect(outcome(await admin.put(`/api/scripts/${other}`, { name: 'dup', content: 'echo new' }))).toEqual([409, 'SCRIPT_NAME_TAKEN']);
    expect((await admin.get(`/api/scripts/${other}`)).json()).toMatchObject({ name: 'dup-2', version: 1 });
    expect(outcome(await admin.get('/api/scripts/999999'))).toEqual([404, 'SCRIPT_NOT_FOUND']);
    expect(outcome(await admin.get('/api/scripts/abc'))).toEqual([400, 'VALIDATION_FAILED']);
    expect(outcome(await admin.get('/api/scripts?createdFrom=yesterday'))).toEqual([400, 'VALIDATION_FAILED']);
    expect(outcome(await admin.put(`/api/scripts/${other}`, { project: 'moved' }))).toEqual([400, 'VALIDATION_FAILED']);
    expect(await countRows(a, 'automation_scripts')).toBe(before + 3);
    expect(await countRows(a, 'automation_script_versions')).toBe(versionsBefore + 3);
  });

  it('deletes a script with its versions, but not while a task uses it (409 SCRIPT_IN_USE)', async () => {
    const s = (await newScript({ name: 'in-use' })).json();
    await admin.put(`/api/scripts/${s.id}`, { content: 'echo v2' });
    const target = await admin.post('/api/targets', { name: 'web-1', host: '127.0.0.1', port: 22, username: 'ops', project: 'ops' });
    expect(target.statusCode, target.body).toBe(201);
    const task = await admin.post('/api/tasks', { name: 'uses-it', scriptId: s.id, targetIds: [target.json().id], project: 'ops' });
    expect(task.statusCode, task.body).toBe(201);
    expect(outcome(await admin.del(`/api/scripts/${s.id}`))).toEqual([409, 'SCRIPT_IN_USE']);
    expect((await admin.get(`/api/scripts/${s.id}`)).statusCode).toBe(200);
    expect((await admin.del(`/api/tasks/${task.json().id}`)).statusCode).toBe(204);
    expect((await admin.del(`/api/scripts/${s.id}`)).statusCode).toBe(204);
    expect(outcome(await admin.get(`/api/scripts/${s.id}`))).toEqual([404, 'SCRIPT_NOT_FOUND']);
    const left = await a.t.gh.ctx.db.selectFrom('automation_script_versions').selectAll().where('script_id', '=', s.id).execute();
    expect(left).toEqual([]);
    expect((await auditOf(a, 'automation.script.delete')).at(-1)).toMatchObject({ resource_id: String(s.id) });
  });
});
