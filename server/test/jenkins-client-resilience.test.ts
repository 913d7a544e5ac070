import { afterEach, describe, expect, it } from 'vitest';
import type { JenkinsSim } from '../../tools/jenkins-sim/index.js';
import type { JenkinsClient } from '../src/modules/jenkins/client/index.js';
import { clientFor, closedPort, received, startSim } from './jenkins-client-helpers.js';

describe('Jenkins client: retries, circuit breaker, timeouts', () => {
  let sim: JenkinsSim | undefined;
  let client: JenkinsClient | undefined;

  afterEach(async () => {
    await client?.close();
    await sim?.close();
    sim = client = undefined;
  });

  it('retries a GET after two 5xx and succeeds on the third try', async () => {
    sim = await startSim();
    const t = clientFor(sim);
    client = t.client;
    sim.failNext(2, { status: 503 });
    expect((await client.whoAmI()).name).toBe('admin');
    expect(received(sim, /^\/whoAmI\//).map((r) => r.status)).toEqual([503, 503, 200]);
    expect(t.calls.map((c) => [c.method, c.path, c.status])).toEqual([
      ['GET', '/whoAmI/api/json', 503],
      ['GET', '/whoAmI/api/json', 503],
      ['GET', '/whoAmI/api/json', 200],
    ]);
  });

  it('gives up after the configured retries with the last error', async () => {
    sim = await startSim();
    const t = clientFor(sim, {}, { retries: 2 });
    client = t.client;
    sim.failNext(5, { status: 500 });
    await expect(client.listItems()).rejects.toMatchObject({ kind: 'http', status: 500 });
    expect(received(sim, /^\/api\/json$/)).toHaveLength(3);
  });

  it('retries a GET whose connection was reset', async () => {
    sim = await startSim();
    client = clientFor(sim).client;
    sim.failNext(1, 'reset');
    expect((await client.getProject(['shop-web'])).branches).toHaveLength(4);
    expect(received(sim, /^\/job\/shop-web\/api\/json$/).map((r) => r.fault)).toEqual(['reset', null]);
  });

  it('never retries a 4xx', async () => {
    sim = await startSim();
    client = clientFor(sim).client;
    for (const status of [400, 404, 409]) {
      sim.clearRequests();
      sim.failNext(1, { status });
      await expect(client.whoAmI()).rejects.toMatchObject({ status });
      expect(sim.requests).toHaveLength(1);
    }
  });

  it('never resends a trigger that may have reached Jenkins (5xx, reset, timeout)', async () => {
    sim = await startSim();
    client = clientFor(sim, { timeoutMs: 200 }).client;
    const build = /\/job\/nightly-backup\/build$/;
    sim.failNext(1, { status: 502 }, build);
    await expect(client.trigger(['nightly-backup'])).rejects.toMatchObject({ kind: 'http', status: 502 });
    sim.failNext(1, 'reset', build);
    await expect(client.trigger(['nightly-backup'])).rejects.toMatchObject({ kind: 'network' });
    sim.failNext(1, 'hang', build);
    await expect(client.trigger(['nightly-backup'])).rejects.toMatchObject({ kind: 'timeout' });
    expect(received(sim, build, 'POST').map((r) => r.fault)).toEqual(['status 502', 'reset', 'hang']);
  });

  it('retries a POST whose connection was refused before sending', async () => {
    const port = await closedPort();
    const t = clientFor(`http://127.0.0.1:${port}`, {}, { retries: 2 });
    client = t.client;
    await expect(client.trigger(['x'])).rejects.toMatchObject({ kind: 'network', code: 'ECONNREFUSED' });
    expect(t.calls.map((c) => [c.method, c.status])).toEqual([
      ['POST', null],
      ['POST', null],
      ['POST', null],
    ]);
  });

  it('resends stop on a 5xx (Jenkins documents it as idempotent)', async () => {
    sim = await startSim();
    client = clientFor(sim).client;
    sim.failNext(1, { status: 503 }, /\/stop$/);
    await client.stop(['nightly-backup'], 2);
    expect(received(sim, /\/stop$/, 'POST').map((r) => r.status)).toEqual([503, 302]);
  });

  it('times out a slow answer (headers timeout), retries it, and reports kind timeout', async () => {
    sim = await startSim();
    client = clientFor(sim, { timeoutMs: 100 }, { retries: 1 }).client;
    // undici checks header/body timeouts on a ~0.5 s tick, so the latency must clearly exceed that.
    sim.setLatency(2500, /^\/whoAmI\//);
    await expect(client.whoAmI()).rejects.toMatchObject({ kind: 'timeout', code: 'UND_ERR_HEADERS_TIMEOUT' });
    expect(received(sim, /^\/whoAmI\//)).toHaveLength(2);
    sim.setLatency(0);
    expect((await client.whoAmI()).name).toBe('admin');
  });

  it('recovers from one hanging request by retrying it', async () => {
    sim = await startSim();
    client = clientFor(sim, { timeoutMs: 100 }).client;
    sim.failNext(1, 'hang');
    expect((await client.whoAmI()).name).toBe('admin');
    expect(received(sim, /^\/whoAmI\//).map((r) => r.fault)).toEqual(['hang', null]);
  });

  it('opens the breaker after N failed calls, fails fast while open, and closes after a good trial call', async () => {
    sim = await startSim();
    let now = 1_000_000;
    const t = clientFor(sim, {}, { retries: 1, breaker: { failureThreshold: 2, resetMs: 10_000 }, now: () => now });
    client = t.client;
    sim.setDown({ status: 503 });
    await expect(client.whoAmI()).rejects.toMatchObject({ kind: 'http', status: 503 });
    expect(client.breakerState()).toBe('closed');
    await expect(client.listItems()).rejects.toMatchObject({ kind: 'http', status: 503 });
    expect(client.breakerState()).toBe('open');
    expect(sim.requests).toHaveLength(4); // 2 calls × (1 + 1 retry)

    sim.clearRequests();
    await expect(client.whoAmI()).rejects.toMatchObject({ kind: 'unavailable' });
    await expect(client.trigger(['nightly-backup'])).rejects.toMatchObject({ kind: 'unavailable' });
    expect(sim.requests).toHaveLength(0);
    expect(t.calls.at(-1)).toMatchObject({ status: null, error: 'unavailable' });

    now += 10_000;
    expect(client.breakerState()).toBe('half-open');
    await expect(client.whoAmI()).rejects.toMatchObject({ status: 503 }); // failed trial: no retries, open again
    expect(sim.requests).toHaveLength(1);
    expect(client.breakerState()).toBe('open');

    now += 10_000;
    sim.setDown(false);
    expect((await client.whoAmI()).name).toBe('admin');
    expect(client.breakerState()).toBe('closed');
  });

  it('lets only one trial call through while half-open', async () => {
    sim = await startSim();
    let now = 0;
    client = clientFor(sim, {}, { retries: 0, breaker: { failureThreshold: 1, resetMs: 1000 }, now: () => now }).client;
    sim.failNext(1, { status: 500 });
    await expect(client.whoAmI()).rejects.toMatchObject({ status: 500 });
    now += 1000;
    sim.clearRequests();
    const [a, b] = await Promise.allSettled([client.whoAmI(), client.whoAmI()]);
    expect(a.status).toBe('fulfilled');
    expect(b).toMatchObject({ status: 'rejected', reason: { kind: 'unavailable' } });
    expect(sim.requests).toHaveLength(1);
    expect(client.breakerState()).toBe('closed');
  });

  it('does not count 4xx answers toward the breaker, and a success resets the count', async () => {
    sim = await startSim();
    client = clientFor(sim, {}, { retries: 0, breaker: { failureThreshold: 2, resetMs: 10_000 } }).client;
    sim.failNext(3, { status: 404 });
    for (let i = 0; i < 3; i++) await expect(client.whoAmI()).rejects.toMatchObject({ kind: 'not-found' });
    expect(client.breakerState()).toBe('closed');
    sim.failNext(1, { status: 500 });
    await expect(client.whoAmI()).rejects.toMatchObject({ status: 500 });
    await client.whoAmI();
    sim.failNext(1, { status: 500 });
    await expect(client.whoAmI()).rejects.toMatchObject({ status: 500 });
    expect(client.breakerState()).toBe('closed');
  });
});
