import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createJenkinsTestApp, enc, grant, newUser, syncNow, until, type JenkinsTestApp } from './jenkins-helpers.js';

const PAY = '/api/projects/payments/branches/main';
const SHOP = '/api/projects/shop-web/branches/main';

describe('building a branch through Gatehouse', () => {
  let j: JenkinsTestApp;
  let dev: { id: number; token: string; username: string };
  beforeAll(async () => {
    j = await createJenkinsTestApp({ config: { jenkins: { rateLimitPerMinute: 100_000 } } });
    await syncNow(j);
    dev = await newUser(j);
    await grant(j, { userId: dev.id, project: 'payments', branch: 'main', canView: true, canBuild: true });
    await grant(j, { userId: dev.id, project: 'shop-web', branch: '*', canView: true, canBuild: true });
  });
  afterAll(() => j.close());

  const waitForNumber = (queueId: number) =>
    until('a build number', async () => {
      await j.t.gh.ctx.jobs.drain();
      const q = await j.t.inject({ method: 'GET', url: `/api/jenkins/queue/${queueId}`, token: dev.token });
      expect(q.statusCode).toBe(200);
      return q.json().status === 'started' ? (q.json().number as number) : null;
    });

  it('serves the parameter form fields with defaults, never a password default', async () => {
    const res = await j.t.inject({ method: 'GET', url: `${PAY}/parameters`, token: dev.token });
    expect(res.statusCode).toBe(200);
    const byName = Object.fromEntries(res.json().items.map((p: { name: string }) => [p.name, p]));
    expect(byName.TARGET).toMatchObject({ type: 'string', default: 'staging' });
    expect(byName.REGION).toMatchObject({ type: 'choice', choices: ['eu-west-1', 'us-east-1', 'ap-southeast-1'] });
    expect(byName.DRY_RUN).toMatchObject({ type: 'boolean', default: false });
    expect(byName.NOTES.type).toBe('text');
    // Jenkins never exports a password's default, and Gatehouse would not pass it on.
    expect(byName.API_KEY).toMatchObject({ type: 'password', default: null });
    expect(res.body).not.toContain('changeme');
  });

  it('triggers with parameters, tracks the queue to a build number, and records who did it', async () => {
    const before = j.sim.requests.length;
    const res = await j.t.inject({
      method: 'POST',
      url: `${PAY}/builds`,
      token: dev.token,
      payload: { parameters: { TARGET: 'prod', REGION: 'us-east-1', DRY_RUN: true, API_KEY: 's3cret!' } },
    });
    expect(res.statusCode, res.body).toBe(202);
    const { queueId } = res.json();
    expect(queueId).toBeGreaterThan(0);
    const sent = j.sim.requests.slice(before).find((r) => r.method === 'POST' && r.path.endsWith('/buildWithParameters'));
    expect(sent?.path).toBe('/job/payments/job/main/buildWithParameters');
    const form = new URLSearchParams(sent!.body);
    expect(form.get('TARGET')).toBe('prod');
    expect(form.get('REGION')).toBe('us-east-1');
    expect(form.get('DRY_RUN')).toBe('true');
    expect(form.get('API_KEY')).toBe('s3cret!');

    const n = await waitForNumber(queueId);
    const hist = await until('the build in the history', async () => {
      const h = await j.t.inject({ method: 'GET', url: `${PAY}/builds?page=1&pageSize=5`, token: dev.token });
      return h.json().items.find((b: { number: number }) => b.number === n);
    });
    expect(hist.triggeredBy).toBe(dev.username);

    const audit = await j.t.inject({ method: 'GET', url: '/api/audit?action=jenkins.build.trigger&outcome=success', token: j.admin });
    const ev = audit.json().items.find((e: { username: string }) => e.username === dev.username);
    expect(ev.details.parameters).toMatchObject({ TARGET: 'prod', REGION: 'us-east-1', DRY_RUN: true });
    expect(ev.details.parameters.API_KEY).not.toBe('s3cret!');
    expect(JSON.stringify(audit.json())).not.toContain('s3cret!');

    const detail = await j.t.inject({ method: 'GET', url: `${PAY}/builds/${n}`, token: dev.token });
    expect(detail.statusCode).toBe(200);
    expect(detail.body).not.toContain('s3cret!');
  });

  it('refuses bad parameters with every problem listed, sending nothing to Jenkins', async () => {
    const before = j.sim.requests.filter((r) => r.method === 'POST').length;
    const res = await j.t.inject({
      method: 'POST',
      url: `${PAY}/builds`,
      token: dev.token,
      payload: { parameters: { REGION: 'mars-1', NOPE: 'x', DRY_RUN: 'maybe' } },
    });
    expect(res.statusCode).toBe(400);
    expect(res.json().error.code).toBe('INVALID_PARAMETER');
    expect(
      res
        .json()
        .error.details.map((d: { name: string }) => d.name)
        .sort(),
    ).toEqual(['DRY_RUN', 'NOPE', 'REGION']);
    expect(j.sim.requests.filter((r) => r.method === 'POST').length).toBe(before);
    const noParams = await j.t.inject({ method: 'POST', url: `${SHOP}/builds`, token: dev.token, payload: { parameters: { X: '1' } } });
    expect(noParams.statusCode).toBe(400);
    const junk = await j.t.inject({ method: 'POST', url: `${PAY}/builds`, token: dev.token, payload: { parameters: 'all' } });
    expect(junk.statusCode).toBe(400);
  });

  it('streams the coloured log by offset until the build is over, console notes stripped', async () => {
    const res = await j.t.inject({ method: 'POST', url: `${SHOP}/builds`, token: dev.token, payload: {} });
    expect(res.statusCode).toBe(202);
    const n = await waitForNumber(res.json().queueId);
    let start = 0;
    let text = '';
    await until(
      'the end of the log',
      async () => {
        const r = await j.t.inject({ method: 'GET', url: `${SHOP}/builds/${n}/log?start=${start}`, token: dev.token });
        expect(r.statusCode).toBe(200);
        const body = r.json();
        text += body.text;
        start = body.nextStart;
        return !body.more;
      },
      400,
    );
    expect(text).toContain('Finished: SUCCESS');
    expect(text).toContain('\u001b[');
    expect(text).not.toContain('\u001b[8mha:');
    expect(text).not.toContain('\r\n');

    const dl = await j.t.inject({ method: 'GET', url: `${SHOP}/builds/${n}/log/download`, token: dev.token });
    expect(dl.statusCode).toBe(200);
    expect(dl.headers['content-disposition']).toMatch(/attachment/);
    expect(dl.body).toContain('Finished: SUCCESS');

    const detail = (await j.t.inject({ method: 'GET', url: `${SHOP}/builds/${n}`, token: dev.token })).json();
    expect(detail.result).toBe('SUCCESS');
    expect(detail.artifacts.map((a: { path: string }) => a.path)).toContain('build/libs/shop-web.jar');
    const art = await j.t.inject({ method: 'GET', url: `${SHOP}/builds/${n}/artifacts/build/reports/tests/index.html`, token: dev.token });
    expect(art.statusCode).toBe(200);
    expect(art.body).toContain('Test report');
    const missing = await j.t.inject({ method: 'GET', url: `${SHOP}/builds/${n}/artifacts/nope.txt`, token: dev.token });
    expect(missing.statusCode).toBe(404);
    expect(missing.json().error.code).toBe('ARTIFACT_NOT_FOUND');
    const audit = await j.t.inject({ method: 'GET', url: '/api/audit?action=jenkins.artifact.download', token: j.admin });
    expect(audit.json().total).toBeGreaterThan(0);
  });

  it('shows why a build waits in the queue, and stops the running build that blocks it', async () => {
    // deploy-api/main is not concurrent and its fixture run waits at an input step.
    const DEPLOY = `/api/projects/${enc('platform/deploy-api')}/branches/main`;
    await grant(j, { userId: dev.id, project: 'platform/deploy-api', branch: 'main', canView: true, canBuild: true });
    const running = (await j.t.inject({ method: 'GET', url: `${DEPLOY}/builds?pageSize=1`, token: dev.token })).json().items[0];
    expect(running.building).toBe(true);
    const res = await j.t.inject({ method: 'POST', url: `${DEPLOY}/builds`, token: dev.token, payload: {} });
    expect(res.statusCode).toBe(202);
    const waiting = await until('the queue to say why', async () => {
      const q = (await j.t.inject({ method: 'GET', url: `/api/jenkins/queue/${res.json().queueId}`, token: dev.token })).json();
      return q.status === 'waiting' && q.why ? q : null;
    });
    expect(waiting.number).toBeNull();

    const stop = await j.t.inject({ method: 'POST', url: `${DEPLOY}/builds/${running.number}/stop`, token: dev.token });
    expect(stop.statusCode).toBe(202);
    const b = await until('the build to end', async () => {
      const d = (await j.t.inject({ method: 'GET', url: `${DEPLOY}/builds/${running.number}`, token: dev.token })).json();
      return d.building ? null : d;
    });
    expect(b.result).toBe('ABORTED');
    const n = await waitForNumber(res.json().queueId);
    expect(n).toBeGreaterThan(running.number);
    const audit = await j.t.inject({ method: 'GET', url: '/api/audit?action=jenkins.build.stop', token: j.admin });
    expect(audit.json().total).toBeGreaterThan(0);
  });

  it('pages the build history', async () => {
    const p1 = (await j.t.inject({ method: 'GET', url: `${SHOP}/builds?page=1&pageSize=2`, token: dev.token })).json();
    const p2 = (await j.t.inject({ method: 'GET', url: `${SHOP}/builds?page=2&pageSize=2`, token: dev.token })).json();
    expect(p1.items).toHaveLength(2);
    expect(p1.hasMore).toBe(true);
    expect(p2.items[0].number).toBeLessThan(p1.items[1].number);
    const bad = await j.t.inject({ method: 'GET', url: `${SHOP}/builds?page=0`, token: dev.token });
    expect(bad.statusCode).toBe(400);
  });

  it('answers 404 for an unknown build and a disabled job refuses to build', async () => {
    const res = await j.t.inject({ method: 'GET', url: `${SHOP}/builds/9999`, token: dev.token });
    expect(res.statusCode).toBe(404);
    expect(res.json().error.code).toBe('BUILD_NOT_FOUND');
    const unknownQueue = await j.t.inject({ method: 'GET', url: '/api/jenkins/queue/424242', token: dev.token });
    expect(unknownQueue.statusCode).toBe(404);
    await grant(j, { userId: dev.id, project: 'legacy-build', branch: '*', canView: true, canBuild: true });
    const legacy = await j.t.inject({
      method: 'POST',
      url: `/api/projects/legacy-build/branches/default/builds`,
      token: dev.token,
      payload: {},
    });
    expect([409, 502]).toContain(legacy.statusCode);
  });

  it('answers 503 JENKINS_UNAVAILABLE while Jenkins is down, and keeps serving the branch list', async () => {
    j.sim.setDown('reset');
    try {
      const res = await j.t.inject({ method: 'POST', url: `${SHOP}/builds`, token: dev.token, payload: {} });
      expect(res.statusCode).toBe(503);
      expect(res.json().error.code).toBe('JENKINS_UNAVAILABLE');
      const list = await j.t.inject({ method: 'GET', url: `/api/projects/shop-web/branches`, token: dev.token });
      expect(list.statusCode).toBe(200);
    } finally {
      j.sim.setDown(false);
    }
  });

  it('rate-limits one user’s calls that reach Jenkins with 429 and Retry-After', async () => {
    const k = await createJenkinsTestApp({ config: { jenkins: { rateLimitPerMinute: 8 } } });
    try {
      await syncNow(k);
      const u = await newUser(k);
      await grant(k, { userId: u.id, project: 'shop-web', branch: 'main', canView: true });
      const codes: number[] = [];
      for (let i = 0; i < 4; i++) codes.push((await k.t.inject({ method: 'GET', url: `${SHOP}/builds`, token: u.token })).statusCode);
      expect(codes.slice(0, 2)).toEqual([200, 200]);
      const limited = await k.t.inject({ method: 'GET', url: `${SHOP}/builds`, token: u.token });
      expect(limited.statusCode).toBe(429);
      expect(limited.json().error.code).toBe('RATE_LIMITED');
      expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
      // Another user is not affected.
      const v = await newUser(k);
      await grant(k, { userId: v.id, project: 'shop-web', branch: 'main', canView: true });
      expect((await k.t.inject({ method: 'GET', url: `${SHOP}/builds`, token: v.token })).statusCode).toBe(200);
    } finally {
      await k.close();
    }
  });

  it('keeps branch names with slashes intact on the way to Jenkins', async () => {
    const before = j.sim.requests.length;
    const res = await j.t.inject({
      method: 'GET',
      url: `/api/projects/shop-web/branches/${enc('feature/login')}/builds`,
      token: dev.token,
    });
    expect(res.statusCode).toBe(200);
    const call = j.sim.requests.slice(before).find((r) => r.path.includes('feature'));
    expect(call?.path).toContain('/job/shop-web/job/feature%252Flogin/');
  });
});
