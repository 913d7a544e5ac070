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
  noticesAbout,
  MINUTE,
  type ApprovalsTestApp,
  type TestUser,
} from './approvals-helpers.js';

describeDb(`approvals: reminders and timeouts on a controlled clock (${TEST_DIALECT})`, () => {
  let a: ApprovalsTestApp;
  let u: TestUser[];
  let requester: TestUser;
  const decided: Approval[] = [];

  beforeAll(async () => {
    a = await createApprovalsTestApp();
    u = [await makeUser(a), await makeUser(a), await makeUser(a)];
    requester = await makeUser(a);
    const users = u.map((x) => x.username);
    // Defaults from config: first after 5 minutes, ×1.5, at most 6.
    await makePolicy(a, { project: 'R', environment: 'prod', timeoutMinutes: 300, levels: [{ approvers: { users }, mode: 'all' }] });
    await makePolicy(a, { project: 'R', environment: 'test', timeoutMinutes: 300, levels: [{ approvers: { users }, mode: 'any' }] });
    await makePolicy(a, { project: 'T', environment: 'prod', timeoutMinutes: 30, levels: [{ approvers: { users }, mode: 'any' }] });
    await makePolicy(a, {
      project: 'TA',
      environment: 'prod',
      timeoutMinutes: 30,
      timeoutAction: 'approve',
      levels: [{ approvers: { users }, mode: 'any' }],
    });
    a.service.registerSubjectHandler('deploy', {
      onDecided: async (x) => {
        decided.push(x);
      },
    });
  });
  afterAll(() => a?.close());

  const reminders = async (user: TestUser, id: number) =>
    (await noticesAbout(a, user.id, id)).filter((n) => /remind|提醒/i.test(n.title) || n.kind === 'approval.reminded');

  it('reminds at 5, then 7.5, 11.25 … minutes later, only those who have not answered, at most 6, urgent in prod', async () => {
    const start = a.clock.now().getTime();
    const r = await makeRequest(a, { project: 'R', environment: 'prod', requestedBy: requester.id });
    expect(r.urgent).toBe(true);
    await approve(a, r.id, u[0].token);
    const at = async (minutes: number) => {
      a.clock.set(new Date(start + minutes * MINUTE));
      await a.t.gh.ctx.jobs.drain();
    };
    await at(4.9);
    expect(await reminders(u[1], r.id)).toHaveLength(0);
    // Cumulative: 5, 12.5, 23.75, 40.625, 65.9375, 103.90625 minutes after the request.
    const due = [5, 12.5, 23.75, 40.625, 65.9375, 103.90625];
    for (const [i, m] of due.entries()) {
      await at(m - 0.01);
      expect(await reminders(u[1], r.id), `before reminder ${i + 1}`).toHaveLength(i);
      await at(m);
      expect(await reminders(u[1], r.id), `reminder ${i + 1}`).toHaveLength(i + 1);
      expect(await reminders(u[2], r.id)).toHaveLength(i + 1);
    }
    await at(250);
    expect(await reminders(u[1], r.id)).toHaveLength(6);
    expect(await reminders(u[0], r.id)).toHaveLength(0);
    expect(await reminders(requester, r.id)).toHaveLength(0);
    expect((await reminders(u[1], r.id)).every((n) => n.severity === 'urgent')).toBe(true);
    const d = await detail(a, r.id);
    expect(d.history.filter((h: { action: string }) => h.action === 'reminded')).toHaveLength(6);
    expect(d.status).toBe('pending');
    // Someone who answers gets no further reminders; after the deadline it times out.
    await at(300);
    expect((await a.service.get(r.id))!.status).toBe('timeout');
  });

  it('outside production reminders are not urgent, and a decision stops them', async () => {
    const start = a.clock.now().getTime();
    const r = await makeRequest(a, { project: 'R', environment: 'test' });
    expect(r.urgent).toBe(false);
    a.clock.set(new Date(start + 5 * MINUTE));
    await a.t.gh.ctx.jobs.drain();
    const first = await reminders(u[1], r.id);
    expect(first).toHaveLength(1);
    expect(first[0].severity).not.toBe('urgent');
    await approve(a, r.id, u[1].token);
    a.clock.set(new Date(start + 60 * MINUTE));
    await a.t.gh.ctx.jobs.drain();
    expect(await reminders(u[1], r.id)).toHaveLength(1);
    expect(await reminders(u[2], r.id)).toHaveLength(1);
  });

  it('the timeout rejects, notifies the requester and triggers the follow-up with the timed-out approval', async () => {
    const start = a.clock.now().getTime();
    const r = await makeRequest(a, { project: 'T', environment: 'prod', requestedBy: requester.id, subject: { type: 'deploy', id: 'x1' } });
    expect(new Date(r.deadlineAt).getTime()).toBe(start + 30 * MINUTE);
    a.clock.set(new Date(start + 29.9 * MINUTE));
    await a.t.gh.ctx.jobs.drain();
    expect((await a.service.get(r.id))!.status).toBe('pending');
    expect(decided.filter((x) => x.id === r.id)).toHaveLength(0);
    a.clock.set(new Date(start + 30 * MINUTE));
    await a.t.gh.ctx.jobs.drain();
    const got = decided.filter((x) => x.id === r.id);
    expect(got).toHaveLength(1);
    expect(got[0]).toMatchObject({ id: r.id, status: 'timeout', outcome: 'rejected', timeoutAction: 'reject' });
    expect(await a.service.get(r.id)).toMatchObject({ status: 'timeout', followUp: 'done' });
    const toRequester = await noticesAbout(a, requester.id, r.id);
    expect(toRequester.length).toBeGreaterThanOrEqual(1);
    const late = await approve(a, r.id, u[0].token);
    expect(late.statusCode).toBe(409);
    expect(late.json().error.code).toBe('APPROVALS_ALREADY_DECIDED');
    const d = await detail(a, r.id);
    expect(d.history.map((h: { action: string }) => h.action)).toEqual(
      expect.arrayContaining(['timeout', 'follow-up-started', 'follow-up-done']),
    );
    const audit = await a.t.gh.ctx.db
      .selectFrom('audit_events')
      .select(['action', 'username'])
      .where('resource_id', '=', String(r.id))
      .where('action', '=', 'approvals.timeout')
      .execute();
    expect(audit).toEqual([{ action: 'approvals.timeout', username: 'system' }]);
    expect((await a.service.stats()).timeout).toBeGreaterThanOrEqual(1);
  });

  it('a timeout with action approve counts as approved for the follow-up; a request timeout overrides the policy', async () => {
    const start = a.clock.now().getTime();
    const r = await makeRequest(a, { project: 'TA', environment: 'prod', timeoutMinutes: 2, subject: { type: 'deploy', id: 'x2' } });
    expect(new Date(r.deadlineAt).getTime()).toBe(start + 2 * MINUTE);
    a.clock.set(new Date(start + 2 * MINUTE));
    await a.t.gh.ctx.jobs.drain();
    expect(decided.find((x) => x.id === r.id)).toMatchObject({ status: 'timeout', outcome: 'approved' });
  });
});
