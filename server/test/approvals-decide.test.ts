import { afterAll, beforeAll, expect, it } from 'vitest';
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
  type ApprovalsTestApp,
  type TestUser,
} from './approvals-helpers.js';

describeDb(`approvals: deciding (${TEST_DIALECT})`, () => {
  let a: ApprovalsTestApp;
  let alice: TestUser;
  let bob: TestUser;
  let carol: TestUser;

  beforeAll(async () => {
    a = await createApprovalsTestApp();
    alice = await makeUser(a);
    bob = await makeUser(a);
    carol = await makeUser(a);
    await makePolicy(a, {
      project: 'P',
      environment: 'prod',
      levels: [{ approvers: { users: [alice.username, bob.username] }, mode: 'any' }],
    });
  });
  afterAll(() => a?.close());

  it('request → approve → approved, and the detail shows levels, votes and history', async () => {
    const req = await makeRequest(a);
    expect(req.status).toBe('pending');
    expect(req.levelCount).toBe(1);
    const res = await approve(a, req.id, alice.token, { comment: 'go' });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({
      id: req.id,
      status: 'approved',
      decidedBy: { id: alice.id, username: alice.username },
      comment: 'go',
    });
    const d = await detail(a, req.id);
    expect(d.status).toBe('approved');
    expect(d.levels).toHaveLength(1);
    expect(d.levels[0]).toMatchObject({ index: 0, mode: 'any', required: 1, status: 'approved' });
    const voters = d.levels[0].approvers.filter((x: { decision: string | null }) => x.decision);
    expect(voters).toEqual([expect.objectContaining({ id: alice.id, decision: 'approve', comment: 'go', via: 'web' })]);
    expect(d.history.map((h: { action: string }) => h.action)).toEqual(['requested', 'voted', 'level-passed', 'approved']);
    expect((await a.service.get(req.id))?.status).toBe('approved');
  });

  it('reject without a reason is 400 APPROVALS_REASON_REQUIRED and changes nothing', async () => {
    const req = await makeRequest(a);
    const res = await reject(a, req.id, alice.token, {});
    expect(res.statusCode).toBe(400);
    expect(res.json().error.code).toBe('APPROVALS_REASON_REQUIRED');
    const blank = await reject(a, req.id, alice.token, { reason: '   ' });
    expect(blank.statusCode).toBe(400);
    expect((await a.service.get(req.id))?.status).toBe('pending');
    const ok = await reject(a, req.id, alice.token, { reason: 'not today' });
    expect(ok.statusCode, ok.body).toBe(200);
    expect(ok.json()).toMatchObject({ status: 'rejected', reason: 'not today', decidedBy: { username: alice.username } });
  });

  it('a second decision is 409 "already decided by <username>"', async () => {
    const req = await makeRequest(a);
    expect((await approve(a, req.id, alice.token)).statusCode).toBe(200);
    const again = await reject(a, req.id, bob.token, { reason: 'late' });
    expect(again.statusCode).toBe(409);
    expect(again.json().error).toMatchObject({ code: 'APPROVALS_ALREADY_DECIDED', details: { decidedBy: alice.username } });
    expect(again.json().error.message).toContain(`already decided by ${alice.username}`);
    const same = await approve(a, req.id, alice.token);
    expect(same.statusCode).toBe(409);
    expect(same.json().error.message).toContain(`already decided by ${alice.username}`);
  });

  it('someone who is not an approver gets 403 APPROVALS_NOT_APPROVER', async () => {
    const req = await makeRequest(a);
    const res = await approve(a, req.id, carol.token);
    expect(res.statusCode).toBe(403);
    expect(res.json().error.code).toBe('APPROVALS_NOT_APPROVER');
    const admin = await approve(a, req.id, a.admin);
    expect(admin.statusCode).toBe(403);
    expect((await a.service.get(req.id))?.status).toBe('pending');
  });

  it('an unknown approval is 404 APPROVALS_NOT_FOUND', async () => {
    const res = await approve(a, 999999, alice.token);
    expect(res.statusCode).toBe(404);
    expect(res.json().error.code).toBe('APPROVALS_NOT_FOUND');
    const get = await a.t.inject({ method: 'GET', url: '/api/approvals/999999', token: a.admin });
    expect(get.statusCode).toBe(404);
    expect(get.json().error.code).toBe('APPROVALS_NOT_FOUND');
  });

  it('the service decides too (Telegram path) and keeps via', async () => {
    const req = await makeRequest(a);
    const out = await a.service.decide(req.id, { userId: bob.id, decision: 'approve', via: 'telegram' });
    expect(out.status).toBe('approved');
    const d = await detail(a, req.id);
    expect(d.levels[0].approvers.find((x: { id: number }) => x.id === bob.id).via).toBe('telegram');
  });

  it('a personal API token decides with via api; a token scoped away from approvals may not', async () => {
    const mk = async (scopes?: string[]) => {
      const res = await a.t.inject({
        method: 'POST',
        url: '/api/me/tokens',
        token: bob.token,
        payload: { name: `t${Math.random()}`, ...(scopes ? { scopes } : {}) },
      });
      expect(res.statusCode, res.body).toBe(201);
      return res.json().token as string;
    };
    const r = await makeRequest(a);
    const narrow = await mk(['jenkins.view']);
    const refused = await approve(a, r.id, narrow);
    expect(refused.statusCode).toBe(403);
    expect(refused.json().error.code).toBe('FORBIDDEN');
    expect((await a.service.get(r.id))!.status).toBe('pending');
    const ok = await approve(a, r.id, await mk(['approvals.*']));
    expect(ok.statusCode, ok.body).toBe(200);
    const d = await detail(a, r.id);
    expect(d.levels[0].approvers.find((x: { id: number }) => x.id === bob.id).via).toBe('api');
  });

  it('two approvers at the same moment: one decides, the other hears 409 already decided', async () => {
    const r = await makeRequest(a);
    const [x, y] = await Promise.all([approve(a, r.id, alice.token), reject(a, r.id, bob.token, { reason: 'race' })]);
    expect([x.statusCode, y.statusCode].sort()).toEqual([200, 409]);
    const winner = x.statusCode === 200 ? x.json() : y.json();
    const loser = x.statusCode === 409 ? x.json() : y.json();
    expect(loser.error.message).toContain(`already decided by ${winner.decidedBy.username}`);
    const votes = await a.t.gh.ctx.db.selectFrom('approvals_votes').select('user_id').where('request_id', '=', r.id).execute();
    expect(votes).toHaveLength(1);
  });

  it('the same dedupe key at the same moment creates one request', async () => {
    const input = {
      subject: { type: 'test', id: 'same' },
      project: 'P',
      environment: 'prod',
      summary: 's',
      requestedBy: null,
      dedupeKey: 'race-key',
    };
    const [x, y] = await Promise.all([a.service.request(input), a.service.request(input)]);
    expect(x.approval.id).toBe(y.approval.id);
    expect([x.created, y.created].sort()).toEqual([false, true]);
  });
});
