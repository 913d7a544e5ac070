/**
 * Jenkins emulator contract: fault and latency injection and the request log — what a client's
 * retries, timeouts and circuit breaker are tested against.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, call, post, startSim, type JenkinsSim } from './jenkins-sim-helpers.js';

let sim: JenkinsSim;

beforeAll(async () => {
  sim = await startSim();
  sim.createJob('app', { script: [] });
});
afterAll(async () => sim?.close());
afterEach(() => sim.clearFaults());

const status = async (path: string) => (await call(sim, path)).status;

describe('failNext', () => {
  it('fails the next n requests with the given status, then answers normally', async () => {
    sim.failNext(2, { status: 503 });
    const res = await call(sim, '/api/json');
    expect(res.status).toBe(503);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    expect(await status('/api/json')).toBe(503);
    expect(await status('/api/json')).toBe(200);
  });

  it('defaults to 500 and can be limited to matching paths', async () => {
    sim.failNext(1, undefined, /\/build$/);
    expect(await status('/api/json')).toBe(200);
    expect((await post(sim, '/job/app/build')).status).toBe(500);
    expect((await post(sim, '/job/app/build')).status).toBe(201);
  });

  it('can reset the connection or never answer', async () => {
    sim.failNext(1, 'reset');
    await expect(call(sim, '/api/json')).rejects.toThrow();
    sim.failNext(1, 'hang');
    const hung = fetch(`${sim.url}/api/json`, { headers: { Authorization: ADMIN_TOKEN }, signal: AbortSignal.timeout(100) });
    await expect(hung).rejects.toMatchObject({ name: 'TimeoutError' });
    expect(await status('/api/json')).toBe(200);
    expect(sim.requests.filter((r) => r.fault).map((r) => r.fault)).toEqual(expect.arrayContaining(['reset', 'hang']));
  });
});

describe('setDown', () => {
  it('fails every request until switched off', async () => {
    sim.setDown({ status: 502 });
    expect(await status('/api/json')).toBe(502);
    expect(await status('/whoAmI/api/json')).toBe(502);
    expect((await post(sim, '/job/app/build')).status).toBe(502);
    sim.setDown(false);
    expect(await status('/api/json')).toBe(200);
  });

  it('can refuse connections outright', async () => {
    sim.setDown('reset');
    await expect(call(sim, '/api/json')).rejects.toThrow();
    sim.setDown(false);
    expect(await status('/api/json')).toBe(200);
  });
});

describe('setLatency', () => {
  it('delays matching requests past a client timeout and leaves others alone', async () => {
    sim.setLatency(60_000, /^\/job\//);
    const slow = fetch(`${sim.url}/job/app/api/json`, { headers: { Authorization: ADMIN_TOKEN }, signal: AbortSignal.timeout(100) });
    await expect(slow).rejects.toMatchObject({ name: 'TimeoutError' });
    expect(await status('/api/json')).toBe(200);
    sim.setLatency(0);
    expect(await status('/job/app/api/json')).toBe(200);
  });
});

describe('request log', () => {
  it('records method, raw path, query, who and how, and the status', async () => {
    sim.clearRequests();
    await call(sim, '/job/app/api/json?tree=name');
    await call(sim, '/api/json', { auth: 'Basic ' + Buffer.from('admin:nope').toString('base64') });
    expect(sim.requests.map(({ method, path, query, user, via, status }) => ({ method, path, query, user, via, status }))).toEqual([
      { method: 'GET', path: '/job/app/api/json', query: { tree: 'name' }, user: 'admin', via: 'token', status: 200 },
      { method: 'GET', path: '/api/json', query: {}, user: 'admin', via: 'invalid', status: 401 },
    ]);
    sim.clearRequests();
    expect(sim.requests).toEqual([]);
  });
});
