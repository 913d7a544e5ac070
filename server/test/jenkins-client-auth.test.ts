import { afterEach, describe, expect, it } from 'vitest';
import type { JenkinsSim } from '../../tools/jenkins-sim/index.js';
import type { JenkinsClient } from '../src/modules/jenkins/client/index.js';
import { clientFor, received, startForwardProxy, startSim, type ForwardProxy } from './jenkins-client-helpers.js';

describe('Jenkins client: authentication, crumbs, proxy', () => {
  let sim: JenkinsSim | undefined;
  let client: JenkinsClient | undefined;
  let proxy: ForwardProxy | undefined;

  afterEach(async () => {
    await client?.close();
    await sim?.close();
    await proxy?.close();
    sim = client = proxy = undefined;
  });

  it('sends basic auth up front and reads the user and the Jenkins version', async () => {
    sim = await startSim();
    client = clientFor(sim).client;
    expect(await client.whoAmI()).toEqual({ name: 'admin', anonymous: false, version: '2.516.3' });
    const [req] = received(sim, /^\/whoAmI\//);
    expect(req.headers.authorization).toBe(`Basic ${Buffer.from('admin:admin-token').toString('base64')}`);
    expect(req.via).toBe('token');
  });

  it('reports a wrong token as an auth error (401) and never retries it', async () => {
    sim = await startSim();
    client = clientFor(sim, { token: 'wrong' }).client;
    await expect(client.whoAmI()).rejects.toMatchObject({ name: 'JenkinsError', kind: 'auth', status: 401 });
    expect(received(sim, /^\/whoAmI\//)).toHaveLength(1);
  });

  it('reports a missing permission as an auth error (403) naming the permission, without a crumb retry', async () => {
    sim = await startSim();
    client = clientFor(sim, { username: 'viewer', token: 'viewer-token' }).client;
    const err = await client.trigger(['nightly-backup']).catch((e) => e);
    expect(err).toMatchObject({ kind: 'auth', status: 403 });
    expect(err.message).toContain('hudson.model.Item.Build');
    expect(received(sim, /\/build$/, 'POST')).toHaveLength(1);
    expect(received(sim, /crumbIssuer/)).toHaveLength(0);
  });

  it('posts with an API token without fetching a crumb', async () => {
    sim = await startSim();
    client = clientFor(sim).client;
    await client.trigger(['nightly-backup']);
    const [post] = received(sim, /\/build$/, 'POST');
    expect(post.status).toBe(201);
    expect(post.headers['jenkins-crumb']).toBeUndefined();
    expect(received(sim, /crumbIssuer/)).toHaveLength(0);
  });

  it('in password mode fetches one crumb, keeps its session cookie and sends both with every POST', async () => {
    sim = await startSim();
    client = clientFor(sim, { token: 'admin', authMode: 'password' }).client;
    await client.trigger(['nightly-backup']);
    await client.trigger(['release-train'], { TARGET: 'qa' });
    const log = sim.requests.map((r) => `${r.method} ${r.path} ${r.status}`);
    expect(log).toEqual([
      'GET /crumbIssuer/api/json 200',
      'POST /job/nightly-backup/build 201',
      'POST /job/release-train/buildWithParameters 201',
    ]);
    const crumbAnswer = received(sim, /crumbIssuer/)[0];
    for (const post of received(sim, /./, 'POST')) {
      expect(post.via).toBe('password');
      expect(post.headers['jenkins-crumb']).toMatch(/^[0-9a-f]{64}$/);
      expect(post.headers.cookie).toMatch(new RegExp(`^${sim.sim.cookieName.replace('.', '\\.')}=node0`));
    }
    expect(crumbAnswer.headers.cookie).toBeUndefined();
  });

  it('after a Jenkins restart refetches the crumb once with a fresh session', async () => {
    sim = await startSim();
    client = clientFor(sim, { token: 'admin', authMode: 'password' }).client;
    await client.trigger(['nightly-backup']);
    sim.restart();
    sim.clearRequests();
    await client.stop(['nightly-backup'], 1);
    expect(sim.requests.map((r) => `${r.method} ${r.path} ${r.status}`)).toEqual([
      'POST /job/nightly-backup/1/stop 403',
      'GET /crumbIssuer/api/json 200',
      'POST /job/nightly-backup/1/stop 302',
    ]);
    // The old cookie is dropped, so Jenkins creates a new session for the new crumb.
    expect(sim.requests[1].headers.cookie).toBeUndefined();
    expect(sim.requests[2].headers.cookie).toContain(`${sim.sim.cookieName}=`);
  });

  it('in token mode switches to crumbs when a POST answers 403 "No valid crumb"', async () => {
    sim = await startSim();
    // A password configured as if it were a token: Jenkins wants a crumb.
    client = clientFor(sim, { token: 'admin' }).client;
    const { queueId } = await client.trigger(['nightly-backup']);
    expect(queueId).toBeGreaterThan(0);
    expect(sim.requests.map((r) => `${r.method} ${r.path} ${r.status}`)).toEqual([
      'POST /job/nightly-backup/build 403',
      'GET /crumbIssuer/api/json 200',
      'POST /job/nightly-backup/build 201',
    ]);
    // Exactly one build was queued.
    const forJob = [...sim.sim.queue.items.values()].filter((i) => i.job.name === 'nightly-backup');
    expect(forJob.map((i) => i.id)).toEqual([queueId]);
  });

  it('gives up after one crumb refetch when Jenkins keeps refusing', async () => {
    sim = await startSim();
    client = clientFor(sim, { token: 'admin', authMode: 'password' }).client;
    sim.failNext(2, { status: 403 }, (e) => e.method === 'POST'); // error pages without a crumb hint
    await expect(client.trigger(['nightly-backup'])).rejects.toMatchObject({ kind: 'auth', status: 403 });
    expect(received(sim, /\/build$/, 'POST')).toHaveLength(1);
  });

  it('goes through an HTTP proxy (absolute-URI requests, proxy credentials not forwarded)', async () => {
    sim = await startSim();
    proxy = await startForwardProxy({ user: 'pu', password: 'pp' });
    client = clientFor(sim, { proxyUrl: proxy.url }).client;
    expect((await client.whoAmI()).name).toBe('admin');
    const items = await client.listItems();
    expect(items.length).toBeGreaterThan(0);
    await client.trigger(['nightly-backup']);
    expect(proxy.seen).toHaveLength(3);
    expect(proxy.seen[0]).toBe(`GET ${sim.url}/whoAmI/api/json`);
    expect(proxy.seen[2]).toBe(`POST ${sim.url}/job/nightly-backup/build`);
    const [who] = received(sim, /^\/whoAmI\//);
    expect(who.headers['proxy-authorization']).toBeUndefined();
    expect(who.via).toBe('token');
  });

  it('reports proxy credentials the proxy refuses (407) as an auth error', async () => {
    sim = await startSim();
    proxy = await startForwardProxy({ user: 'pu', password: 'pp' });
    client = clientFor(sim, { proxyUrl: proxy.url.replace('pu:pp', 'pu:nope') }, { retries: 0 }).client;
    await expect(client.whoAmI()).rejects.toMatchObject({ name: 'JenkinsError', kind: 'auth', status: 407 });
    expect(sim.requests).toHaveLength(0);
    expect(client.breakerState()).toBe('closed');
  });
});
