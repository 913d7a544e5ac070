/**
 * wait=true: the pipeline's HTTP request is held open until the approval is decided or times out,
 * and then answered like the seed's bot. Over real HTTP (the app listening on a free port) and
 * through inject; the timeout on a ManualClock by driving the core's due job.
 */
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeDb } from './test-app.js';
import { TEST_DIALECT } from './test-db.js';
import { until } from './jenkins-helpers.js';
import {
  approval,
  createStageWorld,
  HOLD_JOB,
  jenkinsPosts,
  PROJECT,
  settleFollowUp,
  startRun,
  waitUrl,
  type StageWorld,
} from './approvals-stage-helpers.js';

describeDb(`approvals stage: blocking wait (${TEST_DIALECT})`, () => {
  let w: StageWorld;
  let base: string;

  beforeAll(async () => {
    w = await createStageWorld();
    await w.j.t.gh.app.listen({ port: 0, host: '127.0.0.1' });
    base = `http://127.0.0.1:${(w.j.t.gh.app.server.address() as AddressInfo).port}`;
  });
  afterAll(async () => w?.close());

  const params = (build: number, extra: Record<string, string | number | boolean> = {}) => ({
    project: PROJECT,
    env: 'prod',
    job: HOLD_JOB,
    build,
    version: '2.0',
    desc: 'blocking',
    wait: true,
    ...extra,
  });
  /** The approval the held request created (found in the list, so this test does not create it itself). */
  const idOf = (build: number) =>
    until('the held request', async () => {
      const res = await w.j.t.inject({ method: 'GET', url: '/api/approvals?status=pending&pageSize=100', token: w.j.admin });
      const hit = (res.json().items as Array<{ id: number; job: string; build: number }>).find(
        (i) => i.job === HOLD_JOB && i.build === build,
      );
      return hit?.id;
    });

  it('holds a real HTTP request open until an approver approves, then answers approved', async () => {
    const n = await startRun(w.sim, HOLD_JOB, 'hold');
    let answered = false;
    const held = fetch(`${base}${waitUrl(params(n))}`, { headers: { authorization: `Bearer ${w.pipeline.apiToken}` } }).then(async (r) => {
      answered = true;
      return { status: r.status, body: await r.json() };
    });
    const id = await idOf(n);
    await new Promise((r) => setTimeout(r, 150));
    expect(answered).toBe(false);
    const res = await w.j.t.inject({ method: 'POST', url: `/api/approve/${id}`, token: w.approver.token, payload: { comment: 'go' } });
    expect(res.statusCode).toBe(200);
    const { status, body } = await held;
    expect(status).toBe(200);
    expect(body).toMatchObject({
      result: 'approved',
      approval_id: id,
      approver: w.approver.username,
      comment: 'go',
      waited_seconds: expect.any(Number),
      status: 'approved',
      outcome: 'proceed',
    });
    // The pipeline got its answer; nothing is sent to Jenkins for it.
    expect((await settleFollowUp(w, id)).followUp).toBe('done');
    expect(jenkinsPosts(w.sim, [HOLD_JOB], n)).toEqual([]);
    w.sim.release(HOLD_JOB, n, 'end');
    expect((await w.sim.waitForBuild(HOLD_JOB, n)).result).toBe('SUCCESS');
  });

  it('answers rejected with the reason, and does not stop the build itself', async () => {
    const n = await startRun(w.sim, HOLD_JOB, 'hold');
    const held = w.j.t.inject({ method: 'POST', url: '/api/stage/approval/wait', token: w.pipeline.apiToken, payload: params(n) });
    const id = await idOf(n);
    const res = await w.j.t.inject({ method: 'POST', url: `/api/reject/${id}`, token: w.approver.token, payload: { reason: 'tests red' } });
    expect(res.statusCode).toBe(200);
    const answer = await held;
    expect(answer.statusCode).toBe(200);
    expect(answer.json()).toMatchObject({
      result: 'rejected',
      approval_id: id,
      approver: w.approver.username,
      comment: 'tests red',
      outcome: 'abort',
    });
    expect((await settleFollowUp(w, id)).followUp).toBe('done');
    expect(jenkinsPosts(w.sim, [HOLD_JOB], n)).toEqual([]);
    w.sim.release(HOLD_JOB, n, 'end');
    await w.sim.waitForBuild(HOLD_JOB, n);
  });

  it('answers timeout when the stage timeout passes (ManualClock, the due job)', async () => {
    const n = await startRun(w.sim, HOLD_JOB, 'hold');
    const held = w.j.t.inject({ method: 'GET', url: waitUrl(params(n, { timeout: 60 })), token: w.pipeline.apiToken });
    const id = await idOf(n);
    const a = await approval(w, id);
    expect(Date.parse(a.deadlineAt) - Date.parse(a.createdAt)).toBe(60_000);
    w.clock.advance(61_000);
    await w.j.t.gh.ctx.jobs.drain();
    const answer = await held;
    expect(answer.statusCode).toBe(200);
    expect(answer.json()).toMatchObject({ result: 'timeout', approval_id: id, status: 'timeout', approver: null, outcome: 'abort' });
    expect(answer.json().waited_seconds).toBeGreaterThanOrEqual(60);
    expect((await approval(w, id)).status).toBe('timeout');
    w.sim.release(HOLD_JOB, n, 'end');
    await w.sim.waitForBuild(HOLD_JOB, n);
  });

  it('stops waiting for a pipeline that hangs up', async () => {
    const n = await startRun(w.sim, HOLD_JOB, 'hold');
    const hangUp = new AbortController();
    const held = fetch(`${base}${waitUrl(params(n))}`, {
      headers: { authorization: `Bearer ${w.pipeline.apiToken}` },
      signal: hangUp.signal,
    }).catch((e: Error) => e.name);
    const id = await idOf(n);
    const stage = w.j.t.gh.modules.approvals.stage;
    await until('the wait to be held', async () => stage.waitingPipelines() === 1);
    hangUp.abort();
    expect(await held).toBe('AbortError');
    await until('the waiter to let go', async () => stage.waitingPipelines() === 0);
    // The request itself stays pending for its approvers.
    expect((await approval(w, id)).status).toBe('pending');
    await w.j.t.inject({ method: 'POST', url: `/api/reject/${id}`, token: w.approver.token, payload: { reason: 'cleanup' } });
    w.sim.release(HOLD_JOB, n, 'end');
    await w.sim.waitForBuild(HOLD_JOB, n);
  });

  it('answers at once when the request is already decided', async () => {
    const n = await startRun(w.sim, HOLD_JOB, 'hold');
    const first = await w.j.t.inject({ method: 'GET', url: waitUrl({ ...params(n), wait: false }), token: w.pipeline.apiToken });
    expect(first.statusCode).toBe(201);
    const id = first.json().approval_id as number;
    await w.j.t.inject({ method: 'POST', url: `/api/approve/${id}`, token: w.approver.token, payload: {} });
    const again = await w.j.t.inject({ method: 'GET', url: waitUrl(params(n)), token: w.pipeline.apiToken });
    expect(again.statusCode).toBe(200);
    expect(again.json()).toMatchObject({ result: 'approved', approval_id: id, created: false });
    w.sim.release(HOLD_JOB, n, 'end');
    await w.sim.waitForBuild(HOLD_JOB, n);
  });
});

describeDb(`approvals stage: longest wait (${TEST_DIALECT})`, () => {
  let w: StageWorld;
  beforeAll(async () => {
    w = await createStageWorld({ config: { approvals: { maxWaitSeconds: 1 } } });
  });
  afterAll(async () => w?.close());

  it('answers timeout with status pending after approvals.maxWaitSeconds; the request stays open', async () => {
    const n = await startRun(w.sim, HOLD_JOB, 'hold');
    const started = Date.now();
    const res = await w.j.t.inject({
      method: 'GET',
      url: waitUrl({ project: PROJECT, env: 'prod', job: HOLD_JOB, build: n, wait: true }),
      token: w.pipeline.apiToken,
    });
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ result: 'timeout', status: 'pending', outcome: 'abort', approver: null, waited_seconds: 1 });
    expect((await approval(w, res.json().approval_id)).status).toBe('pending');
    w.sim.release(HOLD_JOB, n, 'end');
    await w.sim.waitForBuild(HOLD_JOB, n);
  });
});

describeDb(`approvals stage: shutdown while pipelines wait (${TEST_DIALECT})`, () => {
  it('answers held requests with 503 STAGE_SHUTTING_DOWN instead of holding up the shutdown', async () => {
    const w = await createStageWorld();
    let closed = false;
    try {
      await w.j.t.gh.app.listen({ port: 0, host: '127.0.0.1' });
      const url = `http://127.0.0.1:${(w.j.t.gh.app.server.address() as AddressInfo).port}`;
      const n = await startRun(w.sim, HOLD_JOB, 'hold');
      const held = fetch(`${url}${waitUrl({ project: PROJECT, env: 'prod', job: HOLD_JOB, build: n, wait: true })}`, {
        headers: { authorization: `Bearer ${w.pipeline.apiToken}` },
      }).then(async (r) => ({ status: r.status, body: await r.json() }));
      await until('the wait to be held', async () => w.j.t.gh.modules.approvals.stage.waitingPipelines() === 1);
      const started = Date.now();
      await w.j.t.gh.close();
      closed = true;
      expect(Date.now() - started).toBeLessThan(5_000);
      const answer = await held;
      expect(answer.status).toBe(503);
      expect(answer.body.error.code).toBe('STAGE_SHUTTING_DOWN');
    } finally {
      if (!closed) await w.j.t.gh.close();
      await w.j.t.db.drop();
      await w.sim.close();
    }
  });
});
