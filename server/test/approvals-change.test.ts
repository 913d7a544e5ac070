import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Approval } from '../src/modules/approvals/approvals-core.js';
import { describeDb } from './test-app.js';
import { TEST_DIALECT } from './test-db.js';
import {
  approve,
  createApprovalsTestApp,
  detail,
  makePolicy,
  makeRequest,
  makeUser,
  reject,
  MINUTE,
  type ApprovalsTestApp,
  type TestUser,
} from './approvals-helpers.js';

describeDb(`approvals: changing a vote, withdrawing, follow-up (${TEST_DIALECT})`, () => {
  let a: ApprovalsTestApp;
  let alice: TestUser;
  let bob: TestUser;
  const calls: Approval[] = [];
  let failures = 0;

  beforeAll(async () => {
    a = await createApprovalsTestApp();
    alice = await makeUser(a);
    bob = await makeUser(a);
    await makePolicy(a, { project: 'C', levels: [{ approvers: { users: [alice.username, bob.username] }, mode: 'any' }] });
    // A subject whose follow-up waits a minute (the window in which a vote may still change).
    a.service.registerSubjectHandler('delayed', {
      onDecided: async (x) => {
        calls.push(x);
      },
      delayMs: () => MINUTE,
    });
    a.service.registerSubjectHandler('flaky', {
      onDecided: async (x) => {
        calls.push(x);
        if (failures-- > 0) throw new Error('jenkins said 502');
      },
    });
  });
  afterAll(() => a?.close());

  it('a vote is changed with change:true before the work starts; without it the second vote is 409', async () => {
    const r = await makeRequest(a, { project: 'C', subject: { type: 'delayed', id: 'd1' } });
    expect((await approve(a, r.id, alice.token)).json()).toMatchObject({ status: 'approved', followUp: 'pending' });
    const plain = await reject(a, r.id, alice.token, { reason: 'oops' });
    expect(plain.statusCode).toBe(409);
    expect(plain.json().error.code).toBe('APPROVALS_ALREADY_DECIDED');
    const changed = await reject(a, r.id, alice.token, { reason: 'found a bug', change: true });
    expect(changed.statusCode, changed.body).toBe(200);
    expect(changed.json()).toMatchObject({ status: 'rejected', reason: 'found a bug', decidedBy: { id: alice.id }, workStartedAt: null });
    // The follow-up runs after its delay with the changed decision.
    await a.t.gh.ctx.jobs.drain();
    expect(calls.filter((c) => c.id === r.id)).toHaveLength(0);
    a.clock.advance(MINUTE);
    await a.t.gh.ctx.jobs.drain();
    const seen = calls.filter((c) => c.id === r.id);
    expect(seen).toHaveLength(1);
    expect(seen[0]).toMatchObject({ status: 'rejected', outcome: 'rejected', followUp: 'running' });
    expect(seen[0].workStartedAt).not.toBeNull();
    const after = (await a.service.get(r.id))!;
    expect(after).toMatchObject({ followUp: 'done' });
    // Once the work has started the vote is final.
    const late = await approve(a, r.id, alice.token, { change: true });
    expect(late.statusCode).toBe(409);
    expect(late.json().error.code).toBe('APPROVALS_WORK_STARTED');
    const d = await detail(a, r.id);
    expect(d.history.map((h: { action: string }) => h.action)).toEqual([
      'requested',
      'voted',
      'level-passed',
      'approved',
      'changed',
      'rejected',
      'follow-up-started',
      'follow-up-done',
    ]);
    const audit = await a.t.gh.ctx.db
      .selectFrom('audit_events')
      .select('action')
      .where('resource_type', '=', 'approval')
      .where('resource_id', '=', String(r.id))
      .orderBy('id')
      .execute();
    expect(audit.map((x) => x.action)).toEqual(['approvals.request.create', 'approvals.vote', 'approvals.vote.change']);
  });

  it('a rejection changed to approval reopens nothing when it approves the level; another approver cannot change someone else’s vote', async () => {
    const r = await makeRequest(a, { project: 'C', subject: { type: 'delayed', id: 'd2' } });
    await reject(a, r.id, bob.token, { reason: 'no' });
    const other = await approve(a, r.id, alice.token, { change: true });
    expect(other.statusCode).toBe(409);
    expect(other.json().error.message).toContain(`already decided by ${bob.username}`);
    const back = await approve(a, r.id, bob.token, { change: true, comment: 'ok after all' });
    expect(back.json()).toMatchObject({ status: 'approved', comment: 'ok after all', reason: null });
  });

  it('the requester withdraws a pending request; others may not; the follow-up hears it as a rejection', async () => {
    const r = await makeRequest(a, { project: 'C', subject: { type: 'flaky', id: 'w1' }, requestedBy: bob.id });
    const notMine = await a.t.inject({ method: 'POST', url: `/api/approvals/${r.id}/withdraw`, token: alice.token, payload: {} });
    expect(notMine.statusCode).toBe(403);
    expect(notMine.json().error.code).toBe('APPROVALS_NOT_REQUESTER');
    const res = await a.t.inject({
      method: 'POST',
      url: `/api/approvals/${r.id}/withdraw`,
      token: bob.token,
      payload: { comment: 'wrong build' },
    });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({ status: 'withdrawn', outcome: 'rejected', decidedBy: { id: bob.id } });
    expect((await approve(a, r.id, alice.token)).statusCode).toBe(409);
    await a.t.gh.ctx.jobs.drain();
    expect(calls.filter((c) => c.id === r.id).map((c) => c.status)).toEqual(['withdrawn']);
    const again = await a.t.inject({ method: 'POST', url: `/api/approvals/${r.id}/withdraw`, token: bob.token, payload: {} });
    expect(again.statusCode).toBe(409);
  });

  it('a failing follow-up is retried, its error kept, and it ends done', async () => {
    failures = 2;
    const r = await makeRequest(a, { project: 'C', subject: { type: 'flaky', id: 'f1' } });
    await approve(a, r.id, alice.token);
    await a.t.gh.ctx.jobs.drain();
    expect(await a.service.get(r.id)).toMatchObject({ followUp: 'running', followUpError: 'jenkins said 502' });
    a.clock.advance(5_000);
    await a.t.gh.ctx.jobs.drain();
    a.clock.advance(10_000);
    await a.t.gh.ctx.jobs.drain();
    expect(calls.filter((c) => c.id === r.id)).toHaveLength(3);
    expect(await a.service.get(r.id)).toMatchObject({ followUp: 'done', followUpError: null });
  });

  it('a follow-up that keeps failing ends failed, with history', async () => {
    failures = 100;
    const r = await makeRequest(a, { project: 'C', subject: { type: 'flaky', id: 'f2' } });
    await approve(a, r.id, alice.token);
    for (let i = 0; i < 6; i++) {
      await a.t.gh.ctx.jobs.drain();
      a.clock.advance(10 * MINUTE);
    }
    expect(calls.filter((c) => c.id === r.id)).toHaveLength(5);
    expect(await a.service.get(r.id)).toMatchObject({ followUp: 'failed', followUpError: 'jenkins said 502' });
    const d = await detail(a, r.id);
    expect(d.history.filter((h: { action: string }) => h.action === 'follow-up-failed')).toHaveLength(1);
    failures = 0;
  });

  it('a subject type nobody handles has followUp none', async () => {
    const r = await makeRequest(a, { project: 'C' });
    expect((await approve(a, r.id, alice.token)).json().followUp).toBe('none');
  });
});
