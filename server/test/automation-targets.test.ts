import { afterAll, beforeAll, expect, it } from 'vitest';
import type { TargetRow } from '../src/modules/automation/index.js';
import { describeDb } from './test-app.js';
import { TEST_DIALECT } from './test-db.js';
import {
  auditOf,
  client,
  closedPort,
  countRows,
  createAutomationTestApp,
  enc,
  outcome,
  samplePrivateKey,
  userWith,
  type AutomationTestApp,
} from './automation-helpers.js';

describeDb(`automation targets and the SSH key (${TEST_DIALECT})`, () => {
  let a: AutomationTestApp;
  let admin: ReturnType<typeof client>;
  let n = 0;
  beforeAll(async () => {
    a = await createAutomationTestApp();
    admin = client(a, a.admin);
  });
  afterAll(() => a?.close());

  const target = (body: Record<string, unknown> = {}, c = admin) =>
    c.post('/api/targets', { name: `host-${++n}`, host: '127.0.0.1', port: 22, username: 'ops', project: 'ops', ...body });
  const row = (id: number) =>
    a.t.gh.ctx.db.selectFrom('automation_targets').selectAll().where('id', '=', id).executeTakeFirstOrThrow() as Promise<TargetRow>;

  it("shows Gatehouse's own ed25519 public key with the command that installs it; the private half is sealed", async () => {
    const res = await admin.get('/api/ssh/public-key');
    expect(res.statusCode).toBe(200);
    const k = res.json();
    expect(k.publicKey).toMatch(/^ssh-ed25519 AAAA[A-Za-z0-9+/=]+ gatehouse@[A-Za-z0-9.-]+$/);
    expect(k.fingerprint).toMatch(/^SHA256:[A-Za-z0-9+/]{43}$/);
    expect(k.installCommand).toBe(
      `mkdir -p ~/.ssh && chmod 700 ~/.ssh && echo '${k.publicKey}' >> ~/.ssh/authorized_keys && chmod 600 ~/.ssh/authorized_keys`,
    );
    expect((await admin.get('/api/ssh/public-key')).json()).toEqual(k);
    const stored = await a.t.gh.ctx.db.selectFrom('automation_key_pair').selectAll().execute();
    expect(stored).toHaveLength(1);
    expect(stored[0].private_key_enc).not.toContain('PRIVATE KEY');
    expect(a.t.gh.ctx.secrets.open(stored[0].private_key_enc)).toContain('OPENSSH PRIVATE KEY');
    expect(res.body).not.toContain('PRIVATE');
    expect((await a.t.inject({ method: 'GET', url: '/api/ssh/public-key' })).statusCode).toBe(401);
  });

  it("creates a target that logs in with Gatehouse's key by default", async () => {
    const res = await target({ name: 'web-1', labels: ['web', 'prod'] });
    expect(res.statusCode, res.body).toBe(201);
    expect(res.json()).toMatchObject({
      name: 'web-1',
      host: '127.0.0.1',
      port: 22,
      username: 'ops',
      project: 'ops',
      labels: ['web', 'prod'],
      authMethod: 'gatehouse-key',
      jumpHostIds: [],
      hostKeyFingerprint: null,
      lastCheck: null,
      createdByName: 'admin',
    });
    expect((await row(res.json().id)).private_key_enc).toBeNull();
    expect((await auditOf(a, 'automation.target.create')).at(-1)).toMatchObject({ resource_id: String(res.json().id), project: 'ops' });
  });

  it('keeps an uploaded private key sealed and never returns it; null goes back to the Gatehouse key', async () => {
    const key = samplePrivateKey();
    const body = key.split('\n')[1];
    const res = await target({ name: 'keyed', privateKey: key });
    expect(res.statusCode, res.body).toBe(201);
    expect(res.json().authMethod).toBe('private-key');
    const id = res.json().id;
    for (const r of [res, await admin.get(`/api/targets/${id}`), await admin.get('/api/targets?pageSize=500')]) {
      expect(r.body).not.toContain(body);
      expect(r.body).not.toContain('PRIVATE KEY');
    }
    const stored = await row(id);
    expect(stored.private_key_enc).not.toContain(body);
    expect(a.t.gh.ctx.secrets.open(stored.private_key_enc!)).toBe(key);
    const audit = await a.t.gh.ctx.db.selectFrom('audit_events').select('details').where('resource_id', '=', String(id)).execute();
    expect(JSON.stringify(audit)).not.toContain(body);
    const back = await admin.put(`/api/targets/${id}`, { privateKey: null });
    expect(back.json().authMethod).toBe('gatehouse-key');
    expect((await row(id)).private_key_enc).toBeNull();
  });

  it('refuses keys it cannot use (garbage, a public key) with INVALID_PRIVATE_KEY and stores nothing', async () => {
    const before = await countRows(a, 'automation_targets');
    const pub = (await admin.get('/api/ssh/public-key')).json().publicKey;
    for (const privateKey of ['not a key', pub, '-----BEGIN OPENSSH PRIVATE KEY-----\nAAAA\n-----END OPENSSH PRIVATE KEY-----\n'])
      expect(outcome(await target({ privateKey }))).toEqual([400, 'INVALID_PRIVATE_KEY']);
    const id = (await target()).json().id;
    expect(outcome(await admin.put(`/api/targets/${id}`, { privateKey: 'nope' }))).toEqual([400, 'INVALID_PRIVATE_KEY']);
    expect((await row(id)).auth_method).toBe('gatehouse-key');
    expect(await countRows(a, 'automation_targets')).toBe(before + 1);
  });

  it('lists with paging, searches name and host, and matches one label exactly (wildcards literal)', async () => {
    for (const [name, host, labels] of [
      ['db_1', '10.0.0.5', ['db', 'prod', 'rack_1']],
      ['dbx1', 'db.example.org', ['db2', 'rackx1']],
      ['cache', '10.0.0.7', ['cache']],
    ] as const)
      expect((await target({ name, host, labels, project: 'search' })).statusCode).toBe(201);
    const names = async (qs: string) =>
      (await admin.get(`/api/targets?project=search&${qs}`)).json().items.map((t: { name: string }) => t.name);
    expect(await names('')).toEqual(['cache', 'db_1', 'dbx1']);
    expect(await names('q=db_')).toEqual(['db_1']);
    expect(await names('q=example')).toEqual(['dbx1']);
    expect(await names('label=db')).toEqual(['db_1']);
    expect(await names('label=rack_1')).toEqual(['db_1']);
    expect(await names('label=rack%251')).toEqual([]);
    expect(await names('label=%25')).toEqual([]);
    expect(await names('label=_')).toEqual([]);
    expect(await names(`label=${enc('"db"')}`)).toEqual([]);
    const p = (await admin.get('/api/targets?project=search&page=2&pageSize=2')).json();
    expect(p).toMatchObject({ total: 3, page: 2, pageSize: 2 });
    expect(p.items.map((t: { name: string }) => t.name)).toEqual(['dbx1']);
  });

  it('validates jump host chains: at most 5, no repeats, existing, global or in the same project', async () => {
    const jh = async (project: string | null, name = `jump-${++n}`) => {
      const res = await admin.post('/api/jump-hosts', { name, host: '127.0.0.1', port: 2222, username: 'jump', project });
      expect(res.statusCode, res.body).toBe(201);
      return res.json().id as number;
    };
    const global = await Promise.all([1, 2, 3, 4, 5, 6].map(() => jh(null)));
    const other = await jh('elsewhere');
    const before = await countRows(a, 'automation_targets');
    expect(outcome(await target({ jumpHostIds: global }))).toEqual([400, 'JUMP_CHAIN_TOO_LONG']);
    expect(outcome(await target({ jumpHostIds: [global[0], global[1], global[0]] }))).toEqual([400, 'JUMP_CHAIN_DUPLICATE']);
    expect(outcome(await target({ jumpHostIds: [global[0], 999999] }))).toEqual([404, 'JUMP_HOST_NOT_FOUND']);
    expect(outcome(await target({ jumpHostIds: [other] }))).toEqual([400, 'JUMP_HOST_PROJECT']);
    expect(await countRows(a, 'automation_targets')).toBe(before);
    const own = await jh('ops');
    const ok = await target({ jumpHostIds: [...global.slice(0, 4), own] });
    expect(ok.statusCode, ok.body).toBe(201);
    expect(ok.json().jumpHostIds).toEqual([...global.slice(0, 4), own]);
    const id = ok.json().id;
    expect(outcome(await admin.put(`/api/targets/${id}`, { jumpHostIds: global }))).toEqual([400, 'JUMP_CHAIN_TOO_LONG']);
    expect((await admin.get(`/api/targets/${id}`)).json().jumpHostIds).toHaveLength(5);
    expect(outcome(await admin.del(`/api/jump-hosts/${own}`))).toEqual([409, 'JUMP_HOST_IN_USE']);
    expect((await admin.put(`/api/targets/${id}`, { jumpHostIds: [global[5]] })).json().jumpHostIds).toEqual([global[5]]);
    expect((await admin.del(`/api/jump-hosts/${own}`)).statusCode).toBe(204);
    expect(outcome(await admin.get(`/api/jump-hosts/${own}`))).toEqual([404, 'JUMP_HOST_NOT_FOUND']);
    expect(
      outcome(await admin.post('/api/jump-hosts', { name: 'x', host: 'h', port: 22, username: 'u', jumpHostIds: [global[0]] })),
    ).toEqual([400, 'VALIDATION_FAILED']);
    expect(outcome(await admin.post('/api/jump-hosts', { name: 'dup', host: 'h', port: 22, username: 'u' }))).toEqual([201, undefined]);
    expect(outcome(await admin.post('/api/jump-hosts', { name: 'dup', host: 'h', port: 22, username: 'u' }))).toEqual([
      409,
      'JUMP_HOST_NAME_TAKEN',
    ]);
  });

  it('scopes jump hosts: global ones need a global grant to manage; each user sees global ones and their projects', async () => {
    const u = client(a, (await userWith(a, [['automation.targets.manage', 'team-a']])).token);
    expect(outcome(await u.post('/api/jump-hosts', { name: 'g', host: 'h', port: 22, username: 'u' }))).toEqual([403, 'FORBIDDEN']);
    const mine = await u.post('/api/jump-hosts', { name: 'bastion-a', host: 'h', port: 22, username: 'u', project: 'team-a' });
    expect(mine.statusCode).toBe(201);
    const theirs = await admin.post('/api/jump-hosts', { name: 'bastion-b', host: 'h', port: 22, username: 'u', project: 'team-b' });
    const listed = (await u.get('/api/jump-hosts?pageSize=500')).json().items as { name: string; project: string | null }[];
    expect(listed.map((j) => j.name)).toContain('bastion-a');
    expect(listed.some((j) => j.project === null)).toBe(true);
    expect(listed.some((j) => j.project !== null && j.project !== 'team-a')).toBe(false);
    expect(outcome(await u.get(`/api/jump-hosts/${theirs.json().id}`))).toEqual([404, 'JUMP_HOST_NOT_FOUND']);
    const global = listed.find((j) => j.project === null) as unknown as { id: number };
    expect(outcome(await u.put(`/api/jump-hosts/${global.id}`, { port: 2200 }))).toEqual([403, 'FORBIDDEN']);
    expect((await u.put(`/api/jump-hosts/${mine.json().id}`, { port: 2200 })).json().port).toBe(2200);
    expect(outcome(await client(a, (await userWith(a)).token).get('/api/jump-hosts'))).toEqual([200, undefined]);
    expect((await client(a, (await userWith(a)).token).get('/api/jump-hosts')).json().total).toBe(0);
  });

  it('checks an unreachable target: status unreachable, kept as the last check, audited, nothing pinned', async () => {
    const port = await closedPort();
    const id = (await target({ name: 'nobody-home', port })).json().id;
    const res = await admin.post(`/api/targets/${id}/check`);
    expect(res.statusCode, res.body).toBe(200);
    const c = res.json();
    expect(c).toMatchObject({ status: 'unreachable', fingerprint: null });
    expect(c.message).toBeTruthy();
    expect(c.at).toBe(a.t.clock.now().toISOString());
    const t = (await admin.get(`/api/targets/${id}`)).json();
    expect(t.lastCheck).toEqual({ status: 'unreachable', at: c.at, message: c.message });
    expect(t.hostKeyFingerprint).toBeNull();
    expect((await auditOf(a, 'automation.target.check')).at(-1)).toMatchObject({ resource_id: String(id), outcome: 'failure' });
  });

  it('accepts a changed host key: the pin is cleared and audited; a new address forgets the pin too', async () => {
    const id = (await target({ name: 'pinned' })).json().id;
    const pin = 'SHA256:' + 'A'.repeat(43);
    await a.t.gh.ctx.db.updateTable('automation_targets').set({ host_fingerprint: pin }).where('id', '=', id).execute();
    expect((await admin.get(`/api/targets/${id}`)).json().hostKeyFingerprint).toBe(pin);
    const res = await admin.post(`/api/targets/${id}/accept-host-key`);
    expect(res.statusCode).toBe(200);
    expect(res.json().hostKeyFingerprint).toBeNull();
    const ev = (await auditOf(a, 'automation.target.accept-host-key')).at(-1)!;
    expect(JSON.parse(ev.details!)).toMatchObject({ previousFingerprint: pin });
    await a.t.gh.ctx.db.updateTable('automation_targets').set({ host_fingerprint: pin }).where('id', '=', id).execute();
    expect((await admin.put(`/api/targets/${id}`, { username: 'root' })).json().hostKeyFingerprint).toBe(pin);
    expect((await admin.put(`/api/targets/${id}`, { host: '127.0.0.2' })).json().hostKeyFingerprint).toBeNull();
  });

  it('uses a one-time password only to install the key: a failed install saves nothing and the password is nowhere', async () => {
    const password = 'Sup3r-Secret-Pw!';
    const before = await countRows(a, 'automation_targets');
    const res = await target({ name: 'with-password', port: await closedPort(), password });
    expect(outcome(res)).toEqual([422, 'KEY_INSTALL_FAILED']);
    expect(res.json().error.details.status).toBe('unreachable');
    expect(res.body).not.toContain(password);
    expect(await countRows(a, 'automation_targets')).toBe(before);
    expect(outcome(await target({ password, privateKey: samplePrivateKey() }))).toEqual([400, 'PASSWORD_NOT_APPLICABLE']);
    const id = (await target({ name: 'later-password' })).json().id;
    expect(outcome(await admin.put(`/api/targets/${id}`, { port: await closedPort(), password }))).toEqual([422, 'KEY_INSTALL_FAILED']);
    expect((await row(id)).port).toBe(22);
    const audit = await a.t.gh.ctx.db.selectFrom('audit_events').select('details').execute();
    expect(JSON.stringify(audit)).not.toContain(password);
    const failed = (await auditOf(a, 'automation.target.create')).filter((e) => e.outcome === 'failure');
    expect(JSON.parse(failed.at(-1)!.details!)).toMatchObject({ name: 'with-password', username: 'ops' });
  });

  it('pins, after a run, every hop that presented its key for the first time, and nothing already pinned', async () => {
    const jump = (
      await admin.post('/api/jump-hosts', { name: 'run-jump', host: '127.0.0.1', port: 22, username: 'u', project: 'ops' })
    ).json();
    const id = (await target({ name: 'ran', jumpHostIds: [jump.id] })).json().id;
    const connect = a.t.gh.modules.automation.service.connect;
    const [j, t] = ['SHA256:' + 'J'.repeat(43), 'SHA256:' + 'T'.repeat(43)];
    await connect.recordContact(await row(id), [j, t]);
    expect((await admin.get(`/api/targets/${id}`)).json().hostKeyFingerprint).toBe(t);
    expect((await admin.get(`/api/jump-hosts/${jump.id}`)).json().hostKeyFingerprint).toBe(j);
    expect((await auditOf(a, 'automation.target.pin-host-key')).at(-1)).toMatchObject({ resource_id: String(id), user_id: null });
    await connect.recordContact(await row(id), ['SHA256:' + 'X'.repeat(43), 'SHA256:' + 'Y'.repeat(43)]);
    expect((await admin.get(`/api/targets/${id}`)).json().hostKeyFingerprint).toBe(t);
    expect((await admin.get(`/api/jump-hosts/${jump.id}`)).json().hostKeyFingerprint).toBe(j);
    const chain = await connect.chain(await row(id));
    expect(chain.jumps.map((h) => h.pinnedFingerprint)).toEqual([j]);
    expect(chain.target).toMatchObject({ host: '127.0.0.1', username: 'ops', pinnedFingerprint: t });
    expect(chain.target.privateKey).toContain('OPENSSH PRIVATE KEY');
  });

  it('lets viewers read, managers change, and hides other projects; refuses deleting a target a task names', async () => {
    const id = (await target({ name: 'scoped', project: 'team-x' })).json().id;
    const viewer = client(a, (await userWith(a, [['automation.view', 'team-x']])).token);
    const manager = client(a, (await userWith(a, [['automation.targets.manage', 'team-x']])).token);
    const stranger = client(a, (await userWith(a, [['automation.targets.manage', 'team-y']])).token);
    expect((await viewer.get(`/api/targets/${id}`)).statusCode).toBe(200);
    expect((await viewer.get('/api/targets')).json().items.every((t: { project: string }) => t.project === 'team-x')).toBe(true);
    for (const res of [
      await viewer.put(`/api/targets/${id}`, { port: 2022 }),
      await viewer.del(`/api/targets/${id}`),
      await viewer.post(`/api/targets/${id}/check`),
      await viewer.post(`/api/targets/${id}/accept-host-key`),
      await target({ project: 'team-x' }, viewer),
    ])
      expect(outcome(res)).toEqual([403, 'FORBIDDEN']);
    for (const res of [
      await stranger.get(`/api/targets/${id}`),
      await stranger.put(`/api/targets/${id}`, { port: 1 }),
      await stranger.del(`/api/targets/${id}`),
    ])
      expect(outcome(res)).toEqual([404, 'TARGET_NOT_FOUND']);
    expect((await stranger.get('/api/targets')).json().items.some((t: { project: string }) => t.project === 'team-x')).toBe(false);
    expect((await manager.put(`/api/targets/${id}`, { port: 2022 })).json().port).toBe(2022);
    const script = await admin.post('/api/scripts', { name: 'x', language: 'sh', content: 'true', project: 'team-x' });
    const task = await admin.post('/api/tasks', { name: 't', scriptId: script.json().id, targetIds: [id], project: 'team-x' });
    expect(task.statusCode, task.body).toBe(201);
    expect(outcome(await manager.del(`/api/targets/${id}`))).toEqual([409, 'TARGET_IN_USE']);
    await admin.put(`/api/tasks/${task.json().id}`, { targetIds: [], labels: ['web'] });
    expect((await manager.del(`/api/targets/${id}`)).statusCode).toBe(204);
    expect(outcome(await admin.get(`/api/targets/${id}`))).toEqual([404, 'TARGET_NOT_FOUND']);
  });

  it('refuses bad target input with 400 and stores nothing', async () => {
    const before = await countRows(a, 'automation_targets');
    for (const body of [
      { port: 0 },
      { port: 70000 },
      { host: 'bad host' },
      { host: 'x;rm -rf /' },
      { host: '' },
      { username: 'two words' },
      { labels: ['ok', 'not ok'] },
      { labels: ['dup', 'dup'] },
      { labels: ['100%'] },
      { jumpHostIds: ['one'] },
      { unknown: 1 },
      { password: '' },
    ]) {
      const res = await target(body);
      expect(outcome(res), JSON.stringify(body)).toEqual([400, 'VALIDATION_FAILED']);
    }
    expect(outcome(await target({ name: 'dup-name' }))).toEqual([201, undefined]);
    expect(outcome(await target({ name: 'dup-name' }))).toEqual([409, 'TARGET_NAME_TAKEN']);
    expect(outcome(await admin.put('/api/targets/999999', { port: 22 }))).toEqual([404, 'TARGET_NOT_FOUND']);
    expect(await countRows(a, 'automation_targets')).toBe(before + 1);
  });
});
