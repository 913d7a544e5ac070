/**
 * Jenkins emulator contract: job JSON, colours, multibranch branch names with %2F, organization
 * folders, parameter definitions and job actions (reference §§3–5, 11).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, getJson, loadItemTree, post, startSim, until, type JenkinsSim } from './jenkins-sim-helpers.js';

let sim: JenkinsSim;

beforeAll(async () => {
  sim = await startSim();
  loadItemTree(sim);
});
afterAll(async () => sim?.close());

describe('colours', () => {
  it('follows the last completed run and animates while building', async () => {
    const color = async (path: string) => (await getJson(sim, `${path}api/json?tree=color`)).color;
    expect(await color('/job/platform/job/deploy-api/')).toBe('blue');
    expect(await color('/job/storefront/job/feature%252Flogin/')).toBe('red');
    expect(await color('/job/storefront/job/main/')).toBe('notbuilt');
    expect(await color('/job/legacy/')).toBe('disabled');
    sim.createJob('held', { script: [{ hold: 'end' }] });
    sim.trigger('held');
    await until(() => (sim.job('held').builds[0]?.building ? true : undefined), 'the held run to start');
    expect(await color('/job/held/')).toBe('notbuilt_anime');
    sim.release('held', 1, 'end');
    await sim.waitForBuild('held', 1);
    expect(await color('/job/held/')).toBe('blue');
  });
});

describe('multibranch branch jobs', () => {
  const branch = '/job/storefront/job/feature%252Flogin/';

  it('encodes the branch into the item name and double-encodes it in urls', async () => {
    const j = await getJson(sim, `${branch}api/json?tree=name,displayName,displayNameOrNull,fullName,fullDisplayName,url,property[branch]`);
    expect(j).toEqual({
      _class: 'org.jenkinsci.plugins.workflow.job.WorkflowJob',
      name: 'feature%2Flogin',
      displayName: 'feature/login',
      displayNameOrNull: 'feature/login',
      fullName: 'storefront/feature%2Flogin',
      fullDisplayName: 'storefront » feature/login',
      url: `${sim.url}/job/storefront/job/feature%252Flogin/`,
      property: [
        { _class: 'org.jenkinsci.plugins.workflow.multibranch.BranchJobProperty', branch: {} },
        { _class: 'org.jenkinsci.plugins.workflow.job.properties.DisableConcurrentBuildsJobProperty' },
      ],
    });
    const list = await getJson(sim, '/job/storefront/api/json?tree=jobs[name,url]');
    expect(list.jobs.map((x: any) => x.name).sort()).toEqual(['feature%2Flogin', 'main']);
  });

  it('also resolves the single-encoded %2F segment', async () => {
    const j = await getJson(sim, '/job/storefront/job/feature%2Flogin/api/json?tree=name');
    expect(j.name).toBe('feature%2Flogin');
    expect((await call(sim, '/job/storefront/job/feature%252Flogin/1/api/json')).status).toBe(200);
  });

  it('redirects /job/x to /job/x/ with 302', async () => {
    const res = await call(sim, '/job/storefront/job/feature%252Flogin');
    expect(res.status).toBe(302);
    expect(res.headers.get('location')).toBe('/job/storefront/job/feature%252Flogin/');
    const top = await call(sim, '/job/platform?x=1');
    expect(top.status).toBe(302);
    expect(top.headers.get('location')).toBe('/job/platform/?x=1');
  });

  it('answers a multibranch or organization "build" (a scan) with 302, not 201', async () => {
    for (const path of ['/job/storefront/build', '/job/acme-org/build']) {
      const res = await post(sim, path);
      expect(res.status).toBe(302);
    }
    const org = await getJson(sim, '/job/acme-org/api/json?tree=jobs[name,jobs[name,url]]');
    expect(org.jobs).toEqual([
      {
        _class: 'org.jenkinsci.plugins.workflow.multibranch.WorkflowMultiBranchProject',
        name: 'shop',
        jobs: [
          { _class: 'org.jenkinsci.plugins.workflow.job.WorkflowJob', name: 'main', url: `${sim.url}/job/acme-org/job/shop/job/main/` },
        ],
      },
    ]);
  });

  it('marks an orphaned branch as not buildable', async () => {
    sim.addBranch('storefront', 'old/thing');
    sim.removeBranch('storefront', 'old/thing', 'orphan');
    const j = await getJson(sim, '/job/storefront/job/old%252Fthing/api/json?tree=buildable');
    expect(j.buildable).toBe(false);
    expect((await post(sim, '/job/storefront/job/old%252Fthing/build')).status).toBe(409);
  });
});

describe('job JSON and parameter definitions', () => {
  it('lists the job fields in Jenkins order', async () => {
    const j = await getJson(sim, '/job/platform/job/deploy-api/api/json');
    expect(Object.keys(j)).toEqual([
      '_class',
      'actions',
      'description',
      'displayName',
      'displayNameOrNull',
      'fullDisplayName',
      'fullName',
      'name',
      'url',
      'buildable',
      'builds',
      'color',
      'firstBuild',
      'healthReport',
      'inQueue',
      'keepDependencies',
      'lastBuild',
      'lastCompletedBuild',
      'lastFailedBuild',
      'lastStableBuild',
      'lastSuccessfulBuild',
      'lastUnstableBuild',
      'lastUnsuccessfulBuild',
      'nextBuildNumber',
      'property',
      'queueItem',
      'concurrentBuild',
      'disabled',
      'resumeBlocked',
    ]);
    expect(j).toMatchObject({
      displayNameOrNull: null,
      fullName: 'platform/deploy-api',
      lastFailedBuild: { number: 2 },
      lastUnstableBuild: null,
      inQueue: false,
      queueItem: null,
    });
    const free = await getJson(sim, '/job/nightly%20backup/api/json');
    for (const k of ['disabled', 'scm', 'upstreamProjects', 'downstreamProjects', 'concurrentBuild', 'labelExpression'])
      expect(free).toHaveProperty(k);
  });

  it('exports parameter definitions as in §5', async () => {
    const j = await getJson(sim, '/job/platform/job/deploy-api/api/json?tree=property[parameterDefinitions[*,defaultParameterValue[*]]]');
    expect(j.property).toEqual([
      {
        _class: 'hudson.model.ParametersDefinitionProperty',
        parameterDefinitions: [
          {
            _class: 'hudson.model.StringParameterDefinition',
            defaultParameterValue: { _class: 'hudson.model.StringParameterValue', name: 'TARGET', value: 'staging' },
            description: 'Environment',
            name: 'TARGET',
            type: 'StringParameterDefinition',
          },
          {
            _class: 'hudson.model.ChoiceParameterDefinition',
            defaultParameterValue: { _class: 'hudson.model.StringParameterValue', name: 'REGION', value: 'eu-west-1' },
            description: '',
            name: 'REGION',
            type: 'ChoiceParameterDefinition',
            choices: ['eu-west-1', 'us-east-1'],
          },
          {
            _class: 'hudson.model.BooleanParameterDefinition',
            defaultParameterValue: { _class: 'hudson.model.BooleanParameterValue', name: 'DRY_RUN', value: false },
            description: null,
            name: 'DRY_RUN',
            type: 'BooleanParameterDefinition',
          },
          {
            _class: 'hudson.model.TextParameterDefinition',
            defaultParameterValue: { _class: 'hudson.model.TextParameterValue', name: 'NOTES', value: '' },
            description: '',
            name: 'NOTES',
            type: 'TextParameterDefinition',
          },
          {
            _class: 'hudson.model.PasswordParameterDefinition',
            defaultParameterValue: { _class: 'hudson.model.PasswordParameterValue', name: 'API_KEY' },
            description: '',
            name: 'API_KEY',
            type: 'PasswordParameterDefinition',
          },
        ],
      },
      { _class: 'org.jenkinsci.plugins.workflow.job.properties.DisableConcurrentBuildsJobProperty' },
    ]);
    // depth 0 shows the same definitions (the property list is inline).
    const plain = await getJson(sim, '/job/platform/job/deploy-api/api/json');
    expect(plain.property[0].parameterDefinitions[1].choices).toEqual(['eu-west-1', 'us-east-1']);
    expect(plain.actions).toContainEqual({ _class: 'hudson.model.ParametersDefinitionProperty' });
  });

  it('answers 404 for missing jobs, builds and permalinks', async () => {
    expect((await call(sim, '/job/nope/api/json')).status).toBe(404);
    expect((await call(sim, '/job/platform/job/deploy-api/99/api/json')).status).toBe(404);
    expect((await call(sim, '/job/platform/job/deploy-api/lastUnstableBuild/api/json')).status).toBe(404);
    expect((await call(sim, '/job/platform/job/deploy-api/lastFailedBuild/api/json')).status).toBe(200);
  });

  it('disables, enables (302) and deletes (302) jobs', async () => {
    sim.createJob('toggle', { kind: 'freestyle' });
    expect((await call(sim, '/job/toggle/disable')).status).toBe(405);
    const off = await post(sim, '/job/toggle/disable');
    expect(off.status).toBe(302);
    expect(await getJson(sim, '/job/toggle/api/json?tree=buildable,color')).toMatchObject({ buildable: false, color: 'disabled' });
    expect((await post(sim, '/job/toggle/build')).status).toBe(409);
    expect((await post(sim, '/job/toggle/enable')).status).toBe(302);
    expect(await getJson(sim, '/job/toggle/api/json?tree=buildable,color')).toMatchObject({ buildable: true, color: 'notbuilt' });
    const del = await post(sim, '/job/toggle/doDelete');
    expect(del.status).toBe(302);
    expect((await call(sim, '/job/toggle/api/json')).status).toBe(404);
  });
});
