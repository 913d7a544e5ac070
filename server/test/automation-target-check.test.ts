import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeDb } from './test-app.js';
import { TEST_DIALECT } from './test-db.js';
import { client, createAutomationTestApp, outcome, type AutomationTestApp } from './automation-helpers.js';
import { SshHarness, sshHarnessAvailable, type HarnessHost } from './ssh-harness.js';

// POST /api/targets/:id/check and the one-time password install, end to end against real sshd processes.
const available = sshHarnessAvailable('automation-target-check');

describeDb.skipIf(!available)(`target checks against a real sshd (${TEST_DIALECT})`, () => {
  let a: AutomationTestApp;
  let admin: ReturnType<typeof client>;
  let h: SshHarness;
  let n = 0;
  beforeAll(async () => {
    a = await createAutomationTestApp();
    admin = client(a, a.admin);
    h = await SshHarness.start();
  });
  afterAll(async () => {
    await a?.close();
    await h?.stop();
  });

  /** A target on a harness host logging in as root with the harness's key (uploaded, as a user would). */
  const rootTarget = async (host: { host: string; port: number }, body: Record<string, unknown> = {}) => {
    const res = await admin.post('/api/targets', {
      name: `t-${++n}`,
      host: host.host,
      port: host.port,
      username: 'root',
      project: 'ops',
      privateKey: h.clientKey.privateKey,
      ...body,
    });
    expect(res.statusCode, res.body).toBe(201);
    return res.json().id as number;
  };
  const check = async (id: number) => {
    const res = await admin.post(`/api/targets/${id}/check`);
    expect(res.statusCode, res.body).toBe(200);
    return res.json();
  };

  it("installs Gatehouse's key with a one-time password, then logs in with that key; the password is kept nowhere", async () => {
    const p = await h.startPasswordHost();
    const res = await admin.post('/api/targets', {
      name: 'via-password',
      host: p.host.host,
      port: p.host.port,
      username: p.username,
      project: 'ops',
      password: p.password,
    });
    expect(res.statusCode, res.body).toBe(201);
    expect(res.json()).toMatchObject({ authMethod: 'gatehouse-key', hostKeyFingerprint: p.host.fingerprint });
    const c = await check(res.json().id);
    expect(c).toMatchObject({ status: 'reachable', fingerprint: p.host.fingerprint });
    const row = await a.t.gh.ctx.db.selectFrom('automation_targets').selectAll().where('id', '=', res.json().id).executeTakeFirstOrThrow();
    const audit = await a.t.gh.ctx.db.selectFrom('audit_events').selectAll().execute();
    expect(JSON.stringify([row, audit, res.json()])).not.toContain(p.password);
  });

  it('pins the host key on first contact, stops at a changed key until an admin accepts it', async () => {
    const [host] = await h.startHosts(1);
    const id = await rootTarget(host);
    expect(await check(id)).toMatchObject({ status: 'reachable', fingerprint: host.fingerprint });
    expect((await admin.get(`/api/targets/${id}`)).json().hostKeyFingerprint).toBe(host.fingerprint);
    const old = host.fingerprint;
    const rotated: HarnessHost = await h.rotateHostKey(host);
    expect(rotated.fingerprint).not.toBe(old);
    const changed = await check(id);
    expect(changed).toMatchObject({ status: 'host-key-changed', fingerprint: rotated.fingerprint });
    const t = (await admin.get(`/api/targets/${id}`)).json();
    expect(t).toMatchObject({ hostKeyFingerprint: old, lastCheck: { status: 'host-key-changed' } });
    expect((await admin.post(`/api/targets/${id}/accept-host-key`)).statusCode).toBe(200);
    expect(await check(id)).toMatchObject({ status: 'reachable', fingerprint: rotated.fingerprint });
    expect((await admin.get(`/api/targets/${id}`)).json().hostKeyFingerprint).toBe(rotated.fingerprint);
  });

  it("reports auth-failed for a key the host does not accept (Gatehouse's own key, never installed)", async () => {
    const [host] = await h.startHosts(1);
    const res = await admin.post('/api/targets', { name: 'no-key', host: host.host, port: host.port, username: 'root', project: 'ops' });
    const c = await check(res.json().id);
    expect(c.status).toBe('auth-failed');
    expect((await admin.get(`/api/targets/${res.json().id}`)).json().lastCheck.status).toBe('auth-failed');
  });

  it('reaches a target only through its jump host, and pins the jump host on first contact too', async () => {
    const topo = await h.startJumpTopology();
    const jump = await admin.post('/api/jump-hosts', {
      name: 'bastion',
      host: topo.jump1.host,
      port: topo.jump1.port,
      username: 'root',
      project: 'ops',
      privateKey: h.clientKey.privateKey,
    });
    expect(jump.statusCode, jump.body).toBe(201);
    const direct = await rootTarget(topo.target1);
    expect((await check(direct)).status).toBe('unreachable');
    const behind = await rootTarget(topo.target1, { jumpHostIds: [jump.json().id] });
    expect(await check(behind)).toMatchObject({ status: 'reachable', fingerprint: topo.target1.fingerprint });
    expect((await admin.get(`/api/jump-hosts/${jump.json().id}`)).json().hostKeyFingerprint).toBe(topo.jump1.fingerprint);
    expect(outcome(await admin.del(`/api/jump-hosts/${jump.json().id}`))).toEqual([409, 'JUMP_HOST_IN_USE']);
  });
});
