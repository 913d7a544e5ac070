/**
 * Jenkins emulator contract: api/json — headers, URLs, tree, depth and _class (reference §§0, 3).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, getJson, loadItemTree, startSim, type JenkinsSim } from './jenkins-sim-helpers.js';
import { createJenkinsSim } from '../../tools/jenkins-sim/index.js';

let sim: JenkinsSim;

beforeAll(async () => {
  sim = await startSim();
  loadItemTree(sim);
});
afterAll(async () => sim?.close());

describe('api/json basics', () => {
  it('answers with the Jenkins JSON headers', async () => {
    const res = await call(sim, '/api/json');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/json;charset=UTF-8');
    expect(res.headers.get('x-jenkins')).toBe('2.516.3');
    expect(res.headers.get('x-jenkins-session')).toMatch(/^[0-9a-f]{8}$/);
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('x-frame-options')).toBe('deny');
    expect(await res.text()).not.toContain('\n');
  });

  it('shows root jobs at depth 0 as exactly _class, name, url (and color for jobs)', async () => {
    const root = await getJson(sim, '/api/json');
    expect(Object.keys(root)[0]).toBe('_class');
    expect(root._class).toBe('hudson.model.Hudson');
    for (const k of ['mode', 'nodeName', 'numExecutors', 'primaryView', 'views', 'useCrumbs', 'useSecurity', 'quietingDown'])
      expect(root).toHaveProperty(k);
    const byName = Object.fromEntries(root.jobs.map((j: any) => [j.name, j]));
    expect(Object.keys(byName['nightly backup'])).toEqual(['_class', 'name', 'url', 'color']);
    expect(byName['nightly backup']._class).toBe('hudson.model.FreeStyleProject');
    expect(byName['déploiement']._class).toBe('org.jenkinsci.plugins.workflow.job.WorkflowJob');
    expect(byName.platform).toEqual({
      _class: 'com.cloudbees.hudson.plugins.folder.Folder',
      name: 'platform',
      url: `${sim.url}/job/platform/`,
    });
    expect(byName.storefront._class).toBe('org.jenkinsci.plugins.workflow.multibranch.WorkflowMultiBranchProject');
    expect(byName['acme-org']._class).toBe('jenkins.branch.OrganizationFolder');
    expect(byName.storefront).not.toHaveProperty('color');
  });

  it('builds absolute urls with rawEncode', async () => {
    const root = await getJson(sim, '/api/json?tree=jobs[name,url]');
    const urls = Object.fromEntries(root.jobs.map((j: any) => [j.name, j.url]));
    expect(urls['nightly backup']).toBe(`${sim.url}/job/nightly%20backup/`);
    expect(urls['déploiement']).toBe(`${sim.url}/job/d%C3%A9ploiement/`);
    expect((await call(sim, '/job/nightly%20backup/api/json')).status).toBe(200);
    expect((await call(sim, '/job/d%C3%A9ploiement/api/json')).status).toBe(200);
  });

  it('uses the configured root URL and context path', async () => {
    const other = await createJenkinsSim({ port: 0, prefix: '/jenkins', rootUrl: 'http://ci.example:8080/' });
    try {
      other.createJob('a');
      expect(other.url).toMatch(/\/jenkins$/);
      const root = await getJson(other, '/api/json?tree=url,jobs[url]');
      expect(root).toEqual({
        _class: 'hudson.model.Hudson',
        jobs: [{ _class: expect.any(String), url: 'http://ci.example:8080/jenkins/job/a/' }],
        url: 'http://ci.example:8080/jenkins/',
      });
      const outside = await fetch(other.url.replace(/\/jenkins$/, '/api/json'), {
        headers: { Authorization: `Basic ${btoa('admin:admin-token')}` },
      });
      expect(outside.status).toBe(404);
    } finally {
      await other.close();
    }
  });

  it('supports HEAD as an existence check', async () => {
    expect((await call(sim, '/job/platform/job/deploy-api/api/json', { method: 'HEAD' })).status).toBe(200);
    expect((await call(sim, '/job/platform/job/nope/api/json', { method: 'HEAD' })).status).toBe(404);
  });

  it('indents with pretty=true and refuses jsonp', async () => {
    expect(await (await call(sim, '/api/json?tree=mode&pretty=true')).text()).toContain('\n  "mode": "NORMAL"');
    expect((await call(sim, '/api/json?jsonp=cb')).status).toBe(403);
  });
});

describe('tree and depth', () => {
  const job = '/job/platform/job/deploy-api/api/json';

  it('selects nested properties and ignores unknown names', async () => {
    const root = await getJson(sim, '/api/json?tree=jobs[name,nope,jobs[name]]');
    const platform = root.jobs.find((j: any) => j.name === 'platform');
    expect(platform).toEqual({
      _class: 'com.cloudbees.hudson.plugins.folder.Folder',
      name: 'platform',
      jobs: [{ _class: 'org.jenkinsci.plugins.workflow.job.WorkflowJob', name: 'deploy-api' }],
    });
    expect(root.jobs.find((j: any) => j.name === 'nightly backup')).toEqual({
      _class: 'hudson.model.FreeStyleProject',
      name: 'nightly backup',
    });
  });

  it('applies ranges {M,N}, {N}, {M,} and {,N} to lists', async () => {
    const numbers = async (range: string) => (await getJson(sim, `${job}?tree=builds[number]${range}`)).builds.map((b: any) => b.number);
    expect(await numbers('')).toEqual([3, 2, 1]);
    expect(await numbers('{0,2}')).toEqual([3, 2]);
    expect(await numbers('{1}')).toEqual([2]);
    expect(await numbers('{1,}')).toEqual([2, 1]);
    expect(await numbers('{,1}')).toEqual([3]);
  });

  it('matches any property with *', async () => {
    const j = await getJson(sim, `${job}?tree=*`);
    expect(j).toMatchObject({ name: 'deploy-api', buildable: true, nextBuildNumber: 4, color: 'blue' });
    // Nested objects below a bare * carry only their _class.
    expect(j.lastBuild).toEqual({ _class: 'org.jenkinsci.plugins.workflow.job.WorkflowRun' });
    const nested = await getJson(sim, `${job}?tree=lastBuild[*]`);
    expect(nested.lastBuild).toMatchObject({ number: 3, result: 'SUCCESS', building: false, id: '3' });
  });

  it('answers a malformed tree or depth with a 500 HTML page', async () => {
    for (const q of ['tree=jobs[name', 'tree=[name]', 'tree=jobs]', 'tree=builds{x}']) {
      const res = await call(sim, `/api/json?${q}`);
      expect(res.status, q).toBe(500);
      expect(res.headers.get('content-type')).toMatch(/^text\/html/);
      expect(await res.text()).toContain('Malformed tree expression');
    }
    const depth = await call(sim, '/api/json?depth=abc');
    expect(depth.status).toBe(500);
    expect(await depth.text()).toContain('Depth parameter must be a number');
  });

  it('shows nested runs as _class, number, url at depth 0 and more at depth 1', async () => {
    const j = await getJson(sim, job);
    expect(j.lastBuild).toEqual({
      _class: 'org.jenkinsci.plugins.workflow.job.WorkflowRun',
      number: 3,
      url: `${sim.url}/job/platform/job/deploy-api/3/`,
    });
    expect(j.builds).toHaveLength(3);
    expect(j).not.toHaveProperty('allBuilds');
    const deep = await getJson(sim, `${job}?depth=1`);
    expect(deep.lastBuild).toMatchObject({ number: 3, result: 'SUCCESS', building: false });
    const root = await getJson(sim, '/api/json?depth=1');
    expect(root.jobs.find((x: any) => x.name === 'legacy')).toMatchObject({ buildable: false, color: 'disabled', disabled: true });
  });

  it('lets tree override depth', async () => {
    expect(await getJson(sim, `${job}?depth=2&tree=name`)).toEqual({
      _class: 'org.jenkinsci.plugins.workflow.job.WorkflowJob',
      name: 'deploy-api',
    });
  });

  it('keeps the newest 100 runs in builds and all of them in allBuilds', async () => {
    sim.createJob('many');
    for (let i = 0; i < 105; i++) sim.addHistory('many', { result: 'SUCCESS' });
    const j = await getJson(sim, '/job/many/api/json?tree=builds[number],allBuilds[number]');
    expect(j.builds).toHaveLength(100);
    expect(j.builds[0].number).toBe(105);
    expect(j.allBuilds).toHaveLength(105);
  });
});

describe('_class placement', () => {
  it('writes _class first on list elements and lastBuild, but not on artifacts or pipeline neighbours', async () => {
    const run = await getJson(sim, '/job/storefront/job/feature%252Flogin/1/api/json');
    expect(Object.keys(run)[0]).toBe('_class');
    for (const a of run.actions) if (Object.keys(a).length) expect(Object.keys(a)[0]).toBe('_class');
    expect(run.actions).toContainEqual({});
    expect(run.artifacts).toEqual([{ displayPath: 'report.html', fileName: 'report.html', relativePath: 'build/reports/report.html' }]);
    const second = await getJson(sim, '/job/platform/job/deploy-api/2/api/json');
    expect(second.previousBuild).toEqual({ number: 1, url: `${sim.url}/job/platform/job/deploy-api/1/` });
    expect(second.nextBuild).toEqual({ number: 3, url: `${sim.url}/job/platform/job/deploy-api/3/` });
    const causes = second.actions.find((a: any) => a._class === 'hudson.model.CauseAction').causes;
    expect(causes[0]._class).toBe('jenkins.branch.BranchIndexingCause');
  });
});
