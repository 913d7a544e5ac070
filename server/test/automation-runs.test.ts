import { existsSync, rmSync } from 'node:fs';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { ManualClock } from '../src/core/clock.js';
import { describeDb } from './test-app.js';
import { TEST_DIALECT } from './test-db.js';
import { client, createAutomationTestApp, userWith, type AutomationTestApp } from './automation-helpers.js';
import { SshHarness, sshHarnessAvailable, type HarnessHost } from './ssh-harness.js';

// Tasks run end to end: API → run → job → real sshd processes → stored per-target results.
const available = sshHarnessAvailable('automation-runs');

describeDb.skipIf(!available)(`task runs against real sshd (${TEST_DIALECT})`, () => {
  let a: AutomationTestApp;
  let admin: ReturnType<typeof client>;
  let h: SshHarness;
  let hosts: HarnessHost[];
  let clock: ManualClock;
  let n = 0;
  beforeAll(async () => {
    clock = new ManualClock(new Date('2026-12-02T08:00:00Z'));
    a = await createAutomationTestApp({ clock });
    admin = client(a, a.admin);
    h = await SshHarness.start();
    hosts = await h.startHosts(6);
  });
  afterAll(async () => {
    await a?.close();
    await h?.stop();
  });

  const target = async (host: { host: string; port: number }, extra: Record<string, unknown> = {}) => {
    const res = await admin.post('/api/targets', {
      name: `host-${++n}`,
      host: host.host,
      port: host.port,
      username: 'root',
      project: 'ops',
      privateKey: h.clientKey.privateKey,
      ...extra,
    });
    expect(res.statusCode, res.body).toBe(201);
    return res.json().id as number;
  };
  const script = async (content: string, language = 'bash') => {
    const res = await admin.post('/api/scripts', { name: `s-${++n}`, language, content, project: 'ops' });
    expect(res.statusCode, res.body).toBe(201);
    return res.json().id as number;
  };
  const task = async (body: Record<string, unknown>) => {
    const res = await admin.post('/api/tasks', { name: `task-${++n}`, project: 'ops', ...body });
    expect(res.statusCode, res.body).toBe(201);
    return res.json().id as number;
  };
  const runAndWait = async (taskId: number) => {
    const res = await admin.post(`/api/tasks/${taskId}/run`);
    expect(res.statusCode, res.body).toBe(202);
    const { runId } = res.json();
    await a.t.gh.ctx.jobs.drain();
    const run = await admin.get(`/api/runs/${runId}`);
    expect(run.statusCode).toBe(200);
    return run.json();
  };

  it('runs a script on many hosts with each host’s stdout, stderr and exit code kept apart', async () => {
    const ids = await Promise.all(hosts.slice(0, 5).map((x) => target(x)));
    const s = await script('echo "out $(hostname -I 2>/dev/null | wc -w) $1"\necho "err $2" >&2\nexit 3\n');
    const t = await task({ scriptId: s, targetIds: ids, parameters: ['alpha', 'beta'] });
    const run = await runAndWait(t);
    expect(run.status).toBe('failed');
    expect(run.scriptVersion).toBe(1);
    expect(run.targets).toHaveLength(5);
    for (const x of run.targets) {
      expect(x).toMatchObject({ status: 'failed', exitCode: 3, stderr: 'err beta\n' });
      expect(x.stdout).toMatch(/^out \d+ alpha\n$/);
      expect(ids).toContain(x.targetId);
    }
    const list = await admin.get(`/api/tasks/${t}/runs`);
    expect(list.json().items[0]).toMatchObject({ id: run.id, status: 'failed', targets: { total: 5, failed: 5 } });
    const byScript = await admin.get(`/api/scripts/${s}/runs`);
    expect(byScript.json().total).toBe(1);
    // The task's owner (the admin) was told.
    const notes = await admin.get('/api/notifications');
    expect(JSON.stringify(notes.json())).toContain('automation.run.failed');
  });

  it('delivers injection attempts as literal arguments: nothing is executed', async () => {
    rmSync('/tmp/gh-pwned', { force: true });
    const id = await target(hosts[0]);
    const s = await script('for a in "$@"; do printf "[%s]\\n" "$a"; done\n');
    const params = ['$(touch /tmp/gh-pwned)', "'; touch /tmp/gh-pwned; '", '`touch /tmp/gh-pwned`', 'a b', 'semi;colon'];
    const t = await task({ scriptId: s, targetIds: [id], parameters: params });
    const run = await runAndWait(t);
    expect(run.status).toBe('succeeded');
    expect(run.targets[0].stdout).toBe(params.map((p) => `[${p}]\n`).join(''));
    expect(existsSync('/tmp/gh-pwned')).toBe(false);
  });

  it('runs the pinned version, or the latest when none is pinned', async () => {
    const id = await target(hosts[1]);
    const s = await script('echo v1\n');
    expect((await admin.put(`/api/scripts/${s}`, { content: 'echo v2\n' })).statusCode).toBe(200);
    const pinned = await task({ scriptId: s, targetIds: [id], scriptVersion: 1 });
    const latest = await task({ scriptId: s, targetIds: [id] });
    expect((await runAndWait(pinned)).targets[0].stdout).toBe('v1\n');
    const r = await runAndWait(latest);
    expect(r.targets[0].stdout).toBe('v2\n');
    expect(r.scriptVersion).toBe(2);
  });

  it('keeps one host’s failure away from the others, and re-runs only the failed targets', async () => {
    const good = await target(hosts[2]);
    const dead = await target(h.unusedAddress());
    const s = await script('echo fine\n');
    const t = await task({ scriptId: s, targetIds: [good, dead] });
    const run = await runAndWait(t);
    const byId = Object.fromEntries(run.targets.map((x: { targetId: number }) => [x.targetId, x]));
    expect(byId[good]).toMatchObject({ status: 'succeeded', exitCode: 0, stdout: 'fine\n' });
    expect(byId[dead].status).toBe('unreachable');
    const re = await admin.post(`/api/runs/${run.id}/rerun-failed`);
    expect(re.statusCode, re.body).toBe(202);
    await a.t.gh.ctx.jobs.drain();
    const second = (await admin.get(`/api/runs/${re.json().runId}`)).json();
    expect(second.targets.map((x: { targetId: number }) => x.targetId)).toEqual([dead]);
    expect(second.trigger).toBe('rerun');
    const none = await admin.post(`/api/runs/${(await runAndWait(await task({ scriptId: s, targetIds: [good] }))).id}/rerun-failed`);
    expect(none.statusCode).toBe(409);
    expect(none.json().error.code).toBe('NOTHING_TO_RERUN');
  });

  it('cancels a running run: the remote processes end', async () => {
    const id = await target(hosts[3]);
    const marker = `gh-cancel-${Date.now()}`;
    const s = await script(`sleep 300 # ${marker}\n`);
    const t = await task({ scriptId: s, targetIds: [id] });
    const res = await admin.post(`/api/tasks/${t}/run`);
    const { runId } = res.json();
    const draining = a.t.gh.ctx.jobs.drain();
    for (let i = 0; i < 200; i++) {
      const r = (await admin.get(`/api/runs/${runId}`)).json();
      if (r.targets[0].status === 'running' && h.openSessions(hosts[3]) > 0) break;
      await new Promise((r2) => setTimeout(r2, 25));
    }
    await new Promise((r) => setTimeout(r, 300));
    const c = await admin.post(`/api/runs/${runId}/cancel`);
    expect(c.statusCode).toBe(202);
    await draining;
    const run = (await admin.get(`/api/runs/${runId}`)).json();
    expect(run.status).toBe('cancelled');
    expect(run.targets[0].status).toBe('cancelled');
    const again = await admin.post(`/api/runs/${runId}/cancel`);
    expect(again.json().error.code).toBe('RUN_FINISHED');
    const { execSync } = await import('node:child_process');
    let left = '';
    try {
      // "[g]h-cancel-…" matches the sleep but not this shell, whose command line holds the pattern.
      left = execSync(`pgrep -f '[${marker[0]}]${marker.slice(1)}'`).toString();
    } catch {
      left = '';
    }
    expect(left).toBe('');
  });

  it('fires a scheduled task on a controlled clock, in its time zone', async () => {
    const id = await target(hosts[4]);
    const s = await script('echo tick\n');
    // 16:30 in Shanghai is 08:30Z; the clock stands at 08:00Z.
    const t = await task({ scriptId: s, targetIds: [id], schedule: '30 16 * * *', timezone: 'Asia/Shanghai' });
    expect((await admin.get(`/api/tasks/${t}`)).json().nextRunAt).toBe('2026-12-02T08:30:00.000Z');
    await a.t.gh.ctx.scheduler.tick();
    await a.t.gh.ctx.jobs.drain();
    expect((await admin.get(`/api/tasks/${t}/runs`)).json().items).toHaveLength(0);
    clock.set(new Date('2026-12-02T08:30:05Z'));
    await a.t.gh.ctx.scheduler.tick();
    await a.t.gh.ctx.jobs.drain();
    const runs = (await admin.get(`/api/tasks/${t}/runs`)).json();
    expect(runs.items).toHaveLength(1);
    expect(runs.items[0]).toMatchObject({ trigger: 'schedule', status: 'succeeded' });
  });

  it('refuses to run for a user without automation.tasks.run, and hides runs of other projects', async () => {
    const id = await target(hosts[5]);
    const s = await script('echo hi\n');
    const t = await task({ scriptId: s, targetIds: [id] });
    const viewer = await userWith(a, [['automation.view', 'ops']]);
    const stranger = await userWith(a, [['automation.tasks.run', 'other']]);
    const v = client(a, viewer.token);
    const no = await v.post(`/api/tasks/${t}/run`);
    expect(no.statusCode).toBe(403);
    const run = await runAndWait(t);
    expect((await v.get(`/api/runs/${run.id}`)).statusCode).toBe(200);
    expect((await v.post(`/api/runs/${run.id}/rerun-failed`)).statusCode).toBe(403);
    const x = client(a, stranger.token);
    expect((await x.get(`/api/runs/${run.id}`)).statusCode).toBe(404);
    expect((await x.post(`/api/tasks/${t}/run`)).statusCode).toBe(404);
    expect((await admin.get('/api/runs/999999')).statusCode).toBe(404);
    const audit = await admin.get('/api/audit?action=automation.task.run');
    expect(audit.json().items.some((e: { outcome: string }) => e.outcome === 'denied')).toBe(true);
  });
});
