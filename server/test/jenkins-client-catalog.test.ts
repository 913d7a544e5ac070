import { afterEach, describe, expect, it } from 'vitest';
import type { JenkinsSim } from '../../tools/jenkins-sim/index.js';
import type { JenkinsClient } from '../src/modules/jenkins/client/index.js';
import { clientFor, startSim } from './jenkins-client-helpers.js';

describe('Jenkins client: items, projects, branches, parameters', () => {
  let sim: JenkinsSim | undefined;
  let client: JenkinsClient | undefined;

  afterEach(async () => {
    await client?.close();
    await sim?.close();
    sim = client = undefined;
  });

  async function setup(): Promise<{ sim: JenkinsSim; client: JenkinsClient }> {
    sim = await startSim();
    client = clientFor(sim).client;
    return { sim, client };
  }

  it('lists multibranch projects and jobs across nested folders in one tree request', async () => {
    const { sim, client } = await setup();
    sim.createFolder('a');
    sim.createFolder('a/b');
    sim.createFolder('a/b/c');
    sim.createFolder('a/b/c/d');
    sim.createJob('a/b/c/d/level-5', { description: 'deep' });
    sim.createMultibranch('a/b/mb');
    sim.addBranch('a/b/mb', 'feature/x');
    sim.clearRequests();

    const items = await client.listItems();
    expect(sim.requests).toHaveLength(1);
    expect(sim.requests[0].path).toBe('/api/json');
    expect(sim.requests[0].query.tree).toMatch(/^jobs\[name,url,description,jobs\[/);

    const byName = Object.fromEntries(items.map((i) => [i.fullName, i]));
    expect(Object.keys(byName).sort()).toEqual([
      'a/b/c/d/level-5',
      'a/b/mb',
      'legacy-build',
      'mobile-app',
      'nightly-backup',
      'payments',
      'platform/deploy-api',
      'release-train',
      'shop-web',
    ]);
    expect(byName['platform/deploy-api']).toEqual({
      path: ['platform', 'deploy-api'],
      fullName: 'platform/deploy-api',
      kind: 'multibranch',
      description: 'Deployment API',
      url: `${sim.url}/job/platform/job/deploy-api/`,
    });
    expect(byName['a/b/c/d/level-5']).toMatchObject({ kind: 'pipeline', description: 'deep', path: ['a', 'b', 'c', 'd', 'level-5'] });
    expect(byName['nightly-backup'].kind).toBe('freestyle');
    expect(byName['release-train'].kind).toBe('pipeline');
  });

  it('reads a multibranch project with every branch, its last build and newest commit in one request', async () => {
    const { sim, client } = await setup();
    sim.clearRequests();
    const project = await client.getProject(['shop-web']);
    expect(sim.requests).toHaveLength(1);
    expect(sim.requests[0].path).toBe('/job/shop-web/api/json');
    expect(sim.requests[0].query.tree).toContain('jobs[name,color,buildable,lastBuild[');

    expect(project.kind).toBe('multibranch');
    expect(project.description).toBe('Customer-facing web shop');
    expect(project.branches.map((b) => [b.name, b.itemName])).toEqual([
      ['main', 'main'],
      ['develop', 'develop'],
      ['feature/login', 'feature%2Flogin'],
      ['release/1.2', 'release%2F1.2'],
    ]);
    const main = project.branches[0];
    expect(main).toMatchObject({ buildable: true, color: 'blue' });
    expect(main.lastBuild).toMatchObject({ number: 3, result: 'SUCCESS', building: false, durationMs: 59_000 });
    expect(main.lastBuild!.commit).toEqual({
      id: sim.build(['shop-web', 'main'], 3).commits[0].id,
      message: 'Fix checkout total rounding',
      author: 'Bob',
    });
    expect(project.branches[2].lastBuild).toMatchObject({ result: 'ABORTED', commit: { message: 'Login: remember me', author: 'Erin' } });
  });

  it('shows orphaned branches as not buildable and branches without runs with lastBuild null', async () => {
    const { sim, client } = await setup();
    sim.removeBranch('shop-web', 'develop', 'orphan');
    sim.addBranch('shop-web', 'hotfix/urgent');
    const { branches } = await client.getProject(['shop-web']);
    expect(branches.find((b) => b.name === 'develop')?.buildable).toBe(false);
    expect(branches.find((b) => b.name === 'hotfix/urgent')).toMatchObject({ itemName: 'hotfix%2Furgent', lastBuild: null });
  });

  it('reads a standalone job as one "default" branch, commits from pipeline changeSets and freestyle changeSet', async () => {
    const { client } = await setup();
    const pipeline = await client.getProject(['release-train']);
    expect(pipeline).toMatchObject({ kind: 'pipeline', description: 'Cuts and ships a release train' });
    expect(pipeline.branches).toHaveLength(1);
    expect(pipeline.branches[0]).toMatchObject({ name: 'default', itemName: '', color: 'red', buildable: true });
    expect(pipeline.branches[0].lastBuild).toMatchObject({ number: 2, result: 'FAILURE', commit: { message: 'Release 2026.2' } });

    const freestyle = await client.getProject(['nightly-backup']);
    expect(freestyle.kind).toBe('freestyle');
    expect(freestyle.branches[0].lastBuild?.commit).toMatchObject({ message: 'Compress dumps', author: 'Ops' });

    const disabled = await client.getProject(['legacy-build']);
    expect(disabled.branches[0]).toMatchObject({ buildable: false, color: 'disabled', lastBuild: null });

    const folder = await client.getProject(['platform']);
    expect(folder).toEqual({ description: 'Platform team', kind: 'folder', branches: [] });
  });

  it('sends branch item names with "/" double-encoded (%252F) and reads that branch', async () => {
    const { sim, client } = await setup();
    const { branches } = await client.getProject(['shop-web']);
    const login = branches.find((b) => b.name === 'feature/login')!;
    sim.clearRequests();
    const builds = await client.listBuilds(['shop-web', login.itemName], 0, 10);
    expect(sim.requests[0].path).toBe('/job/shop-web/job/feature%252Flogin/api/json');
    expect(builds.map((b) => [b.number, b.result])).toEqual([
      [2, 'ABORTED'],
      [1, 'FAILURE'],
    ]);
    expect(builds[0].causes).toEqual(['Push event to branch feature/login']);
    await client.getBuild(['platform', 'deploy-api', 'release%2F1.2'], 1);
    expect(sim.requests[1].path).toBe('/job/platform/job/deploy-api/job/release%252F1.2/1/api/json');
  });

  it('pages builds newest first with an allBuilds{M,N} range', async () => {
    const { sim, client } = await setup();
    sim.clearRequests();
    const page = await client.listBuilds(['shop-web', 'main'], 1, 2);
    expect(sim.requests[0].query.tree).toMatch(/^allBuilds\[.*\]\{1,3\}$/);
    expect(page.map((b) => b.number)).toEqual([2, 1]);
    expect(page[0]).toMatchObject({ result: 'FAILURE', building: false, durationMs: 52_000 });
    expect(await client.listBuilds(['shop-web', 'main'], 5, 10)).toEqual([]);
    expect(await client.listBuilds(['shop-web', 'main'], 0, 0)).toEqual([]);
  });

  it('reads the parameter definitions of the demo fixture', async () => {
    const { sim, client } = await setup();
    sim.clearRequests();
    const params = await client.getParameters(['release-train']);
    expect(sim.requests).toHaveLength(1);
    expect(params).toEqual([
      {
        name: 'TARGET',
        type: 'string',
        jenkinsClass: 'hudson.model.StringParameterDefinition',
        default: 'staging',
        description: 'Environment',
      },
      {
        name: 'REGION',
        type: 'choice',
        jenkinsClass: 'hudson.model.ChoiceParameterDefinition',
        default: 'eu-west-1',
        description: '',
        choices: ['eu-west-1', 'us-east-1', 'ap-southeast-1'],
      },
      { name: 'DRY_RUN', type: 'boolean', jenkinsClass: 'hudson.model.BooleanParameterDefinition', default: false, description: null },
      { name: 'NOTES', type: 'text', jenkinsClass: 'hudson.model.TextParameterDefinition', default: '', description: 'Release notes' },
      // Jenkins never exports a password default.
      {
        name: 'API_KEY',
        type: 'password',
        jenkinsClass: 'hudson.model.PasswordParameterDefinition',
        default: null,
        description: 'Deploy key',
      },
    ]);
    expect((await client.getParameters(['payments', 'feature%2Flogin'])).map((p) => p.name)).toEqual([
      'TARGET',
      'REGION',
      'DRY_RUN',
      'NOTES',
      'API_KEY',
    ]);
    expect(await client.getParameters(['nightly-backup'])).toEqual([]);
  });

  it('reports a missing job as not-found and never retries it', async () => {
    const { sim, client } = await setup();
    sim.clearRequests();
    await expect(client.getProject(['no-such-job'])).rejects.toMatchObject({ kind: 'not-found', status: 404 });
    expect(sim.requests).toHaveLength(1);
  });

  it('encodes job names with spaces and unicode', async () => {
    const { sim, client } = await setup();
    sim.createJob('nightly report 日本', { description: 'odd name' });
    sim.clearRequests();
    const project = await client.getProject(['nightly report 日本']);
    expect(project.description).toBe('odd name');
    expect(sim.requests[0].path).toBe('/job/nightly%20report%20%E6%97%A5%E6%9C%AC/api/json');
  });
});
