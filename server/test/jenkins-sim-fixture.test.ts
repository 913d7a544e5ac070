/**
 * Jenkins emulator contract: the generated sync-benchmark data set (500 multibranch projects × 20
 * branches) and the demo fixture served by `npm run jenkins-sim`.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { basic, call, getJson, startSim, until, type JenkinsSim } from './jenkins-sim-helpers.js';
import { generateProjects, loadDemoFixture } from '../../tools/jenkins-sim/fixture.js';

const PROJECT_TREE =
  'description,jobs[name,displayName,color,buildable,lastBuild[number,result,building,timestamp,duration,changeSets[items[msg,commitId,author[fullName]]]]]';

describe('generateProjects', () => {
  let sim: JenkinsSim;
  beforeAll(async () => {
    sim = await startSim();
    generateProjects(sim, { projects: 500, branches: 20 });
  });
  afterAll(async () => sim?.close());

  it('creates 500 multibranch projects', async () => {
    const root = await getJson(sim, '/api/json?tree=jobs[name,url]');
    expect(root.jobs).toHaveLength(500);
    expect(root.jobs[0]).toEqual({
      _class: 'org.jenkinsci.plugins.workflow.multibranch.WorkflowMultiBranchProject',
      name: 'proj-0001',
      url: `${sim.url}/job/proj-0001/`,
    });
  });

  it('answers the per-project sync request with 20 branches and their last builds', async () => {
    const p = await getJson(sim, `/job/proj-0042/api/json?tree=${encodeURIComponent(PROJECT_TREE)}`);
    expect(p.description).toBe('Generated project 42');
    expect(p.jobs).toHaveLength(20);
    const names = p.jobs.map((j: any) => j.name);
    expect(names.slice(0, 3)).toEqual(['main', 'develop', 'feature%2Ff-2']);
    expect(names).toContain('release%2F1.5');
    const release = p.jobs.find((j: any) => j.name === 'release%2F1.5');
    expect(release.displayName).toBe('release/1.5');
    for (const j of p.jobs) {
      expect(Object.keys(j).sort()).toEqual(['_class', 'buildable', 'color', 'displayName', 'lastBuild', 'name']);
      expect(j.buildable).toBe(true);
      expect(j.lastBuild).toMatchObject({ _class: 'org.jenkinsci.plugins.workflow.job.WorkflowRun', number: 1, building: false });
      expect(['SUCCESS', 'FAILURE', 'UNSTABLE', 'ABORTED']).toContain(j.lastBuild.result);
      expect(j.lastBuild.duration).toBeGreaterThan(0);
      expect(j.lastBuild.changeSets).toEqual([
        {
          _class: 'hudson.plugins.git.GitChangeSetList',
          items: [
            {
              _class: 'hudson.plugins.git.GitChangeSet',
              msg: expect.stringMatching(/^Change [0-9]+ of proj-0042$/),
              commitId: expect.stringMatching(/^[0-9a-f]{40}$/),
              author: { fullName: expect.stringMatching(/^dev[0-9]$/) },
            },
          ],
        },
      ]);
    }
    const colour: Record<string, string> = { SUCCESS: 'blue', FAILURE: 'red', UNSTABLE: 'yellow', ABORTED: 'aborted' };
    for (const j of p.jobs) expect(j.color).toBe(colour[j.lastBuild.result]);
  });

  it('resolves every generated branch URL', async () => {
    const p = await getJson(sim, '/job/proj-0500/api/json?tree=jobs[url]');
    for (const j of p.jobs.slice(0, 5))
      expect((await fetch(`${j.url}api/json?tree=name`, { headers: { Authorization: basic('admin', 'admin-token') } })).status).toBe(200);
  });
});

describe('demo fixture', () => {
  let sim: JenkinsSim;
  beforeAll(async () => {
    sim = await startSim();
    loadDemoFixture(sim);
  });
  afterAll(async () => sim?.close());

  it('serves the demo projects to admin with the API token', async () => {
    const root = await getJson(sim, '/api/json?tree=jobs[name]');
    expect(root.jobs.map((j: any) => j.name)).toEqual([
      'shop-web',
      'payments',
      'platform',
      'mobile-app',
      'release-train',
      'nightly-backup',
      'legacy-build',
    ]);
    const shop = await getJson(sim, '/job/shop-web/api/json?tree=jobs[name]');
    expect(shop.jobs.map((j: any) => j.name)).toEqual(['main', 'develop', 'feature%2Flogin', 'release%2F1.2']);
  });

  it('has pipelines waiting at their input steps', async () => {
    const pending = await until(async () => {
      const list = await getJson(sim, '/job/platform/job/deploy-api/job/main/lastBuild/wfapi/pendingInputActions').catch(() => []);
      return list.length ? list : undefined;
    }, 'the demo input');
    expect(pending[0]).toMatchObject({ id: 'Approve', message: 'Deploy to production?', proceedText: 'Deploy' });
    expect((await call(sim, '/whoAmI/api/json', { auth: basic('viewer', 'viewer') })).status).toBe(200);
  });
});
