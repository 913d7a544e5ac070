/**
 * Jenkins emulator contract: triggering builds — build, buildWithParameters, tokens, delay and the
 * error matrix (reference §6).
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { basic, call, drain, loadQueueJobs, post, queueIdFrom, queueItem, startSim, type JenkinsSim } from './jenkins-sim-helpers.js';

let sim: JenkinsSim;

beforeAll(async () => {
  // Real-time quiet period of 5 s: items stay waiting until a test ends the quiet period.
  sim = await startSim({ timeScale: 1, quietPeriodMs: 5000 });
  loadQueueJobs(sim);
});
afterAll(async () => sim?.close());
beforeEach(() => {
  sim.pauseQueue(false);
  sim.holdStarts(false);
});

const item = (id: number) => queueItem(sim, id);

describe('triggering', () => {
  it('answers POST build with 201 and the queue item in Location', async () => {
    const res = await post(sim, '/job/plain/build');
    expect(res.status).toBe(201);
    expect(res.headers.get('location')).toMatch(new RegExp(`^${sim.url}/queue/item/[0-9]+/$`));
    expect(res.headers.get('x-jenkins')).toBeNull();
    expect(await res.text()).toBe('');
    // An identical request merges into the queued item: /build still says 201.
    const again = await post(sim, '/job/plain/build');
    expect(again.status).toBe(201);
    expect(again.headers.get('location')).toBe(res.headers.get('location'));
    await drain(sim, 'plain');
  });

  it('takes buildWithParameters values from the form or query, else defaults', async () => {
    const res = await post(sim, '/job/deploy/buildWithParameters?REGION=us-east-1', {
      form: { TARGET: 'prod', DRY_RUN: 'TRUE', UNKNOWN: 'x' },
    });
    expect(res.status).toBe(201);
    const q = await item(queueIdFrom(res));
    expect(q.params).toBe('\nTARGET=prod\nREGION=us-east-1\nDRY_RUN=true\nAPI_KEY=****');
    expect(q.actions[0]).toEqual({
      _class: 'hudson.model.ParametersAction',
      parameters: [
        { _class: 'hudson.model.StringParameterValue', name: 'TARGET', value: 'prod' },
        { _class: 'hudson.model.StringParameterValue', name: 'REGION', value: 'us-east-1' },
        { _class: 'hudson.model.BooleanParameterValue', name: 'DRY_RUN', value: true },
        { _class: 'hudson.model.PasswordParameterValue', name: 'API_KEY' },
      ],
    });
    // The same values again merge into the queued item: 303 See Other.
    const merged = await post(sim, '/job/deploy/buildWithParameters?REGION=us-east-1', { form: { TARGET: 'prod', DRY_RUN: 'true' } });
    expect(merged.status).toBe(303);
    expect(merged.headers.get('location')).toBe(res.headers.get('location'));
    const other = await post(sim, '/job/deploy/buildWithParameters', { form: { DRY_RUN: 'yes' } });
    expect(other.status).toBe(201);
    expect((await item(queueIdFrom(other))).params).toBe('\nTARGET=staging\nREGION=eu-west-1\nDRY_RUN=false\nAPI_KEY=****');
    await drain(sim, 'deploy');
  });

  it('accepts /build with a json field on a parameterized job', async () => {
    const json = JSON.stringify({ parameter: [{ name: 'TARGET', value: 'prod' }] });
    const res = await post(sim, '/job/deploy/build', { form: { json } });
    expect(res.status).toBe(201);
    const q = await item(queueIdFrom(res));
    expect(q.params).toContain('\nTARGET=prod');
    expect(q.actions[1].causes[0]).toEqual({
      _class: 'hudson.model.Cause$UserIdCause',
      shortDescription: 'Started by user Admin',
      userId: 'admin',
      userName: 'Admin',
    });
    await drain(sim, 'deploy');
  });

  it('answers the error matrix of §6', async () => {
    const cases: [string, string, Record<string, string> | undefined, number, RegExp][] = [
      ['GET', '/job/plain/build', undefined, 405, /This URL requires POST/],
      ['GET', '/job/plain/buildWithParameters', undefined, 405, /This URL requires POST/],
      ['POST', '/job/deploy/build', undefined, 400, /Nothing is submitted/],
      ['POST', '/job/deploy/build', { TARGET: 'x' }, 400, /This page expects a form submission/],
      ['POST', '/job/plain/buildWithParameters', undefined, 400, /plain is not parameterized/],
      ['POST', '/job/legacy/build', undefined, 409, /legacy is not buildable/],
      ['POST', '/job/nope/build', undefined, 404, /Not Found/],
      ['POST', '/job/deploy/buildWithParameters', { REGION: 'mars' }, 500, /Illegal choice for parameter REGION: mars/],
    ];
    for (const [method, path, form, status, body] of cases) {
      const res = await call(sim, path, { method, form });
      expect(res.status, `${method} ${path}`).toBe(status);
      expect(await res.text()).toMatch(body);
      if (status === 405) expect(res.headers.get('allow')).toBe('POST');
    }
    const repeated = await post(sim, '/job/deploy/buildWithParameters?TARGET=a', { form: { TARGET: 'b' } });
    expect(repeated.status).toBe(400);
    expect(sim.sim.queue.active()).toEqual([]);
  });

  it('shows the parameter form for GET build on a parameterized job, without building', async () => {
    const res = await call(sim, '/job/deploy/build?token=x');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    expect(sim.sim.queue.active()).toEqual([]);
  });

  it('parses delay as TimeDuration: "10sec" is seconds, a bare number milliseconds', async () => {
    sim.pauseQueue(true);
    for (const [delay, ms] of [
      ['10sec', 10_000],
      ['3secs', 3_000],
      ['7000', 7_000],
    ] as const) {
      const res = await post(sim, `/job/deploy/buildWithParameters?delay=${delay}`, { form: { TARGET: delay } });
      const q = await item(queueIdFrom(res));
      expect(q.timestamp - q.inQueueSince).toBe(ms);
    }
    expect((await post(sim, '/job/plain/build?delay=soon')).status).toBe(500);
    await drain(sim, 'deploy');
  });

  it('lets a matching token trigger without Item/Build and records a RemoteCause', async () => {
    const viewer = basic('viewer', 'viewer-token');
    expect((await post(sim, '/job/remote/build', { auth: viewer })).status).toBe(403);
    expect((await call(sim, '/job/remote/build?token=wrong', { auth: viewer })).status).toBe(403);
    expect(await (await call(sim, '/job/remote/build?token=wrong', { auth: viewer })).text()).toContain('Invalid token provided.');
    // Reaching the job still needs Overall/Read: anonymous gets the login page before the token is looked at.
    expect((await call(sim, '/job/remote/build?token=s3cret', { auth: null })).status).toBe(403);
    const res = await call(sim, '/job/remote/build?token=s3cret&cause=nightly', { auth: viewer });
    expect(res.status).toBe(201);
    const q = await item(queueIdFrom(res));
    expect(q.actions[0].causes[0]).toMatchObject({
      _class: 'hudson.model.Cause$RemoteCause',
      shortDescription: 'Started by remote host 127.0.0.1 with note: nightly',
    });
    await drain(sim, 'remote');
  });
});
