/**
 * After the build: the seed's result callback (stored, linked, notifications to approvers and
 * project owners with the log tail on failure, `build.failing` on a streak), /api/status, the
 * approval's build log, and the Jenkins servers' status.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeDb } from './test-app.js';
import { TEST_DIALECT } from './test-db.js';
import { newUser } from './jenkins-helpers.js';
import {
  approval,
  createStageWorld,
  MAIN_JOB,
  PROJECT,
  settleFollowUp,
  waitingMainRun,
  waitUrl,
  type StageWorld,
} from './approvals-stage-helpers.js';

describeDb(`approvals stage: build results and status (${TEST_DIALECT})`, () => {
  let w: StageWorld;
  let owner: { id: number; token: string; username: string };
  let bystander: { id: number; token: string; username: string };
  let approvalId: number;
  let build: number;

  beforeAll(async () => {
    w = await createStageWorld({ config: { approvals: { consecutiveFailures: 3 } } });
    owner = await newUser(w.j);
    bystander = await newUser(w.j);
    const g = await w.j.t.inject({
      method: 'POST',
      url: '/api/access/grants',
      token: w.j.admin,
      payload: { subjectType: 'user', subjectId: owner.id, role: 'project-admin', project: PROJECT },
    });
    expect(g.statusCode, g.body).toBe(201);
    build = await waitingMainRun(w.sim);
    const res = await w.j.t.inject({
      method: 'GET',
      url: waitUrl({ project: PROJECT, env: 'prod', job: MAIN_JOB, build, inputId: 'Approve', version: '3.1' }),
      token: w.pipeline.apiToken,
    });
    expect(res.statusCode).toBe(201);
    approvalId = res.json().approval_id;
    await w.j.t.inject({ method: 'POST', url: `/api/approve/${approvalId}`, token: w.approver.token, payload: {} });
    await settleFollowUp(w, approvalId);
    await w.sim.waitForBuild(['platform', 'deploy-api', 'main'], build);
  });
  afterAll(async () => w?.close());

  const report = (payload: Record<string, unknown>, token = w.pipeline.apiToken) =>
    w.j.t.inject({ method: 'POST', url: '/api/build/result', token, payload });
  const notes = (userId: number, kind: string) =>
    w.j.t.gh.ctx.db
      .selectFrom('notify_notifications')
      .selectAll()
      .where('user_id', '=', userId)
      .where('kind', '=', kind)
      .orderBy('id')
      .execute() as Promise<Array<{ title: string; body: string; link: string | null; severity: string }>>;

  it('records a failed result on its approval and notifies approvers and owners with the log tail from Jenkins', async () => {
    const res = await report({
      project: PROJECT,
      env: 'prod',
      job: MAIN_JOB,
      build,
      result: 'failure',
      duration: 95,
      url: 'http://ci/job/x/1/',
    });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({ approvalId, result: 'FAILURE', created: true });
    await w.j.t.gh.ctx.jobs.drain();
    for (const user of [w.approver, owner]) {
      const [n] = await notes(user.id, 'build.result');
      expect(n, user.username).toBeDefined();
      expect(n.link).toBe(`/approvals/${approvalId}`);
      // The end of the run's console log, read from Jenkins (the approved run ended with these lines).
      expect(n.body).toContain('Finished: SUCCESS');
      expect(n.body).toMatch(/1m 35s/);
    }
    expect(await notes(bystander.id, 'build.result')).toEqual([]);
    const stored = await w.j.t.inject({ method: 'GET', url: `/api/approvals/${approvalId}/build-result`, token: w.approver.token });
    expect(stored.json()).toMatchObject({ result: 'FAILURE', build, durationMs: 95_000, url: 'http://ci/job/x/1/' });
    expect(stored.json().logTail).toContain('Finished: SUCCESS');
    const audit = await w.j.t.gh.ctx.db.selectFrom('audit_events').selectAll().where('action', '=', 'approvals.build.result').execute();
    expect(audit).toHaveLength(1);
    expect(audit[0].username).toBe(w.pipeline.username);
  });

  it('uses the log tail the pipeline sends, and only owners hear about runs without a request', async () => {
    const before = (await notes(w.approver.id, 'build.result')).length;
    const res = await report({
      project: PROJECT,
      env: 'prod',
      job: 'platform/deploy-api/develop',
      build: 41,
      result: 'FAILURE',
      log_tail: 'npm ERR! boom',
    });
    expect(res.statusCode).toBe(200);
    expect(res.json().approvalId).toBeNull();
    await w.j.t.gh.ctx.jobs.drain();
    const [n] = (await notes(owner.id, 'build.result')).slice(-1);
    expect(n.body).toContain('npm ERR! boom');
    expect((await notes(w.approver.id, 'build.result')).length).toBe(before);
  });

  it('sends build.failing once when a job fails N times in a row', async () => {
    const job = 'platform/deploy-api/feature%2Flogin';
    for (const [b, result] of [
      [1, 'FAILURE'],
      [2, 'SUCCESS'],
      [3, 'FAILURE'],
      [4, 'FAILURE'],
    ] as const) {
      expect((await report({ project: PROJECT, env: 'prod', job, build: b, result, log_tail: 'x' })).statusCode).toBe(200);
    }
    await w.j.t.gh.ctx.jobs.drain();
    expect(await notes(owner.id, 'build.failing')).toEqual([]);
    await report({ project: PROJECT, env: 'prod', job, build: 5, result: 'FAILURE', log_tail: 'x' });
    await w.j.t.gh.ctx.jobs.drain();
    const failing = await notes(owner.id, 'build.failing');
    expect(failing).toHaveLength(1);
    expect(failing[0].severity).toBe('urgent');
    // The same report again, and a 4th failure, do not repeat it.
    await report({ project: PROJECT, env: 'prod', job, build: 5, result: 'FAILURE', log_tail: 'x' });
    await report({ project: PROJECT, env: 'prod', job, build: 6, result: 'FAILURE', log_tail: 'x' });
    await w.j.t.gh.ctx.jobs.drain();
    expect(await notes(owner.id, 'build.failing')).toHaveLength(1);
  });

  it('checks the callback: 400 with stable codes, 403 without approvals.request, 404/400 for a wrong approval_id', async () => {
    const missing = await report({ project: PROJECT, env: 'prod', job: MAIN_JOB, build });
    expect(missing.statusCode).toBe(400);
    expect(missing.json().error).toMatchObject({ code: 'STAGE_PARAM_MISSING', details: { missing: ['result'] } });
    const bad = await report({ project: PROJECT, env: 'prod', job: MAIN_JOB, build, result: 'GREEN' });
    expect(bad.json().error).toMatchObject({ code: 'STAGE_PARAM_INVALID', details: { param: 'result' } });
    expect((await report({ project: PROJECT, env: 'prod', job: MAIN_JOB, build, result: 'SUCCESS' }, bystander.token)).statusCode).toBe(
      403,
    );
    const unknown = await report({ project: PROJECT, env: 'prod', job: MAIN_JOB, build, result: 'SUCCESS', approval_id: 999999 });
    expect(unknown.statusCode).toBe(404);
  });

  it('GET /api/status counts requests and reports the components', async () => {
    const res = await w.j.t.inject({ method: 'GET', url: '/api/status', token: w.pipeline.apiToken });
    expect(res.statusCode, res.body).toBe(200);
    const body = res.json();
    expect(body).toMatchObject({ total: 1, pending: 0, approved: 1, rejected: 0, timeout: 0 });
    expect(body.components.database.ok).toBe(true);
    expect(body.components.jobs.ok).toBe(true);
    expect(body.components.jenkins).toEqual([
      { name: 'default', url: w.sim.url, reachable: true, version: '2.516.3', message: 'connected as admin' },
    ]);
    expect(body.components.telegram).toMatchObject({ ok: true, enabled: false });
    expect((await w.j.t.inject({ method: 'GET', url: '/api/status' })).statusCode).toBe(401);

    w.sim.setDown('reset');
    try {
      const [down] = await w.j.t.gh.modules.approvals.stage.jenkinsStatus();
      expect(down).toMatchObject({ name: 'default', reachable: false, version: null });
      expect(down.message).not.toBe('');
    } finally {
      w.sim.setDown(false);
    }
  });

  it("serves the approval's build log to those who may see it", async () => {
    const text = await w.j.t.inject({ method: 'GET', url: `/api/approvals/${approvalId}/log`, token: w.approver.token });
    expect(text.statusCode).toBe(200);
    expect(text.headers['content-type']).toContain('text/plain');
    expect(text.body).toContain('Deploy to production?');
    expect(text.body).toMatch(/Finished: SUCCESS\n?$/);
    const chunk = await w.j.t.inject({ method: 'GET', url: `/api/approvals/${approvalId}/log?start=0`, token: w.pipeline.token });
    expect(chunk.json()).toMatchObject({ more: false, nextStart: expect.any(Number) });
    expect(chunk.json().text).toContain('Finished: SUCCESS');
    const stranger = await w.j.t.inject({ method: 'GET', url: `/api/approvals/${approvalId}/log`, token: bystander.token });
    expect(stranger.statusCode).toBe(404);
    expect(stranger.json().error.code).toBe('APPROVALS_NOT_FOUND');
    // The project owner sees it through approvals.view (project-admin has approvals.*).
    expect((await w.j.t.inject({ method: 'GET', url: `/api/approvals/${approvalId}/log`, token: owner.token })).statusCode).toBe(200);
    expect((await approval(w, approvalId)).status).toBe('approved');
  });
});
