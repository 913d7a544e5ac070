/**
 * Jenkins emulator contract: triggering builds, the queue item lifecycle, cancelling, and run
 * fields (reference §§6–8).
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { basic, call, getJson, post, queueIdFrom, startSim, until, type JenkinsSim } from './jenkins-sim-helpers.js';

let sim: JenkinsSim;

const PARAMS = [
  { type: 'string' as const, name: 'TARGET', default: 'staging' },
  { type: 'choice' as const, name: 'REGION', choices: ['eu-west-1', 'us-east-1'] },
  { type: 'boolean' as const, name: 'DRY_RUN', default: false },
  { type: 'password' as const, name: 'API_KEY', default: 'secret' },
];
const HOLD = [{ hold: 'end' }];

beforeAll(async () => {
  // Real-time quiet period of 5 s: items stay waiting until a test ends the quiet period.
  sim = await startSim({ timeScale: 1, quietPeriodMs: 5000 });
  sim.addUser('viewer', { tokens: ['viewer-token'], permissions: ['Overall/Read', 'Item/Read'] });
  sim.createJob('plain', { script: HOLD });
  sim.createJob('deploy', { params: PARAMS, script: HOLD });
  sim.createJob('serial', { concurrentBuild: false, script: HOLD });
  sim.createJob('remote', { authToken: 's3cret', script: HOLD });
  sim.createJob('legacy', { kind: 'freestyle', disabled: true });
});
afterAll(async () => sim?.close());
beforeEach(() => {
  sim.pauseQueue(false);
  sim.holdStarts(false);
});

const item = (id: number) => getJson(sim, `/queue/item/${id}/api/json`);

/** Lets every queued item run and every held run of the job finish. */
async function drain(job: string): Promise<void> {
  sim.pauseQueue(false);
  sim.endQuietPeriod();
  const settled = () => [...sim.sim.queue.items.values()].every((i) => i.state === 'left' && (i.cancelled || i.build));
  await until(() => (settled() ? true : undefined), 'every queue item to leave and start');
  for (const b of sim.job(job).builds) {
    sim.release(job, b.number, 'end');
    await sim.waitForBuild(job, b.number);
  }
}

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
    await drain('plain');
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
    await drain('deploy');
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
    await drain('deploy');
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
    await drain('deploy');
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
    await drain('remote');
  });
});

describe('queue items', () => {
  it('goes Waiting → Buildable → Left(executable null) → Left(run)', async () => {
    sim.pauseQueue(true);
    const id = queueIdFrom(await post(sim, '/job/plain/build'));
    const waiting = await item(id);
    expect(Object.keys(waiting)).toEqual([
      '_class',
      'actions',
      'blocked',
      'buildable',
      'id',
      'inQueueSince',
      'params',
      'stuck',
      'task',
      'url',
      'why',
      'timestamp',
    ]);
    expect(waiting).toMatchObject({
      _class: 'hudson.model.Queue$WaitingItem',
      blocked: false,
      buildable: false,
      id,
      params: '',
      stuck: false,
      url: `queue/item/${id}/`,
    });
    expect(waiting.why).toMatch(/^In the quiet period\. Expires in [0-9]+\.[0-9] sec$/);
    expect(waiting.timestamp - waiting.inQueueSince).toBe(5000);
    expect(waiting.task).toEqual({
      _class: 'org.jenkinsci.plugins.workflow.job.WorkflowJob',
      name: 'plain',
      url: `${sim.url}/job/plain/`,
      color: 'blue',
    });
    expect((await getJson(sim, '/queue/api/json')).items.map((i: any) => i.id)).toEqual([id]);

    sim.endQuietPeriod(id);
    const buildable = await item(id);
    expect(buildable).toMatchObject({
      _class: 'hudson.model.Queue$BuildableItem',
      buildable: true,
      pending: false,
      why: 'Waiting for next available executor',
    });
    expect(typeof buildable.buildableStartMilliseconds).toBe('number');

    sim.holdStarts(true);
    sim.pauseQueue(false);
    const left = await item(id);
    expect(left).toMatchObject({ _class: 'hudson.model.Queue$LeftItem', cancelled: false, executable: null, why: null });
    expect((await getJson(sim, '/queue/api/json')).items).toEqual([]);

    sim.holdStarts(false);
    const started = await until(async () => ((await item(id)).executable ? item(id) : undefined), 'the run to exist');
    const n = sim.job('plain').nextBuildNumber - 1;
    expect(started.executable).toEqual({
      _class: 'org.jenkinsci.plugins.workflow.job.WorkflowRun',
      number: n,
      url: `${sim.url}/job/plain/${n}/`,
    });
    const builds = await getJson(sim, '/job/plain/api/json?tree=builds[number,queueId]{0,1}');
    expect(builds.builds[0]).toEqual({ _class: 'org.jenkinsci.plugins.workflow.job.WorkflowRun', number: n, queueId: id });
    const page = await call(sim, `/queue/item/${id}/`);
    expect(page.status).toBe(200);
    expect(await page.text()).toMatch(
      /^Queue item exists\. For details check, for example, .*api\/json\?tree=cancelled,executable\[url\]$/,
    );
    await drain('plain');
  });

  it('blocks a non-concurrent job while its previous run is building', async () => {
    const first = queueIdFrom(await post(sim, '/job/serial/build?delay=0sec'));
    await until(async () => ((await item(first)).executable ? true : undefined), 'the first run');
    const second = queueIdFrom(await post(sim, '/job/serial/build?delay=0sec'));
    const blocked = await item(second);
    expect(blocked).toMatchObject({ _class: 'hudson.model.Queue$BlockedItem', blocked: true, buildable: false });
    expect(blocked.why).toMatch(/^Build #1 is already in progress \(ETA: /);
    expect(typeof blocked.buildableStartMilliseconds).toBe('number');
    sim.release('serial', 1, 'end');
    const started = await until(async () => ((await item(second)).executable ? item(second) : undefined), 'the second run');
    expect(started.executable.number).toBe(2);
    await drain('serial');
  });

  it('keeps freestyle items buildable while all executors are busy', async () => {
    const small = await startSim({ executors: 1 });
    try {
      small.createJob('a', { kind: 'freestyle', script: HOLD });
      small.createJob('b', { kind: 'freestyle', script: HOLD });
      const a = queueIdFrom(await post(small, '/job/a/build'));
      await until(async () => ((await getJson(small, `/queue/item/${a}/api/json`)).executable ? true : undefined), 'a to start');
      const b = queueIdFrom(await post(small, '/job/b/build'));
      expect(await getJson(small, `/queue/item/${b}/api/json`)).toMatchObject({
        _class: 'hudson.model.Queue$BuildableItem',
        why: 'Waiting for next available executor',
      });
      small.release('a', 1, 'end');
      await until(async () => ((await getJson(small, `/queue/item/${b}/api/json`)).executable ? true : undefined), 'b to start');
    } finally {
      await small.close();
    }
  });

  it('cancels with 204, then 500 for a left item, 404 for unknown ids and 422 without Item/Cancel', async () => {
    const id = queueIdFrom(await post(sim, '/job/plain/build'));
    expect((await post(sim, `/queue/cancelItem?id=${id}`, { auth: basic('viewer', 'viewer-token') })).status).toBe(422);
    expect((await call(sim, `/queue/cancelItem?id=${id}`)).status).toBe(405);
    const res = await post(sim, `/queue/cancelItem?id=${id}`);
    expect(res.status).toBe(204);
    expect(await item(id)).toMatchObject({ _class: 'hudson.model.Queue$LeftItem', cancelled: true, executable: null });
    const again = await post(sim, `/queue/cancelItem?id=${id}`);
    expect(again.status).toBe(500);
    expect(await again.text()).toContain(`Could not cancel run for id ${id}`);
    const unknown = await post(sim, '/queue/cancelItem?id=99999');
    expect(unknown.status).toBe(404);
    expect(await unknown.text()).toContain('Provided id (99999) not found');
    const legacy = queueIdFrom(await post(sim, '/job/plain/build'));
    expect((await post(sim, `/queue/item/${legacy}/cancelQueue`)).status).toBe(204);
    expect((await item(legacy)).cancelled).toBe(true);
  });

  it('cancels the first waiting item of a job with POST /job/x/cancelQueue (302)', async () => {
    sim.pauseQueue(true);
    const buildable = queueIdFrom(await post(sim, '/job/deploy/buildWithParameters?delay=0', { form: { TARGET: 'a' } }));
    const waiting = queueIdFrom(await post(sim, '/job/deploy/buildWithParameters', { form: { TARGET: 'b' } }));
    expect((await item(buildable))._class).toBe('hudson.model.Queue$BuildableItem');
    const res = await post(sim, '/job/deploy/cancelQueue');
    expect(res.status).toBe(302);
    expect((await item(waiting)).cancelled).toBe(true);
    expect((await item(buildable))._class).toBe('hudson.model.Queue$BuildableItem');
    expect((await post(sim, `/queue/cancelItem?id=${buildable}`)).status).toBe(204);
  });

  it('forgets left items after the retention time (404)', async () => {
    const quick = await startSim({ queueRetentionMs: 30 });
    try {
      quick.createJob('j', { script: [] });
      const id = queueIdFrom(await post(quick, '/job/j/build'));
      await until(
        async () => ((await call(quick, `/queue/item/${id}/api/json`)).status === 404 ? true : undefined),
        'the left item to expire',
      );
      expect((await post(quick, `/queue/cancelItem?id=${id}`)).status).toBe(404);
      expect((await getJson(quick, '/job/j/api/json?tree=builds[queueId]')).builds).toEqual([{ _class: expect.any(String), queueId: id }]);
    } finally {
      await quick.close();
    }
  });
});

describe('run fields', () => {
  it('reports building, result and duration while running and when finished', async () => {
    sim.createJob('fields', { script: [{ log: 'step\n' }, { result: 'UNSTABLE' }, { hold: 'end' }] });
    const id = queueIdFrom(await post(sim, '/job/fields/build?delay=0sec'));
    await until(async () => ((await item(id)).executable ? true : undefined), 'the run');
    const running = await getJson(sim, '/job/fields/1/api/json');
    expect(running).toMatchObject({
      _class: 'org.jenkinsci.plugins.workflow.job.WorkflowRun',
      building: true,
      inProgress: true,
      duration: 0,
      estimatedDuration: -1,
      id: '1',
      number: 1,
      queueId: id,
    });
    // A pipeline may set its result before it ends: completion is building == false.
    expect(running.result).toBe('UNSTABLE');
    expect(running.executor).toEqual({ _class: 'hudson.model.OneOffExecutor' });
    const job = await getJson(sim, '/job/fields/api/json?tree=lastBuild[number],lastCompletedBuild[number],color');
    expect(job).toEqual({
      _class: 'org.jenkinsci.plugins.workflow.job.WorkflowJob',
      lastBuild: { _class: 'org.jenkinsci.plugins.workflow.job.WorkflowRun', number: 1 },
      lastCompletedBuild: null,
      color: 'notbuilt_anime',
    });
    sim.release('fields', 1, 'end');
    await sim.waitForBuild('fields', 1);
    const done = await getJson(sim, '/job/fields/1/api/json');
    expect(done).toMatchObject({ building: false, inProgress: false, result: 'UNSTABLE', executor: null });
    expect(done.duration).toBeGreaterThan(0);
    expect(done.timestamp).toBeGreaterThan(0);
    expect(Object.keys(done).slice(-6)).toEqual(['url', 'changeSets', 'culprits', 'inProgress', 'nextBuild', 'previousBuild']);
    expect((await getJson(sim, '/job/fields/api/json?tree=color')).color).toBe('yellow');
  });

  it('exposes changeSets on pipeline runs and changeSet, builtOn, culprits on freestyle runs', async () => {
    sim.createJob('scm', { script: [] });
    sim.createJob('fs-scm', { kind: 'freestyle', script: [] });
    for (const job of ['scm', 'fs-scm']) {
      sim.pushCommit(job, { id: 'a1b2c3', msg: 'Fix login\n\nLonger text', author: 'Erin' });
      sim.trigger(job);
      await until(() => (sim.job(job).builds[0] && !sim.job(job).builds[0].building ? true : undefined), `${job} #1`);
    }
    const tree = 'changeSets[kind,items[msg,commitId,author[fullName]]],changeSet[kind,items[msg]],culprits[fullName],builtOn';
    const pipeline = await getJson(sim, `/job/scm/1/api/json?tree=${tree}`);
    expect(pipeline).toEqual({
      _class: 'org.jenkinsci.plugins.workflow.job.WorkflowRun',
      changeSets: [
        {
          _class: 'hudson.plugins.git.GitChangeSetList',
          kind: 'git',
          items: [{ _class: 'hudson.plugins.git.GitChangeSet', msg: 'Fix login', commitId: 'a1b2c3', author: { fullName: 'Erin' } }],
        },
      ],
      culprits: [{ fullName: 'Erin' }],
    });
    const free = await getJson(sim, `/job/fs-scm/1/api/json?tree=${tree},executor`);
    expect(free).toEqual({
      _class: 'hudson.model.FreeStyleBuild',
      builtOn: '',
      changeSet: {
        _class: 'hudson.plugins.git.GitChangeSetList',
        kind: 'git',
        items: [{ _class: 'hudson.plugins.git.GitChangeSet', msg: 'Fix login' }],
      },
      culprits: [{ fullName: 'Erin' }],
      executor: null,
    });
  });
});
