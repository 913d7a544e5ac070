import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { loadDemoFixture } from '../../tools/jenkins-sim/fixture.js';
import { createJenkinsTestApp, enc, grant, newUser, syncNow, until, type JenkinsTestApp } from './jenkins-helpers.js';

/** A job that stops half-way until the test releases it, so "more follows" never depends on timing. */
const HELD = 'live-held';

type Frame = Record<string, unknown> & { type?: string; topic?: string };

/** A browser-like client of /api/ws that keeps every frame it receives. */
async function connect(
  base: string,
  token?: string,
): Promise<{ ws: WebSocket; frames: Frame[]; send(m: object): void; closed: Promise<number> }> {
  const ws = new WebSocket(`${base.replace('http', 'ws')}/api/ws`);
  const frames: Frame[] = [];
  ws.on('message', (d) => frames.push(JSON.parse(String(d)) as Frame));
  const closed = new Promise<number>((r) => ws.on('close', (code) => r(code)));
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  const send = (m: object) => ws.send(JSON.stringify(m));
  if (token) {
    send({ type: 'auth', token });
    await until('ready', async () => frames.find((f) => f.type === 'ready'));
  }
  return { ws, frames, send, closed };
}

const logText = (frames: Frame[], topic: string) =>
  frames
    .filter((f) => f.topic === topic && f.type === 'log')
    .map((f) => f.text as string)
    .join('');

describe('live build logs over WebSocket', () => {
  let j: JenkinsTestApp;
  let base: string;
  let dev: { id: number; token: string };
  beforeAll(async () => {
    j = await createJenkinsTestApp({
      timeScale: 0.05,
      fixture: (sim) => {
        loadDemoFixture(sim);
        sim.createJob(HELD, { script: [{ log: 'first part\n' }, { hold: 'rest' }, { log: 'second part\n' }, { log: 'third part\n' }] });
      },
    });
    await syncNow(j);
    dev = await newUser(j);
    await grant(j, { userId: dev.id, project: 'shop-web', branch: 'main', canView: true, canBuild: true });
    await grant(j, { userId: dev.id, project: HELD, branch: 'default', canView: true, canBuild: true });
    base = await j.t.gh.app.listen({ port: 0, host: '127.0.0.1' });
  });
  afterAll(() => j.close());

  async function startBuild(project = 'shop-web', branch = 'main'): Promise<number> {
    const res = await j.t.inject({
      method: 'POST',
      url: `/api/projects/${project}/branches/${branch}/builds`,
      token: dev.token,
      payload: {},
    });
    expect(res.statusCode).toBe(202);
    return until('a build number', async () => {
      await j.t.gh.ctx.jobs.drain();
      const q = (await j.t.inject({ method: 'GET', url: `/api/jenkins/queue/${res.json().queueId}`, token: dev.token })).json();
      return q.number as number | null;
    });
  }

  it('refuses to subscribe before authenticating, and closes on a bad token', async () => {
    const c = await connect(base);
    c.send({ type: 'subscribe', topic: 'build-log:shop-web/main/1' });
    await until('an error frame', async () => c.frames.find((f) => f.code === 'UNAUTHENTICATED'));
    c.send({ type: 'auth', token: 'not-a-token' });
    expect(await c.closed).toBe(4001);
  });

  it('streams a running build to two viewers from one poller, to the end with its result', async () => {
    const n = await startBuild();
    const topic = `build-log:${enc('shop-web')}/${enc('main')}/${n}`;
    const a = await connect(base, dev.token);
    const b = await connect(base, dev.token);
    const before = j.sim.requests.length;
    a.send({ type: 'subscribe', topic });
    b.send({ type: 'subscribe', topic });
    for (const c of [a, b]) await until('the end frame', async () => c.frames.find((f) => f.topic === topic && f.type === 'end'), 400);
    const textA = logText(a.frames, topic);
    expect(textA).toContain('Finished: SUCCESS');
    expect(textA).toContain('\u001b[');
    expect(textA).not.toContain('\u001b[8mha:');
    expect(logText(b.frames, topic)).toBe(textA);
    expect(a.frames.find((f) => f.type === 'end')?.result).toBe('SUCCESS');
    // One poller for both: each offset was asked for once.
    const polls = j.sim.requests.slice(before).filter((r) => r.path.endsWith('/logText/progressiveText'));
    const starts = polls.map((r) => r.query.start ?? '0');
    expect(new Set(starts).size).toBe(starts.length);
    a.ws.close();
    b.ws.close();
  });

  it('resumes from an offset: a late viewer gets only what follows it', async () => {
    const n = await startBuild(HELD, 'default');
    const topic = `build-log:${HELD}/default/${n}`;
    const a = await connect(base, dev.token);
    a.send({ type: 'subscribe', topic });
    await until('the first part', async () => logText(a.frames, topic).includes('first part'), 400);
    j.sim.release(HELD, n, 'rest');
    await until('the end frame', async () => a.frames.find((f) => f.topic === topic && f.type === 'end'), 400);
    const chunks = a.frames.filter((f) => f.topic === topic && f.type === 'log');
    expect(chunks.length).toBeGreaterThan(1);
    expect(chunks[0].text).not.toContain('second part');
    const from = chunks[0].nextStart as number;
    const late = await connect(base, dev.token);
    late.send({ type: 'subscribe', topic, from });
    await until('the end frame', async () => late.frames.find((f) => f.topic === topic && f.type === 'end'));
    const rest = chunks
      .slice(1)
      .map((c) => c.text as string)
      .join('');
    expect(logText(late.frames, topic)).toBe(rest);
    a.ws.close();
    late.ws.close();
  });

  it('refuses a branch the viewer may not see, without asking Jenkins', async () => {
    const c = await connect(base, dev.token);
    const before = j.sim.requests.length;
    c.send({ type: 'subscribe', topic: `build-log:shop-web/develop/1` });
    c.send({ type: 'subscribe', topic: `build-log:nonsense` });
    c.send({ type: 'subscribe', topic: 'sync' });
    const errs = await until('three errors', async () => {
      const e = c.frames.filter((f) => f.type === 'error');
      return e.length >= 3 ? e : null;
    });
    expect(errs.map((e) => e.code).sort()).toEqual(['BRANCH_NOT_FOUND', 'FORBIDDEN', 'UNKNOWN_TOPIC']);
    expect(j.sim.requests.length).toBe(before);
    c.ws.close();
  });

  it('pushes sync progress to administrators', async () => {
    const c = await connect(base, j.admin);
    c.send({ type: 'subscribe', topic: 'sync' });
    await until('the last sync', async () => c.frames.find((f) => f.topic === 'sync'));
    const started = await j.t.inject({ method: 'POST', url: '/api/jenkins/sync', token: j.admin });
    await j.t.gh.ctx.jobs.drain();
    const done = await until('a succeeded frame', async () =>
      c.frames.find((f) => f.topic === 'sync' && f.id === started.json().id && f.status === 'succeeded'),
    );
    expect((done.progress as { done: number }).done).toBeGreaterThan(0);
    c.ws.close();
  });
});
