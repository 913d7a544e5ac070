import { afterEach, describe, expect, it } from 'vitest';
import type { JenkinsSim } from '../../tools/jenkins-sim/index.js';
import type { JenkinsClient } from '../src/modules/jenkins/client/index.js';
import { clientFor, received, startSim, until } from './jenkins-client-helpers.js';

const DEPLOY_MAIN = ['platform', 'deploy-api', 'main'];
const DEPLOY_RELEASE = ['platform', 'deploy-api', 'release%2F1.2'];

describe('Jenkins client: pipeline input steps', () => {
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

  const waitingInputs = (c: JenkinsClient, path: string[], n: number) =>
    until(async () => {
      const inputs = await c.pendingInputs(path, n);
      return inputs.length > 0 && inputs;
    });

  it('lists a pending input and proceeds it (proceedEmpty)', async () => {
    const { sim, client } = await setup();
    expect(await waitingInputs(client, DEPLOY_MAIN, 3)).toEqual([
      { id: 'Approve', message: 'Deploy to production?', proceedText: 'Deploy', inputs: [] },
    ]);
    await client.proceedInput(DEPLOY_MAIN, 3, 'Approve');
    expect(received(sim, /\/input\//, 'POST')[0]).toMatchObject({
      path: '/job/platform/job/deploy-api/job/main/3/input/Approve/proceedEmpty',
      status: 200,
    });
    const build = await sim.waitForBuild(DEPLOY_MAIN, 3);
    expect(build.result).toBe('SUCCESS');
    expect(await client.pendingInputs(DEPLOY_MAIN, 3)).toEqual([]);
    // An answered input is gone: 404.
    await expect(client.proceedInput(DEPLOY_MAIN, 3, 'Approve')).rejects.toMatchObject({ kind: 'not-found' });
  });

  it('proceeds an input with parameters as the json form field', async () => {
    const { sim, client } = await setup();
    const [input] = await waitingInputs(client, DEPLOY_RELEASE, 1);
    expect(input).toEqual({
      id: 'Promote',
      message: 'Promote release 1.2?',
      proceedText: 'Promote',
      inputs: [{ name: 'REGION', type: 'ChoiceParameterDefinition' }],
    });
    await client.proceedInput(DEPLOY_RELEASE, 1, 'Promote', [{ name: 'REGION', value: 'us-east-1' }]);
    const [post] = received(sim, /\/input\//, 'POST');
    expect(post.path).toBe('/job/platform/job/deploy-api/job/release%252F1.2/1/input/Promote/proceed');
    expect(JSON.parse(new URLSearchParams(post.body).get('json')!)).toEqual({ parameter: [{ name: 'REGION', value: 'us-east-1' }] });
    const build = await sim.waitForBuild(DEPLOY_RELEASE, 1);
    expect(build.inputHistory[0]).toMatchObject({ outcome: 'proceeded', values: { REGION: 'us-east-1' } });
  });

  it('aborts an input; the run ends ABORTED', async () => {
    const { sim, client } = await setup();
    await waitingInputs(client, DEPLOY_MAIN, 3);
    await client.abortInput(DEPLOY_MAIN, 3, 'Approve');
    expect(received(sim, /\/input\//, 'POST')[0].path).toBe('/job/platform/job/deploy-api/job/main/3/input/Approve/abort');
    expect((await sim.waitForBuild(DEPLOY_MAIN, 3)).result).toBe('ABORTED');
  });

  it("surfaces Jenkins' X-Error message when the user may not answer", async () => {
    const { sim } = await setup();
    const dev = clientFor(sim, { username: 'dev', token: 'dev-token' }).client;
    try {
      await waitingInputs(dev, DEPLOY_RELEASE, 1);
      const err = await dev.proceedInput(DEPLOY_RELEASE, 1, 'Promote', [{ name: 'REGION', value: 'us-east-1' }]).catch((e) => e);
      expect(err).toMatchObject({ kind: 'http', status: 400, jenkinsMessage: 'You need to be admin,release-managers to submit this.' });
      expect(err.message).toContain('You need to be admin,release-managers');
    } finally {
      await dev.close();
    }
  });

  it('returns no inputs for a freestyle run', async () => {
    const { client } = await setup();
    expect(await client.pendingInputs(['nightly-backup'], 1)).toEqual([]);
  });
});
