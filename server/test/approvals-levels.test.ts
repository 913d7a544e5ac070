import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeDb } from './test-app.js';
import { TEST_DIALECT } from './test-db.js';
import {
  approve,
  createApprovalsTestApp,
  detail,
  grant,
  makeGroup,
  makePolicy,
  makeRequest,
  makeRole,
  makeUser,
  reject,
  type ApprovalsTestApp,
  type TestUser,
} from './approvals-helpers.js';

describeDb(`approvals: levels, modes, self-approval, groups and roles (${TEST_DIALECT})`, () => {
  let a: ApprovalsTestApp;
  let u: TestUser[];

  beforeAll(async () => {
    a = await createApprovalsTestApp();
    u = [];
    for (let i = 0; i < 6; i++) u.push(await makeUser(a));
  });
  afterAll(() => a?.close());

  it('two levels pass in order: level 2 cannot vote first, level 1 passing notifies level 2', async () => {
    await makePolicy(a, {
      project: 'two',
      levels: [
        { name: 'l1', approvers: { users: [u[0].username] }, mode: 'any' },
        { name: 'l2', approvers: { users: [u[1].username] }, mode: 'any' },
      ],
    });
    const r = await makeRequest(a, { project: 'two' });
    expect(r).toMatchObject({ currentLevel: 0, levelCount: 2 });
    const early = await approve(a, r.id, u[1].token);
    expect(early.statusCode).toBe(403);
    expect(early.json().error.code).toBe('APPROVALS_NOT_APPROVER');
    const first = await approve(a, r.id, u[0].token);
    expect(first.json()).toMatchObject({ status: 'pending', currentLevel: 1 });
    expect(await a.service.waitingApprovers(r.id)).toEqual([u[1].id]);
    // Level 1's approver tries again on level 2: already decided (by themselves on level 1).
    const again = await approve(a, r.id, u[0].token);
    expect(again.statusCode).toBe(409);
    expect(again.json().error.message).toContain(`already decided by ${u[0].username}`);
    const second = await approve(a, r.id, u[1].token);
    expect(second.json()).toMatchObject({ status: 'approved', currentLevel: 1, decidedBy: { id: u[1].id } });
    const d = await detail(a, r.id);
    expect(d.levels.map((l: { name: string; status: string }) => [l.name, l.status])).toEqual([
      ['l1', 'approved'],
      ['l2', 'approved'],
    ]);
    const n = await a.t.gh.ctx.db
      .selectFrom('notify_notifications')
      .select(['user_id', 'kind'])
      .where('link', '=', `/approvals/${r.id}`)
      .execute();
    expect(n.filter((x) => x.user_id === u[1].id).length).toBeGreaterThanOrEqual(1);
  });

  it('a reject on level 2 rejects the whole request', async () => {
    const r = await makeRequest(a, { project: 'two' });
    await approve(a, r.id, u[0].token);
    const res = await reject(a, r.id, u[1].token, { reason: 'broken' });
    expect(res.json()).toMatchObject({ status: 'rejected', reason: 'broken', decidedBy: { id: u[1].id } });
  });

  it('N-of-M quorum: 2 of 3', async () => {
    await makePolicy(a, {
      project: 'quorum',
      levels: [{ approvers: { users: [u[0], u[1], u[2]].map((x) => x.username) }, mode: { quorum: 2 } }],
    });
    const r = await makeRequest(a, { project: 'quorum' });
    expect((await approve(a, r.id, u[0].token)).json().status).toBe('pending');
    expect((await approve(a, r.id, u[0].token)).statusCode).toBe(409);
    expect(await a.service.waitingApprovers(r.id)).toEqual([u[1].id, u[2].id]);
    expect((await approve(a, r.id, u[2].token)).json()).toMatchObject({ status: 'approved', decidedBy: { id: u[2].id } });
    const late = await approve(a, r.id, u[1].token);
    expect(late.statusCode).toBe(409);
    expect(late.json().error.message).toContain(`already decided by ${u[2].username}`);
    const d = await detail(a, r.id);
    expect(d.levels[0]).toMatchObject({ required: 2, status: 'approved' });
  });

  it('a quorum larger than the approvers is refused at request time (422 APPROVALS_NO_APPROVERS)', async () => {
    await makePolicy(a, { project: 'toolarge', levels: [{ approvers: { users: [u[0].username] }, mode: { quorum: 2 } }] });
    await expect(makeRequest(a, { project: 'toolarge' })).rejects.toMatchObject({ code: 'APPROVALS_NO_APPROVERS', statusCode: 422 });
  });

  it('all: every approver must approve', async () => {
    await makePolicy(a, { project: 'all', levels: [{ approvers: { users: [u[0].username, u[1].username] }, mode: 'all' }] });
    const r = await makeRequest(a, { project: 'all' });
    expect((await approve(a, r.id, u[1].token)).json().status).toBe('pending');
    expect((await approve(a, r.id, u[0].token)).json().status).toBe('approved');
  });

  it('self-approval is refused unless the policy allows it; rejecting one’s own request is allowed', async () => {
    await makePolicy(a, { project: 'self', levels: [{ approvers: { users: [u[0].username, u[1].username] }, mode: 'any' }] });
    const r = await makeRequest(a, { project: 'self', requestedBy: u[0].id });
    const self = await approve(a, r.id, u[0].token);
    expect(self.statusCode).toBe(403);
    expect(self.json().error.code).toBe('APPROVALS_SELF_APPROVAL');
    expect(await a.service.waitingApprovers(r.id)).toEqual([u[1].id]);
    const denied = await a.t.gh.ctx.db
      .selectFrom('audit_events')
      .select(['action', 'outcome'])
      .where('resource_type', '=', 'approval')
      .where('resource_id', '=', String(r.id))
      .where('outcome', '=', 'denied')
      .execute();
    expect(denied).toEqual([{ action: 'approvals.vote', outcome: 'denied' }]);
    const own = await reject(a, r.id, u[0].token, { reason: 'never mind' });
    expect(own.json()).toMatchObject({ status: 'rejected', decidedBy: { id: u[0].id } });

    await makePolicy(a, { project: 'self-ok', allowSelfApproval: true, levels: [{ approvers: { users: [u[0].username] }, mode: 'any' }] });
    const r2 = await makeRequest(a, { project: 'self-ok', requestedBy: u[0].id });
    expect((await approve(a, r2.id, u[0].token)).json().status).toBe('approved');

    // The requester alone on a level without self-approval: nobody could approve, so it is refused.
    await makePolicy(a, { project: 'self-only', levels: [{ approvers: { users: [u[0].username] }, mode: 'any' }] });
    await expect(makeRequest(a, { project: 'self-only', requestedBy: u[0].id })).rejects.toMatchObject({ code: 'APPROVALS_NO_APPROVERS' });
  });

  it('groups are expanded and frozen when the request is made', async () => {
    const gid = await makeGroup(a, 'ops-team', [u[2], u[3]]);
    await makePolicy(a, { project: 'grp', levels: [{ approvers: { groups: ['ops-team'] }, mode: 'all' }] });
    const r = await makeRequest(a, { project: 'grp' });
    // A later membership change does not move the running request.
    await a.t.inject({ method: 'PUT', url: `/api/groups/${gid}/members`, token: a.admin, payload: { userIds: [u[4].id] } });
    expect(await a.service.waitingApprovers(r.id)).toEqual([u[2].id, u[3].id]);
    expect((await approve(a, r.id, u[4].token)).statusCode).toBe(403);
    await approve(a, r.id, u[2].token);
    expect((await approve(a, r.id, u[3].token)).json().status).toBe('approved');
    const r2 = await makeRequest(a, { project: 'grp' });
    expect(await a.service.waitingApprovers(r2.id)).toEqual([u[4].id]);
  });

  it('roles are expanded to holders whose grant covers the project and environment (also through groups)', async () => {
    await makeRole(a, 'release-manager', ['approvals.view']);
    await grant(a, 'user', u[3].id, ['role:release-manager', 'roles']);
    await grant(a, 'user', u[4].id, ['role:release-manager', 'elsewhere']);
    const gid = await makeGroup(a, 'rm-group', [u[5]]);
    await grant(a, 'group', gid, ['role:release-manager', 'ro*', 'prod']);
    await makePolicy(a, { project: 'roles', levels: [{ approvers: { roles: ['release-manager'] }, mode: 'any' }] });
    const r = await makeRequest(a, { project: 'roles' });
    expect(await a.service.waitingApprovers(r.id)).toEqual([u[3].id, u[5].id]);
    expect((await approve(a, r.id, u[4].token)).statusCode).toBe(403);
    expect((await approve(a, r.id, u[5].token)).json().status).toBe('approved');
  });

  it('the super-admin is an approver only when the policy names the role', async () => {
    await makePolicy(a, { project: 'sa', levels: [{ approvers: { roles: ['super-admin'] }, mode: 'any' }] });
    const r = await makeRequest(a, { project: 'sa' });
    expect((await approve(a, r.id, a.admin)).json().status).toBe('approved');
  });
});
