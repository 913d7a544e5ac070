/**
 * Jenkins emulator contract: pipeline `input` steps — discovery (log, build JSON, Stage View's
 * wfapi) and answering (proceedEmpty, proceed, abort, submit, inputSubmit) (reference §10).
 */
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_PASSWORD, basic, call, getJson, post, startSim, until, type JenkinsSim } from './jenkins-sim-helpers.js';

let sim: JenkinsSim;
const ALICE = basic('alice', 'alice-token');
const DEV = basic('dev', 'dev-token');
const VIEWER = basic('viewer', 'viewer-token');

const PROMOTE_PARAMS = [
  { type: 'choice' as const, name: 'REGION', description: 'Where', choices: ['eu-west-1', 'us-east-1'] },
  { type: 'string' as const, name: 'TAG', default: 'v1' },
  { type: 'text' as const, name: 'NOTES', description: null },
];

beforeAll(async () => {
  sim = await startSim();
  sim.addUser('alice', {
    fullName: 'Alice Release',
    tokens: ['alice-token'],
    permissions: ['Overall/Read', 'Item/Read'],
    groups: ['release-managers'],
  });
  sim.addUser('dev', { fullName: 'Dev', tokens: ['dev-token'], permissions: ['Overall/Read', 'Item/Read', 'Item/Build'] });
  sim.addUser('viewer', { tokens: ['viewer-token'], permissions: ['Overall/Read', 'Item/Read'] });
  sim.createJob('deploy', { script: [{ input: { id: 'approve', message: 'Deploy to prod?', ok: 'Deploy' } }, { log: 'deployed\n' }] });
  sim.createJob('promote', {
    script: [
      { input: { id: 'Promote', message: 'Promote?', ok: 'Promote', submitter: 'alice,release-managers', parameters: PROMOTE_PARAMS } },
      { log: 'promoted\n' },
    ],
  });
  sim.createJob('plain-input', { script: [{ input: { message: 'Go on?' } }] });
  sim.createJob('no-input', { script: [] });
  sim.createJob('free', { kind: 'freestyle', script: [] });
});
afterAll(async () => sim?.close());

/** Starts the next run of `job` and waits until it waits at its input. */
async function waitingRun(job: string): Promise<number> {
  sim.trigger(job);
  const n = sim.job(job).nextBuildNumber;
  await until(
    () => (sim.job(job).builds.find((b) => b.number === n)?.pendingInputs.length ? true : undefined),
    `${job} #${n} at its input`,
  );
  return n;
}

describe('discovering a waiting input', () => {
  it('shows the input in the log, the build JSON and wfapi', async () => {
    const n = await waitingRun('deploy');
    const html = await (await call(sim, `/job/deploy/${n}/logText/progressiveHtml`)).text();
    expect(html).toContain('Deploy to prod?');
    expect(html).toContain(`<a href="/job/deploy/${n}/input/Approve/proceedEmpty" class="post-link">Deploy</a>`);
    expect(html).toContain(`<a href="/job/deploy/${n}/input/Approve/abort" class="post-link">Abort</a>`);

    const run = await getJson(sim, `/job/deploy/${n}/api/json`);
    expect(run.actions).toContainEqual({ _class: 'org.jenkinsci.plugins.workflow.support.steps.input.InputAction' });
    const tree = 'actions[waitingForInput,executions[id,input[message,ok,submitter,parameters[name,type]]]]';
    const detailed = await getJson(sim, `/job/deploy/${n}/api/json?tree=${tree}`);
    expect(detailed.actions.find((a: any) => a.executions)).toEqual({
      _class: 'org.jenkinsci.plugins.workflow.support.steps.input.InputAction',
      executions: [
        {
          _class: 'org.jenkinsci.plugins.workflow.support.steps.input.InputStepExecution',
          id: 'Approve',
          input: {
            _class: 'org.jenkinsci.plugins.workflow.support.steps.input.InputStep',
            message: 'Deploy to prod?',
            ok: 'Deploy',
            submitter: null,
            parameters: [],
          },
        },
      ],
      waitingForInput: true,
    });

    const res = await call(sim, `/job/deploy/${n}/wfapi/pendingInputActions`);
    expect(res.headers.get('content-type')).toBe('application/json; charset=UTF-8');
    expect(await res.json()).toEqual([
      {
        id: 'Approve',
        proceedText: 'Deploy',
        message: 'Deploy to prod?',
        inputs: [],
        proceedUrl: `/job/deploy/${n}/wfapi/inputSubmit?inputId=Approve`,
        abortUrl: `/job/deploy/${n}/input/Approve/abort`,
        redirectApprovalUrl: `/job/deploy/${n}/input/`,
      },
    ]);
    expect((await getJson(sim, `/job/deploy/${n}/wfapi/nextPendingInputAction`)).id).toBe('Approve');
    expect((await getJson(sim, `/job/deploy/${n}/wfapi/describe`)).status).toBe('PAUSED_PENDING_INPUT');
    expect((await call(sim, `/job/deploy/${n}/input/`)).status).toBe(200);
    await post(sim, `/job/deploy/${n}/input/Approve/abort`);
  });

  it('describes input parameters as Stage View does', async () => {
    const n = await waitingRun('promote');
    const [action] = await getJson(sim, `/job/promote/${n}/wfapi/pendingInputActions`);
    expect(action.inputs).toEqual([
      {
        type: 'ChoiceParameterDefinition',
        name: 'REGION',
        description: 'Where',
        definition: { defaultVal: 'eu-west-1', choices: ['eu-west-1', 'us-east-1'] },
      },
      { type: 'StringParameterDefinition', name: 'TAG', definition: { defaultVal: 'v1' } },
      { type: 'TextParameterDefinition', name: 'NOTES', definition: {} },
    ]);
    const html = await (await call(sim, `/job/promote/${n}/logText/progressiveHtml`)).text();
    expect(html).toContain(`<a href="/job/promote/${n}/input/">Input requested</a>`);
    await post(sim, `/job/promote/${n}/input/Promote/abort`);
  });

  it('derives the default id from the MD5 of the message, first letter upper-cased', async () => {
    const n = await waitingRun('plain-input');
    const md5 = createHash('md5').update('Go on?').digest('hex');
    const id = /^[a-z]/.test(md5) ? md5[0].toUpperCase() + md5.slice(1) : md5;
    const [action] = await getJson(sim, `/job/plain-input/${n}/wfapi/pendingInputActions`);
    expect(action.id).toBe(id);
    expect((await post(sim, `/job/plain-input/${n}/input/${id}/proceedEmpty`)).status).toBe(200);
  });

  it('has no /input/ for runs that never had an input and no wfapi for freestyle runs', async () => {
    for (const job of ['no-input', 'free']) {
      sim.trigger(job);
      await until(() => (sim.job(job).builds[0] && !sim.job(job).builds[0].building ? true : undefined), `${job} #1`);
    }
    expect((await call(sim, '/job/no-input/1/input/')).status).toBe(404);
    expect(await getJson(sim, '/job/no-input/1/wfapi/pendingInputActions')).toEqual([]);
    expect((await call(sim, '/job/free/1/wfapi/pendingInputActions')).status).toBe(404);
  });
});

describe('answering an input', () => {
  it('proceeds with proceedEmpty (200, empty), then the id is gone (404)', async () => {
    const n = await waitingRun('deploy');
    expect((await call(sim, `/job/deploy/${n}/input/Approve/proceedEmpty`)).status).toBe(405);
    expect((await post(sim, `/job/deploy/${n}/input/approve/proceedEmpty`)).status).toBe(404);
    expect((await post(sim, `/job/deploy/${n}/input/Other/proceedEmpty`)).status).toBe(404);
    // Password POSTs still need a crumb.
    expect((await post(sim, `/job/deploy/${n}/input/Approve/proceedEmpty`, { auth: ADMIN_PASSWORD })).status).toBe(403);
    const res = await post(sim, `/job/deploy/${n}/input/Approve/proceedEmpty`, { auth: DEV });
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('');
    await sim.waitForBuild('deploy', n);
    expect(sim.build('deploy', n).result).toBe('SUCCESS');
    expect(await (await call(sim, `/job/deploy/${n}/consoleText`)).text()).toMatch(/Approved by Dev\ndeployed\nFinished: SUCCESS\n$/);
    expect((await post(sim, `/job/deploy/${n}/input/Approve/proceedEmpty`)).status).toBe(404);
    expect(await getJson(sim, `/job/deploy/${n}/wfapi/pendingInputActions`)).toEqual([]);
    expect(await getJson(sim, `/job/deploy/${n}/wfapi/nextPendingInputAction`)).toBeNull();
    const tree = await getJson(sim, `/job/deploy/${n}/api/json?tree=actions[waitingForInput,executions[id]]`);
    expect(tree.actions.find((a: any) => 'waitingForInput' in a)).toMatchObject({ waitingForInput: false, executions: [] });
  });

  it('enforces submitters with 400 + X-Error and needs json for proceed', async () => {
    const n = await waitingRun('promote');
    const denied = await post(sim, `/job/promote/${n}/input/Promote/proceedEmpty`, { auth: DEV });
    expect(denied.status).toBe(400);
    expect(denied.headers.get('x-error')).toBe('You need to be alice,release-managers to submit this.');
    const cancel = await post(sim, `/job/promote/${n}/input/Promote/abort`, { auth: VIEWER });
    expect(cancel.status).toBe(400);
    expect(cancel.headers.get('x-error')).toBe("You need to be 'alice,release-managers' (or have Job/Cancel permissions) to cancel this.");
    const nothing = await post(sim, `/job/promote/${n}/input/Promote/proceed`, { auth: ALICE });
    expect(nothing.status).toBe(400);
    expect(nothing.headers.get('x-error')).toBe('Nothing is submitted');
    const json = JSON.stringify({ parameter: [{ name: 'REGION', value: 'us-east-1' }] });
    const ok = await post(sim, `/job/promote/${n}/input/Promote/proceed`, { auth: ALICE, form: { json } });
    expect(ok.status).toBe(200);
    await sim.waitForBuild('promote', n);
    expect(sim.build('promote', n).inputHistory).toEqual([
      {
        id: 'Promote',
        message: 'Promote?',
        outcome: 'proceeded',
        by: 'Alice Release',
        values: { REGION: 'us-east-1', TAG: 'v1', NOTES: '' },
      },
    ]);
    expect(sim.build('promote', n).result).toBe('SUCCESS');
  });

  it('needs Job/Build to submit an input without submitter', async () => {
    const n = await waitingRun('deploy');
    const res = await post(sim, `/job/deploy/${n}/input/Approve/proceedEmpty`, { auth: VIEWER });
    expect(res.status).toBe(400);
    expect(res.headers.get('x-error')).toBe('You need to have Job/Build permissions to submit this.');
    await post(sim, `/job/deploy/${n}/input/Approve/abort`);
  });

  it('aborts (200), ending the run ABORTED with "Rejected by"', async () => {
    const n = await waitingRun('deploy');
    const res = await post(sim, `/job/deploy/${n}/input/Approve/abort`);
    expect(res.status).toBe(200);
    await sim.waitForBuild('deploy', n);
    expect(sim.build('deploy', n).result).toBe('ABORTED');
    expect(await (await call(sim, `/job/deploy/${n}/consoleText`)).text()).toMatch(/Rejected by Admin\nFinished: ABORTED\n$/);
    expect((await post(sim, `/job/deploy/${n}/input/Approve/abort`)).status).toBe(404);
  });

  it('submits with a 302 to the console: proceed=… proceeds, without it aborts', async () => {
    const a = await waitingRun('deploy');
    const go = await post(sim, `/job/deploy/${a}/input/Approve/submit`, { form: { proceed: 'Deploy', json: '{}' } });
    expect(go.status).toBe(302);
    expect(go.headers.get('location')).toBe(`${sim.url}/job/deploy/${a}/console`);
    await sim.waitForBuild('deploy', a);
    expect(sim.build('deploy', a).result).toBe('SUCCESS');
    const b = await waitingRun('deploy');
    expect((await post(sim, `/job/deploy/${b}/input/Approve/submit`, { form: { json: '{}' } })).status).toBe(302);
    await sim.waitForBuild('deploy', b);
    expect(sim.build('deploy', b).result).toBe('ABORTED');
  });

  it('proceeds through wfapi/inputSubmit; unknown ids are a 500, GET a 405', async () => {
    const n = await waitingRun('promote');
    expect((await call(sim, `/job/promote/${n}/wfapi/inputSubmit?inputId=Promote`)).status).toBe(405);
    expect((await post(sim, `/job/promote/${n}/wfapi/inputSubmit?inputId=Nope`, { form: { json: '{}' } })).status).toBe(500);
    const json = JSON.stringify({ parameter: [{ name: 'TAG', value: 'v2' }] });
    expect((await post(sim, `/job/promote/${n}/wfapi/inputSubmit?inputId=Promote`, { form: { json } })).status).toBe(200);
    await sim.waitForBuild('promote', n);
    expect(sim.build('promote', n).inputHistory[0].values.TAG).toBe('v2');
  });

  it('drops pending inputs when the run is stopped', async () => {
    const n = await waitingRun('deploy');
    expect((await post(sim, `/job/deploy/${n}/stop`)).status).toBe(302);
    await sim.waitForBuild('deploy', n);
    expect(sim.build('deploy', n).result).toBe('ABORTED');
    expect((await post(sim, `/job/deploy/${n}/input/Approve/proceedEmpty`)).status).toBe(404);
  });
});
