/**
 * The Jenkins stage against the emulator: a pipeline waiting at an input asks for approval with a
 * personal API token; the decision proceeds or aborts that input (or stops a run without one);
 * Jenkins being down is retried; an input that is gone fails the follow-up with a clear error.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeDb } from './test-app.js';
import { TEST_DIALECT } from './test-db.js';
import { until } from './jenkins-helpers.js';
import {
  approval,
  basicAdmin,
  createStageWorld,
  HOLD_JOB,
  jenkinsPosts,
  MAIN,
  MAIN_JOB,
  mintToken,
  PROJECT,
  settleFollowUp,
  startRun,
  waitingMainRun,
  waitUrl,
  type StageWorld,
} from './approvals-stage-helpers.js';
import { newUser } from './jenkins-helpers.js';

describeDb(`approvals stage: Jenkins input steps (${TEST_DIALECT})`, () => {
  let w: StageWorld;

  beforeAll(async () => {
    w = await createStageWorld();
  });
  afterAll(async () => w?.close());

  const ask = (params: Record<string, string | number | boolean>, token = w.pipeline.apiToken) =>
    w.j.t.inject({ method: 'GET', url: waitUrl(params), token });
  const runParams = (build: number, extra: Record<string, string | number | boolean> = {}) => ({
    project: PROJECT,
    env: 'prod',
    job: MAIN_JOB,
    build,
    inputId: 'Approve',
    version: '1.2',
    desc: '上线 1.2',
    ...extra,
  });
  const decide = (id: number, kind: 'approve' | 'reject', payload: Record<string, unknown>) =>
    w.j.t.inject({ method: 'POST', url: `/api/${kind}/${id}`, token: w.approver.token, payload });

  it('asks once per run and input: 201 pending, then 200 with the same approval', async () => {
    const n = await waitingMainRun(w.sim);
    const first = await ask(runParams(n));
    expect(first.statusCode, first.body).toBe(201);
    const body = first.json();
    expect(body).toMatchObject({ status: 'pending', created: true, approval_id: expect.any(Number) });
    expect(body.approvalId).toBe(body.approval_id);
    expect(body.url).toMatch(new RegExp(`/approvals/${body.approval_id}$`));
    expect(body.log_url).toMatch(new RegExp(`/logs/${body.approval_id}$`));

    const again = await ask({ ...runParams(n), inputId: 'approve' }); // Jenkins' id form: same input
    expect(again.statusCode).toBe(200);
    expect(again.json()).toMatchObject({ approval_id: body.approval_id, created: false, status: 'pending' });

    const a = await approval(w, body.approval_id);
    expect(a).toMatchObject({
      status: 'pending',
      project: PROJECT,
      env: 'prod',
      job: MAIN_JOB,
      build: n,
      inputId: 'Approve',
      version: '1.2',
    });
    expect(a.requestedBy.username).toBe(w.pipeline.username);
    // Nothing reached Jenkins' input endpoints yet.
    expect(jenkinsPosts(w.sim, MAIN, n)).toEqual([]);

    const res = await decide(body.approval_id, 'approve', { comment: 'ship it' });
    expect(res.statusCode, res.body).toBe(200);
    const done = await settleFollowUp(w, body.approval_id);
    expect(done).toMatchObject({ status: 'approved', followUp: 'done', followUpError: null });
    expect(jenkinsPosts(w.sim, MAIN, n)).toEqual([{ path: 'input/Approve/proceedEmpty', status: 200 }]);
    const build = await w.sim.waitForBuild(MAIN, n);
    expect(build.result).toBe('SUCCESS');
    expect(build.inputHistory).toMatchObject([{ id: 'Approve', outcome: 'proceeded' }]);
    expect(done.history.map((h: { action: string }) => h.action)).toEqual(expect.arrayContaining(['follow-up-started', 'follow-up-done']));
    const audit = await w.j.t.gh.ctx.db
      .selectFrom('audit_events')
      .selectAll()
      .where('action', '=', 'approvals.jenkins.proceed')
      .where('resource_id', '=', String(body.approval_id))
      .execute();
    expect(audit).toHaveLength(1);
    expect(JSON.parse(audit[0].details)).toMatchObject({ job: MAIN_JOB, build: n, inputId: 'Approve', server: 'default' });
  });

  it('a rejection with a reason aborts the input: the build ends ABORTED', async () => {
    const n = await startRun(w.sim, MAIN);
    const id = (await ask(runParams(n))).json().approval_id as number;
    expect((await decide(id, 'reject', {})).statusCode).toBe(400);
    expect((await decide(id, 'reject', { reason: 'change freeze' })).statusCode).toBe(200);
    const done = await settleFollowUp(w, id);
    expect(done).toMatchObject({ status: 'rejected', reason: 'change freeze', followUp: 'done' });
    expect(jenkinsPosts(w.sim, MAIN, n)).toEqual([{ path: 'input/Approve/abort', status: 200 }]);
    const build = await w.sim.waitForBuild(MAIN, n);
    expect(build.result).toBe('ABORTED');
    expect(build.inputHistory).toMatchObject([{ id: 'Approve', outcome: 'aborted' }]);
  });

  it('retries while Jenkins is down and proceeds once it is back', async () => {
    const n = await startRun(w.sim, MAIN);
    const id = (await ask(runParams(n))).json().approval_id as number;
    w.sim.setDown({ status: 503 });
    try {
      expect((await decide(id, 'approve', {})).statusCode).toBe(200);
      await w.j.t.gh.ctx.jobs.drain();
      const during = await approval(w, id);
      expect(during.status).toBe('approved');
      expect(['pending', 'running']).toContain(during.followUp);
      expect(w.sim.requests.some((r) => r.path.endsWith(`/${n}/input/Approve/proceedEmpty`) && r.fault)).toBe(true);
      expect(w.sim.build(MAIN, n).pendingInputs).toHaveLength(1);
    } finally {
      w.sim.setDown(false);
    }
    // The client's breaker (reset 1 s in tests) must let the next try through.
    await new Promise((r) => setTimeout(r, 1100));
    const done = await settleFollowUp(w, id);
    expect(done).toMatchObject({ followUp: 'done', followUpError: null });
    expect((await w.sim.waitForBuild(MAIN, n)).result).toBe('SUCCESS');
    expect(jenkinsPosts(w.sim, MAIN, n).filter((p) => p.status === 200)).toEqual([{ path: 'input/Approve/proceedEmpty', status: 200 }]);
  });

  it('fails the follow-up with a clear error when the input was answered in Jenkins', async () => {
    const n = await startRun(w.sim, MAIN);
    const id = (await ask(runParams(n))).json().approval_id as number;
    const res = await fetch(`${w.sim.url}/job/platform/job/deploy-api/job/main/${n}/input/Approve/abort`, {
      method: 'POST',
      headers: { authorization: basicAdmin },
    });
    expect(res.status).toBe(200);
    expect((await w.sim.waitForBuild(MAIN, n)).result).toBe('ABORTED');
    expect((await decide(id, 'approve', {})).statusCode).toBe(200);
    const done = await settleFollowUp(w, id);
    expect(done.followUp).toBe('failed');
    expect(done.followUpError).toContain(`no longer waits at input Approve of ${MAIN_JOB} #${n}`);
    expect(done.followUpError).toContain('ABORTED');
    expect(done.history.map((h: { action: string }) => h.action)).toContain('follow-up-failed');
  });

  it('counts an input already proceeded in Jenkins as done (the pipeline went on as decided)', async () => {
    const n = await startRun(w.sim, MAIN);
    const id = (await ask(runParams(n))).json().approval_id as number;
    const res = await fetch(`${w.sim.url}/job/platform/job/deploy-api/job/main/${n}/input/Approve/proceedEmpty`, {
      method: 'POST',
      headers: { authorization: basicAdmin },
    });
    expect(res.status).toBe(200);
    expect((await w.sim.waitForBuild(MAIN, n)).result).toBe('SUCCESS');
    w.sim.clearRequests();
    expect((await decide(id, 'approve', {})).statusCode).toBe(200);
    const done = await settleFollowUp(w, id);
    expect(done).toMatchObject({ followUp: 'done', followUpError: null });
    // It tried once, found the input gone and the run not aborted.
    expect(jenkinsPosts(w.sim, MAIN, n)).toEqual([{ path: 'input/Approve/proceedEmpty', status: 404 }]);
  });

  it('without inputId a rejection stops the build', async () => {
    const n = await startRun(w.sim, HOLD_JOB, 'hold');
    const created = await ask({ project: PROJECT, env: 'prod', job: HOLD_JOB, build: n, desc: 'no input step' });
    expect(created.statusCode).toBe(201);
    const id = created.json().approval_id as number;
    expect((await decide(id, 'reject', { reason: 'not today' })).statusCode).toBe(200);
    const done = await settleFollowUp(w, id);
    expect(done.followUp).toBe('done');
    expect(jenkinsPosts(w.sim, [HOLD_JOB], n)).toEqual([{ path: 'stop', status: 302 }]);
    expect((await w.sim.waitForBuild(HOLD_JOB, n)).result).toBe('ABORTED');
  });

  it('accepts POST with a form or JSON body', async () => {
    const n = await startRun(w.sim, MAIN);
    const form = new URLSearchParams({
      project: PROJECT,
      env: 'prod',
      job: MAIN_JOB,
      build: String(n),
      inputId: 'Approve',
      timeout: '45m',
    });
    const res = await w.j.t.inject({
      method: 'POST',
      url: '/api/stage/approval/wait',
      token: w.pipeline.apiToken,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: form.toString(),
    });
    expect(res.statusCode, res.body).toBe(201);
    const id = res.json().approval_id as number;
    const a = await approval(w, id);
    expect(Date.parse(a.deadlineAt) - Date.parse(a.createdAt)).toBe(45 * 60_000);
    const json = await w.j.t.inject({
      method: 'POST',
      url: '/api/stage/approval/wait',
      token: w.pipeline.apiToken,
      payload: { project: PROJECT, env: 'prod', job: MAIN_JOB, build: n, inputId: 'Approve' },
    });
    expect(json.statusCode).toBe(200);
    expect(json.json().approval_id).toBe(id);
    expect((await decide(id, 'reject', { reason: 'cleanup' })).statusCode).toBe(200);
    await settleFollowUp(w, id);
    expect((await w.sim.waitForBuild(MAIN, n)).result).toBe('ABORTED');
  });

  it('refuses callers without approvals.request (403) and bad parameters (400, stable codes)', async () => {
    const n = await startRun(w.sim, MAIN);
    const stranger = await newUser(w.j);
    const strangerToken = await mintToken(w.j, stranger.token);
    const denied = await ask(runParams(n), strangerToken);
    expect(denied.statusCode).toBe(403);
    expect(denied.json().error.code).toBe('FORBIDDEN');
    // A token scoped to other permissions does not carry approvals.request either.
    const narrow = await mintToken(w.j, w.pipeline.token, ['jenkins.view']);
    expect((await ask(runParams(n), narrow)).statusCode).toBe(403);
    // Another environment than the grant's.
    expect((await ask({ ...runParams(n), env: 'staging' })).statusCode).toBe(403);
    expect((await w.j.t.inject({ method: 'GET', url: waitUrl(runParams(n)) })).statusCode).toBe(401);

    const missing = await ask({ project: PROJECT, env: 'prod', inputId: 'Approve' });
    expect(missing.statusCode).toBe(400);
    expect(missing.json().error).toMatchObject({ code: 'STAGE_PARAM_MISSING', details: { missing: ['job', 'build'] } });
    for (const [bad, param] of [
      [{ timeout: 'soon' }, 'timeout'],
      [{ build: 'x7' }, 'build'],
      [{ wait: 'maybe' }, 'wait'],
      [{ inputId: 'a/b' }, 'inputId'],
    ] as const) {
      const res = await ask({ ...runParams(n), ...bad });
      expect(res.statusCode, JSON.stringify(bad)).toBe(400);
      expect(res.json().error).toMatchObject({ code: 'STAGE_PARAM_INVALID', details: { param } });
    }
    const unknownServer = await ask({ ...runParams(n), server: 'nope' });
    expect(unknownServer.statusCode).toBe(400);
    expect(unknownServer.json().error.code).toBe('STAGE_UNKNOWN_SERVER');
    // No request was created by any of these.
    const list = await w.j.t.inject({ method: 'GET', url: '/api/approvals?status=pending', token: w.j.admin });
    expect(list.json().items.filter((i: { build: number }) => i.build === n)).toEqual([]);
    await until('abort the run', async () => {
      const r = await fetch(`${w.sim.url}/job/platform/job/deploy-api/job/main/${n}/input/Approve/abort`, {
        method: 'POST',
        headers: { authorization: basicAdmin },
      });
      return r.status === 200;
    });
  });
});
