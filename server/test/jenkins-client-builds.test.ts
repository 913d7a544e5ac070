import { afterEach, describe, expect, it } from 'vitest';
import type { JenkinsSim } from '../../tools/jenkins-sim/index.js';
import type { JenkinsClient } from '../src/modules/jenkins/client/index.js';
import { clientFor, readAll, received, startSim, until } from './jenkins-client-helpers.js';

describe('Jenkins client: triggering, queue, builds, artifacts, stop', () => {
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

  const buildOf = async (c: JenkinsClient, queueId: number) =>
    until(async () => (await c.getQueueItem(queueId))?.executable?.number ?? null);

  it('triggers with parameters (form-encoded buildWithParameters) and follows the queue to the build', async () => {
    const { sim, client } = await setup();
    const { queueId } = await client.trigger(['release-train'], { TARGET: 'qa', DRY_RUN: true });
    const [post] = received(sim, /buildWithParameters$/, 'POST');
    expect(post.headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(post.body).toBe('TARGET=qa&DRY_RUN=true');
    expect(post.status).toBe(201);

    const number = await buildOf(client, queueId);
    expect(number).toBe(3);
    const item = await client.getQueueItem(queueId);
    expect(item).toMatchObject({
      id: queueId,
      left: true,
      cancelled: false,
      executable: { number: 3, url: `${sim.url}/job/release-train/3/` },
    });

    await sim.waitForBuild(['release-train'], 3);
    const build = await client.getBuild(['release-train'], 3);
    expect(build).toMatchObject({ number: 3, result: 'SUCCESS', building: false, causes: ['Started by user Admin'] });
    expect(build!.parameters).toEqual([
      { name: 'TARGET', value: 'qa' },
      { name: 'REGION', value: 'eu-west-1' },
      { name: 'DRY_RUN', value: true },
      { name: 'NOTES', value: '' },
      { name: 'API_KEY', value: null },
    ]);
  });

  it('triggers without parameters through /build', async () => {
    const { sim, client } = await setup();
    const { queueId } = await client.trigger(['nightly-backup']);
    expect(received(sim, /\/job\/nightly-backup\/build$/, 'POST')).toHaveLength(1);
    expect(await buildOf(client, queueId)).toBe(3);
  });

  it('builds a parameterized job with its defaults when no parameters are given', async () => {
    const { sim, client } = await setup();
    const { queueId } = await client.trigger(['release-train'], null);
    expect(sim.requests.map((r) => `${r.method} ${r.path} ${r.status}`)).toEqual([
      'POST /job/release-train/build 400',
      'POST /job/release-train/buildWithParameters 201',
    ]);
    const n = await buildOf(client, queueId);
    expect(sim.build(['release-train'], n).params?.find((p) => p.name === 'TARGET')?.value).toBe('staging');
  });

  it('refuses to report a multibranch scan or a disabled job as a queued build', async () => {
    const { sim, client } = await setup();
    await expect(client.trigger(['shop-web'])).rejects.toMatchObject({ kind: 'http', status: 302 });
    await expect(client.trigger(['legacy-build'])).rejects.toMatchObject({ kind: 'http', status: 409 });
    expect(received(sim, /\/job\/legacy-build\/build$/)).toHaveLength(1);
  });

  it('cancels a waiting queue item; unknown items read as null', async () => {
    const { sim, client } = await setup();
    sim.createJob('slow-start', { quietPeriodMs: 3_600_000 });
    const { queueId } = await client.trigger(['slow-start']);
    expect(await client.getQueueItem(queueId)).toMatchObject({ left: false, cancelled: false, executable: null });
    expect((await client.getQueueItem(queueId))?.why).toMatch(/quiet period/);
    await client.cancelQueueItem(queueId);
    const [cancel] = received(sim, /^\/queue\/cancelItem$/, 'POST');
    expect(cancel).toMatchObject({ query: { id: String(queueId) }, status: 204 });
    expect(await client.getQueueItem(queueId)).toMatchObject({ left: true, cancelled: true, executable: null });
    await expect(client.cancelQueueItem(999_999)).rejects.toMatchObject({ kind: 'not-found' });
    expect(await client.getQueueItem(999_999)).toBeNull();
  });

  it('reads build details with artifacts and downloads one; missing builds and files read as null', async () => {
    const { sim, client } = await setup();
    const build = await client.getBuild(['shop-web', 'main'], 3);
    expect(build?.artifacts).toEqual([
      { fileName: 'shop-web-1.4.0.jar', relativePath: 'build/libs/shop-web-1.4.0.jar', displayPath: 'shop-web-1.4.0.jar' },
      { fileName: 'index.html', relativePath: 'build/reports/tests/index.html', displayPath: 'index.html' },
    ]);
    const report = await client.artifact(['shop-web', 'main'], 3, 'build/reports/tests/index.html');
    expect(report).toMatchObject({ contentType: 'text/html', contentLength: 73 });
    expect((await readAll(report!.body)).toString()).toContain('<h1>Test report</h1>');
    const jar = await client.artifact(['shop-web', 'main'], 3, 'build/libs/shop-web-1.4.0.jar');
    expect((await readAll(jar!.body)).length).toBe(48_000);

    expect(await client.artifact(['shop-web', 'main'], 3, 'build/missing.txt')).toBeNull();
    expect(await client.getBuild(['shop-web', 'main'], 99)).toBeNull();
    sim.clearRequests();
    expect(await client.artifact(['shop-web', 'main'], 3, '../../secret')).toBeNull();
    expect(sim.requests).toHaveLength(0);
  });

  it('encodes every artifact path segment', async () => {
    const { sim, client } = await setup();
    sim.createJob('odd-files', { script: [{ archive: { path: 'out dir/report #1.txt', content: 'hello' } }] });
    const { queueId } = await client.trigger(['odd-files']);
    const n = await buildOf(client, queueId);
    await sim.waitForBuild(['odd-files'], n);
    const file = await client.artifact(['odd-files'], n, 'out dir/report #1.txt');
    expect((await readAll(file!.body)).toString()).toBe('hello');
    expect(received(sim, /\/artifact\//)[0].path).toBe(`/job/odd-files/${n}/artifact/out%20dir/report%20%231.txt`);
  });

  it('stops a running build', async () => {
    const { sim, client } = await setup();
    sim.createJob('long-runner', { script: [{ log: 'working\n' }, { sleep: 100_000_000 }] });
    const { queueId } = await client.trigger(['long-runner']);
    const n = await buildOf(client, queueId);
    expect((await client.getBuild(['long-runner'], n))?.building).toBe(true);
    await client.stop(['long-runner'], n);
    expect(received(sim, /\/stop$/, 'POST')[0]).toMatchObject({ path: `/job/long-runner/${n}/stop`, status: 302 });
    await sim.waitForBuild(['long-runner'], n);
    expect(await client.getBuild(['long-runner'], n)).toMatchObject({ building: false, result: 'ABORTED' });
  });

  it('streams the whole console text', async () => {
    const { client } = await setup();
    const text = (await readAll(await client.consoleText(['shop-web', 'develop'], 2))).toString();
    expect(text).toContain('\u001b[33mTests: 3 failed, 120 passed\u001b[0m\n');
    expect(text).not.toContain('\u001b[8mha:');
    expect(text.trimEnd().endsWith('Finished: UNSTABLE')).toBe(true);
    await expect(client.consoleText(['shop-web', 'develop'], 99)).rejects.toMatchObject({ kind: 'not-found' });
  });
});
