/**
 * Jenkins emulator contract: the queue item lifecycle, cancelling, executors, and run fields
 * (reference §§7, 8).
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  basic,
  call,
  drain,
  getJson,
  HOLD,
  loadQueueJobs,
  post,
  queueIdFrom,
  queueItem,
  startSim,
  until,
  type JenkinsSim,
} from './jenkins-sim-helpers.js';

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
      color: 'notbuilt',
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
    await drain(sim, 'plain');
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
    await drain(sim, 'serial');
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
