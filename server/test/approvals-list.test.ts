import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeDb } from './test-app.js';
import { TEST_DIALECT } from './test-db.js';
import {
  approve,
  createApprovalsTestApp,
  makePolicy,
  makeRequest,
  makeUser,
  reject,
  type ApprovalsTestApp,
  type TestUser,
} from './approvals-helpers.js';

describeDb(`approvals: list, filters, visibility, events (${TEST_DIALECT})`, () => {
  let a: ApprovalsTestApp;
  let alice: TestUser;
  let bob: TestUser;
  let viewer: TestUser;
  let devViewer: TestUser;
  let outsider: TestUser;
  const ids: Record<string, number> = {};
  const list = async (token: string, query = '') => {
    const res = await a.t.inject({ method: 'GET', url: `/api/approvals${query}`, token });
    expect(res.statusCode, res.body).toBe(200);
    return res.json() as { items: Array<{ id: number; project: string; env: string; build: number; status: string }>; total: number };
  };

  beforeAll(async () => {
    a = await createApprovalsTestApp();
    alice = await makeUser(a);
    bob = await makeUser(a);
    viewer = await makeUser(a, { grants: [['approvals.view', 'alpha']] });
    devViewer = await makeUser(a, { grants: [['approvals.view', 'beta', 'dev']] });
    outsider = await makeUser(a);
    await makePolicy(a, { project: 'alpha', environment: '*', levels: [{ approvers: { users: [alice.username] }, mode: 'any' }] });
    await makePolicy(a, { project: 'beta', environment: '*', levels: [{ approvers: { users: [bob.username] }, mode: 'any' }] });
    ids.a1 = (await makeRequest(a, { project: 'alpha', environment: 'prod', facts: { job: 'alpha/deploy', build: 7 } })).id;
    ids.a2 = (await makeRequest(a, { project: 'alpha', environment: 'dev' })).id;
    ids.b1 = (await makeRequest(a, { project: 'beta', environment: 'prod', requestedBy: outsider.id })).id;
    ids.b2 = (await makeRequest(a, { project: 'beta', environment: 'dev' })).id;
    await approve(a, ids.a2, alice.token);
    await reject(a, ids.b2, bob.token, { reason: 'no' });
  });
  afterAll(() => a?.close());

  it('lists with the seed fields; status/project/env filters; paging', async () => {
    const all = await list(a.admin);
    expect(all.total).toBe(4);
    expect(all.items.map((x) => x.id)).toEqual([ids.b2, ids.b1, ids.a2, ids.a1]);
    expect(all.items.find((x) => x.id === ids.a1)).toMatchObject({ project: 'alpha', env: 'prod', build: 7, status: 'pending' });
    expect((await list(a.admin, '?status=pending')).items.map((x) => x.id).sort()).toEqual([ids.a1, ids.b1].sort());
    expect((await list(a.admin, '?project=beta&env=dev')).items.map((x) => x.id)).toEqual([ids.b2]);
    const page = await list(a.admin, '?page=2&pageSize=3');
    expect(page).toMatchObject({ total: 4 });
    expect(page.items.map((x) => x.id)).toEqual([ids.a1]);
  });

  it('mine=true: pending for me at my level and not yet answered', async () => {
    expect((await list(alice.token, '?mine=true')).items.map((x) => x.id)).toEqual([ids.a1]);
    expect((await list(bob.token, '?mine=true')).items.map((x) => x.id)).toEqual([ids.b1]);
    expect((await list(viewer.token, '?mine=true')).total).toBe(0);
    expect((await list(a.admin, '?mine=true')).total).toBe(0);
  });

  it('visibility: approvals.view on the project (and environment), or taking part', async () => {
    expect((await list(viewer.token)).items.map((x) => x.id).sort()).toEqual([ids.a1, ids.a2].sort());
    expect((await list(devViewer.token)).items.map((x) => x.id)).toEqual([ids.b2]);
    expect((await list(outsider.token)).items.map((x) => x.id)).toEqual([ids.b1]);
    expect((await list(alice.token)).items.map((x) => x.id).sort()).toEqual([ids.a1, ids.a2].sort());
    const nobody = await makeUser(a);
    expect(await list(nobody.token)).toMatchObject({ items: [], total: 0 });
    const hidden = await a.t.inject({ method: 'GET', url: `/api/approvals/${ids.a1}`, token: nobody.token });
    expect(hidden.statusCode).toBe(404);
    expect(hidden.json().error.code).toBe('APPROVALS_NOT_FOUND');
    expect((await a.t.inject({ method: 'GET', url: `/api/approvals/${ids.a1}`, token: viewer.token })).statusCode).toBe(200);
    expect((await a.t.inject({ method: 'GET', url: `/api/approvals/${ids.b1}`, token: viewer.token })).statusCode).toBe(404);
    expect((await a.t.inject({ method: 'GET', url: '/api/approvals' })).statusCode).toBe(401);
  });

  it('bad query input is 400 VALIDATION_FAILED', async () => {
    for (const q of ['?status=maybe', '?page=0', '?pageSize=100000', '?mine=perhaps']) {
      const res = await a.t.inject({ method: 'GET', url: `/api/approvals${q}`, token: a.admin });
      expect(res.statusCode, q).toBe(400);
      expect(res.json().error.code).toBe('VALIDATION_FAILED');
    }
    const badId = await a.t.inject({ method: 'POST', url: '/api/approve/0', token: a.admin, payload: {} });
    expect(badId.statusCode).toBe(400);
    const badBody = await a.t.inject({ method: 'POST', url: `/api/approve/${ids.a1}`, token: alice.token, payload: { change: 'maybe' } });
    expect(badBody.json().error.code).toBe('VALIDATION_FAILED');
    expect((await a.service.get(ids.a1))!.status).toBe('pending');
    expect(badBody.statusCode).toBe(400);
  });

  it('the service lists with pendingFor and counts by status; events go out on topic approvals', async () => {
    const mine = await a.service.list({ pendingFor: alice.id, page: 1, pageSize: 10 });
    expect(mine.items.map((x) => x.id)).toEqual([ids.a1]);
    expect(await a.service.stats()).toEqual({ total: 4, pending: 2, approved: 1, rejected: 1, timeout: 0 });
    const seen: Array<Record<string, unknown>> = [];
    const off = a.t.gh.ctx.events.subscribe('approvals', (e) => seen.push(e));
    const r = await makeRequest(a, { project: 'alpha', environment: 'prod' });
    await approve(a, r.id, alice.token);
    off();
    expect(seen).toEqual([
      { id: r.id, type: 'requested', status: 'pending' },
      { id: r.id, type: 'voted', status: 'approved' },
      { id: r.id, type: 'decided', status: 'approved' },
    ]);
  });

  it('the same dedupe key returns the existing request (created:false)', async () => {
    const input = {
      subject: { type: 'jenkins-input', id: 'x' },
      project: 'alpha',
      environment: 'prod',
      summary: 's',
      requestedBy: null,
      dedupeKey: 'k1',
    };
    const first = await a.service.request(input);
    const second = await a.service.request(input);
    expect(first.created).toBe(true);
    expect(second).toMatchObject({ created: false, approval: { id: first.approval.id } });
    await expect(a.service.request({ ...input, project: '', dedupeKey: undefined })).rejects.toMatchObject({
      code: 'APPROVALS_REQUEST_INVALID',
      statusCode: 400,
    });
  });
});
