import { expect } from 'vitest';
import { createJenkinsSim, type JenkinsSim } from '../../tools/jenkins-sim/index.js';
import { loadDemoFixture } from '../../tools/jenkins-sim/fixture.js';
import { createTestApp, ADMIN_PASSWORD, type TestApp } from './test-app.js';

export interface JenkinsTestApp {
  t: TestApp;
  sim: JenkinsSim;
  admin: string;
  close(): Promise<void>;
}

/**
 * Gatehouse wired to an in-process Jenkins emulator the way an operator would do it: JENKINS_URL,
 * JENKINS_USER and JENKINS_TOKEN in the environment. Builds run 100× faster than written.
 */
export async function createJenkinsTestApp(
  opts: { fixture?: (sim: JenkinsSim) => void; config?: Record<string, unknown>; timeScale?: number } = {},
): Promise<JenkinsTestApp> {
  const sim = await createJenkinsSim({ port: 0, timeScale: opts.timeScale ?? 0.01, quietPeriodMs: 0 });
  (opts.fixture ?? loadDemoFixture)(sim);
  const t = await createTestApp({
    env: { JENKINS_URL: sim.url, JENKINS_USER: 'admin', JENKINS_TOKEN: 'admin-token' },
    config: {
      jenkins: { logPollMs: 50, syncIntervalMinutes: 0, breakerResetSeconds: 1, ...((opts.config?.jenkins as object) ?? {}) },
      ...opts.config,
    },
  });
  const admin = await t.login('admin', ADMIN_PASSWORD);
  return {
    t,
    sim,
    admin,
    async close() {
      await t.close();
      await sim.close();
    },
  };
}

/** POST /api/jenkins/sync, run the job, and return the finished sync. */
export async function syncNow(j: JenkinsTestApp) {
  const res = await j.t.inject({ method: 'POST', url: '/api/jenkins/sync', token: j.admin });
  expect(res.statusCode).toBe(202);
  await j.t.gh.ctx.jobs.drain();
  const latest = await j.t.inject({ method: 'GET', url: '/api/jenkins/sync/latest', token: j.admin });
  expect(latest.statusCode).toBe(200);
  return latest.json();
}

let seq = 0;

/** A fresh user (no forced password change) and its access token. */
export async function newUser(j: JenkinsTestApp, name = `dev${++seq}`): Promise<{ id: number; token: string; username: string }> {
  const password = 'Dev#Pass1234';
  const res = await j.t.inject({
    method: 'POST',
    url: '/api/users',
    token: j.admin,
    payload: { username: name, password, roles: ['user'], mustChangePassword: false },
  });
  expect(res.statusCode, res.body).toBe(201);
  const id = res.json().id as number;
  let token: string;
  try {
    token = await j.t.login(name, password);
  } catch {
    // Some setups force a change of an admin-set password: do it as the user would.
    const first = await j.t.gh.app.inject({ method: 'POST', url: '/api/auth/login', payload: { username: name, password } });
    const tmp = first.json().accessToken as string;
    const changed = await j.t.inject({
      method: 'POST',
      url: '/api/auth/password',
      token: tmp,
      payload: { currentPassword: password, newPassword: 'Dev#Pass5678' },
    });
    expect(changed.statusCode).toBeLessThan(300);
    token = await j.t.login(name, 'Dev#Pass5678');
  }
  return { id, token, username: name };
}

export async function grant(j: JenkinsTestApp, body: Record<string, unknown>, token = j.admin) {
  return j.t.inject({ method: 'POST', url: '/api/grants', token, payload: body });
}

export const enc = encodeURIComponent;

/** Poll `fn` until it returns a truthy value (bounded; the test fails with `what` otherwise). */
export async function until<T>(what: string, fn: () => Promise<T | null | undefined | false>, tries = 200, ms = 25): Promise<T> {
  for (let i = 0; i < tries; i++) {
    const v = await fn();
    if (v) return v;
    await new Promise((r) => setTimeout(r, ms));
  }
  throw new Error(`timed out waiting for ${what}`);
}
