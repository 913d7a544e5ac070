/**
 * Shared setup of the approvals-stage suites: Gatehouse wired to the Jenkins emulator (demo
 * fixture: platform/deploy-api/main #3 waits at input "Approve"), a policy for
 * platform/deploy-api in prod, an approver, and a pipeline user whose personal API token has
 * approvals.request there.
 */
import { expect } from 'vitest';
import type { ManualClock } from '../src/core/clock.js';
import { loadDemoFixture } from '../../tools/jenkins-sim/fixture.js';
import type { JenkinsSim } from '../../tools/jenkins-sim/index.js';
import { createJenkinsTestApp, newUser, until, type JenkinsTestApp } from './jenkins-helpers.js';

export const PROJECT = 'platform/deploy-api';
export const MAIN = ['platform', 'deploy-api', 'main'];
export const MAIN_JOB = 'platform/deploy-api/main';
/** A pipeline without an input step that holds until released: the wait=true and "stop the build" cases. */
export const HOLD_JOB = 'gate-hold';

export interface StageWorld {
  j: JenkinsTestApp;
  sim: JenkinsSim;
  clock: ManualClock;
  approver: { id: number; token: string; username: string };
  pipeline: { id: number; token: string; username: string; apiToken: string };
  close(): Promise<void>;
}

export async function createStageWorld(opts: { config?: Record<string, unknown> } = {}): Promise<StageWorld> {
  const j = await createJenkinsTestApp({
    fixture: (sim) => {
      loadDemoFixture(sim);
      sim.createJob(HOLD_JOB, { script: [{ log: 'deploying\n' }, { hold: 'end' }, { log: 'deployed\n' }] });
    },
    config: opts.config,
  });
  const approver = await newUser(j);
  const pipeline = await newUser(j);
  const policy = await j.t.inject({
    method: 'POST',
    url: '/api/approval-policies',
    token: j.admin,
    payload: {
      name: 'deploy-api prod',
      project: PROJECT,
      environment: 'prod',
      levels: [{ approvers: { users: [approver.username] }, mode: 'any' }],
      timeoutMinutes: 30,
    },
  });
  expect(policy.statusCode, policy.body).toBe(201);
  const grant = await j.t.inject({
    method: 'POST',
    url: '/api/access/grants',
    token: j.admin,
    payload: { subjectType: 'user', subjectId: pipeline.id, permission: 'approvals.request', project: PROJECT, environment: 'prod' },
  });
  expect(grant.statusCode, grant.body).toBe(201);
  const apiToken = await mintToken(j, pipeline.token);
  return {
    j,
    sim: j.sim,
    clock: j.t.clock as ManualClock,
    approver,
    pipeline: { ...pipeline, apiToken },
    close: () => j.close(),
  };
}

export async function mintToken(j: JenkinsTestApp, session: string, scopes?: string[]): Promise<string> {
  const res = await j.t.inject({
    method: 'POST',
    url: '/api/me/tokens',
    token: session,
    payload: { name: 'jenkins', ...(scopes ? { scopes } : {}) },
  });
  expect(res.statusCode, res.body).toBe(201);
  return res.json().token as string;
}

export function waitUrl(params: Record<string, string | number | boolean>): string {
  return `/api/stage/approval/wait?${new URLSearchParams(Object.entries(params).map(([k, v]) => [k, String(v)]))}`;
}

/** Start the next run of `path` and resolve its number once it waits at an input (or holds). */
export async function startRun(sim: JenkinsSim, path: string | string[], at: 'input' | 'hold' = 'input'): Promise<number> {
  sim.trigger(path);
  const n = sim.job(path).nextBuildNumber;
  await until(`${String(path)} #${n} ${at}`, async () => {
    const b = sim.job(path).builds.find((x) => x.number === n);
    return at === 'input' ? !!b?.pendingInputs.length : !!b?.holding;
  });
  return n;
}

/** The main branch's run that waits at "Approve" in the demo fixture (#3 at start; a new one later). */
export async function waitingMainRun(sim: JenkinsSim): Promise<number> {
  const waiting = sim.job(MAIN).builds.find((b) => b.building && b.pendingInputs.length);
  if (waiting) return waiting.number;
  return startRun(sim, MAIN);
}

export async function approval(w: StageWorld, id: number) {
  const res = await w.j.t.inject({ method: 'GET', url: `/api/approvals/${id}`, token: w.j.admin });
  expect(res.statusCode, res.body).toBe(200);
  return res.json();
}

/**
 * Run the follow-up to its end: drain the jobs, and while it is still pending or retrying move the
 * clock past the retry backoff (bounded).
 */
export async function settleFollowUp(w: StageWorld, id: number, rounds = 8) {
  for (let i = 0; i < rounds; i++) {
    await w.j.t.gh.ctx.jobs.drain();
    const a = await approval(w, id);
    if (a.followUp === 'done' || a.followUp === 'failed') return a;
    w.clock.advance(65_000);
  }
  return approval(w, id);
}

/** Requests Gatehouse sent to the emulator's input and stop endpoints. */
export function jenkinsPosts(sim: JenkinsSim, job: string[], n: number) {
  const base = `/job/${job.map(encodeURIComponent).join('/job/')}/${n}/`;
  return sim.requests
    .filter((r) => r.method === 'POST' && r.path.startsWith(base))
    .map((r) => ({ path: r.path.slice(base.length), status: r.status }));
}

export const basicAdmin = `Basic ${Buffer.from('admin:admin-token').toString('base64')}`;
