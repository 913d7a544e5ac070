import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeDb } from './test-app.js';
import { TEST_DIALECT } from './test-db.js';
import {
  createApprovalsTestApp,
  makeGroup,
  makePolicy,
  makeRequest,
  makeUser,
  type ApprovalsTestApp,
  type TestUser,
} from './approvals-helpers.js';

describeDb(`approvals: policies API (${TEST_DIALECT})`, () => {
  let a: ApprovalsTestApp;
  let alice: TestUser;
  let plain: TestUser;
  const post = (payload: unknown, token = a.admin) =>
    a.t.inject({ method: 'POST', url: '/api/approval-policies', token, payload: payload as Record<string, unknown> });

  beforeAll(async () => {
    a = await createApprovalsTestApp();
    alice = await makeUser(a, { name: 'alice' });
    plain = await makeUser(a);
  });
  afterAll(() => a?.close());

  it('accepts the acceptance body and answers 201 with an id; GET, PUT and DELETE work', async () => {
    const res = await post({
      name: 'acc',
      project: 'P',
      environment: 'prod',
      levels: [{ approvers: { users: ['alice'] }, mode: 'any' }],
      timeoutMinutes: 30,
    });
    expect(res.statusCode, res.body).toBe(201);
    const p = res.json();
    expect(p).toMatchObject({
      id: expect.any(Number),
      name: 'acc',
      project: 'P',
      environment: 'prod',
      timeoutMinutes: 30,
      enabled: true,
      allowSelfApproval: false,
    });
    expect(p.levels).toEqual([{ approvers: { users: ['alice'] }, mode: 'any' }]);

    const one = await a.t.inject({ method: 'GET', url: `/api/approval-policies/${p.id}`, token: a.admin });
    expect(one.statusCode).toBe(200);
    expect(one.json().name).toBe('acc');
    const list = await a.t.inject({ method: 'GET', url: '/api/approval-policies', token: a.admin });
    expect(list.json().items.map((x: { id: number }) => x.id)).toContain(p.id);

    const put = await a.t.inject({
      method: 'PUT',
      url: `/api/approval-policies/${p.id}`,
      token: a.admin,
      payload: {
        name: 'acc',
        project: 'P',
        environment: 'prod',
        levels: [{ approvers: { users: ['alice'] }, mode: { quorum: 1 } }],
        timeoutAction: 'approve',
      },
    });
    expect(put.statusCode, put.body).toBe(200);
    expect(put.json()).toMatchObject({ timeoutAction: 'approve', timeoutMinutes: null, levels: [{ mode: { quorum: 1 } }] });

    const del = await a.t.inject({ method: 'DELETE', url: `/api/approval-policies/${p.id}`, token: a.admin });
    expect(del.statusCode).toBe(204);
    const gone = await a.t.inject({ method: 'GET', url: `/api/approval-policies/${p.id}`, token: a.admin });
    expect(gone.statusCode).toBe(404);
    expect(gone.json().error.code).toBe('APPROVALS_POLICY_NOT_FOUND');

    const audit = await a.t.gh.ctx.db
      .selectFrom('audit_events')
      .select('action')
      .where('resource_type', '=', 'approval-policy')
      .where('resource_id', '=', String(p.id))
      .execute();
    expect(audit.map((r) => r.action)).toEqual(['approvals.policy.create', 'approvals.policy.update', 'approvals.policy.delete']);
  });

  it('refuses bad input with stable 4xx codes', async () => {
    const base = { name: 'bad', project: 'P', environment: 'prod', levels: [{ approvers: { users: ['alice'] }, mode: 'any' }] };
    const cases: Array<[unknown, number, string]> = [
      [{ ...base, levels: [] }, 400, 'VALIDATION_FAILED'],
      [{ ...base, levels: [{ approvers: { users: ['alice'] }, mode: 'some' }] }, 400, 'VALIDATION_FAILED'],
      [{ ...base, levels: [{ approvers: { users: ['alice'] }, mode: { quorum: 0 } }] }, 400, 'VALIDATION_FAILED'],
      [{ ...base, levels: [{ approvers: {}, mode: 'any' }] }, 400, 'APPROVALS_POLICY_INVALID'],
      [
        { ...base, levels: [{ approvers: { users: ['nobody-here'], groups: ['no-group'] }, mode: 'any' }] },
        400,
        'APPROVALS_UNKNOWN_APPROVER',
      ],
      [{ ...base, project: '/(a+)+/' }, 400, 'INVALID_PATTERN'],
      [{ ...base, project: '/[/' }, 400, 'INVALID_PATTERN'],
      [{ ...base, timeoutMinutes: -1 }, 400, 'VALIDATION_FAILED'],
      [{ ...base, extra: 1 }, 400, 'VALIDATION_FAILED'],
    ];
    for (const [body, status, code] of cases) {
      const res = await post(body);
      expect(res.statusCode, JSON.stringify(body)).toBe(status);
      expect(res.json().error.code, JSON.stringify(body)).toBe(code);
    }
    const unknown = await post(cases[4][0]);
    expect(unknown.json().error.details).toMatchObject({ users: ['nobody-here'], groups: ['no-group'] });
    expect((await post({ ...base, name: 'dup' })).statusCode).toBe(201);
    const dup = await post({ ...base, name: 'dup' });
    expect(dup.statusCode).toBe(409);
    expect(dup.json().error.code).toBe('APPROVALS_POLICY_NAME_TAKEN');
    const bad = await a.t.inject({ method: 'GET', url: '/api/approval-policies/abc', token: a.admin });
    expect(bad.statusCode).toBe(400);
  });

  it('needs approvals.policies.manage', async () => {
    const res = await post(
      { name: 'x', project: 'P', environment: 'prod', levels: [{ approvers: { users: ['alice'] }, mode: 'any' }] },
      plain.token,
    );
    expect(res.statusCode).toBe(403);
    expect((await a.t.inject({ method: 'GET', url: '/api/approval-policies', token: plain.token })).statusCode).toBe(403);
    expect((await a.t.inject({ method: 'GET', url: '/api/approval-policies' })).statusCode).toBe(401);
  });

  it('the most specific matching policy wins; no match is 422 APPROVALS_NO_POLICY, a disabled one does not count', async () => {
    const bob = await makeUser(a);
    const carol = await makeUser(a);
    const dave = await makeUser(a);
    const lv = (u: TestUser) => [{ approvers: { users: [u.username] }, mode: 'any' as const }];
    await makePolicy(a, { name: 'any-any', project: '*', environment: '*', levels: lv(bob) });
    await makePolicy(a, { name: 'regex', project: '/^shop-.*$/', environment: 'staging', levels: lv(carol) });
    await makePolicy(a, { name: 'glob', project: 'shop-*', environment: 'staging', levels: lv(dave) });
    await makePolicy(a, { name: 'exact-off', project: 'shop-web', environment: 'staging', levels: lv(alice), enabled: false });
    const approverOf = async (project: string, environment: string) => {
      const r = await makeRequest(a, { project, environment });
      return (await a.service.detail(r.id))!.levels[0].approvers.map((x) => x.username);
    };
    expect(await approverOf('shop-web', 'staging')).toEqual([dave.username]);
    expect(await approverOf('other', 'dev')).toEqual([bob.username]);
    await a.t.inject({
      method: 'DELETE',
      url: `/api/approval-policies/${(await a.service.policies.findByName('any-any'))!.id}`,
      token: a.admin,
    });
    await expect(makeRequest(a, { project: 'other', environment: 'dev' })).rejects.toMatchObject({
      code: 'APPROVALS_NO_POLICY',
      statusCode: 422,
    });
  });

  it('imports users.json (simple and detailed) and app.json (aliases, fuzzy, default) with a per-item report', async () => {
    const ops = await makeUser(a, { name: 'ops-lead' });
    const pm = await makeUser(a, { name: 'pm-wang' });
    const rootId = (await makeUser(a, { name: 'root-admin' })).id;
    const users = {
      'ops-lead': 'ops-lead',
      'pm-wang': { role: '项目经理', projects: ['payments'], email: 'pm@example.test' },
      'root-admin': { role: 'admin' },
      ghost: 'tech-lead',
    };
    const app = {
      projects: {
        payments: { aliases: ['pay', '支付'], approvers: ['alice'], environments: { prod: { approvers: ['ops-lead'], mode: 'all' } } },
        web: { fuzzy: true, approvers: ['alice'] },
      },
      default: { approvers: ['ops-lead'] },
    };
    const dry = await a.t.inject({
      method: 'POST',
      url: '/api/approval-policies/import',
      token: a.admin,
      payload: { users, app, dryRun: true },
    });
    expect(dry.statusCode, dry.body).toBe(200);
    expect(dry.json()).toMatchObject({ dryRun: true, created: 4, updated: 0 });
    expect(await a.service.policies.findByName('import:payments')).toBeNull();

    const res = await a.t.inject({ method: 'POST', url: '/api/approval-policies/import', token: a.admin, payload: { users, app } });
    expect(res.statusCode, res.body).toBe(200);
    const body = res.json();
    expect(body).toMatchObject({ dryRun: false, created: 4, skipped: 1, errors: 0 });
    expect(body.items).toContainEqual(expect.objectContaining({ kind: 'user', name: 'ghost', status: 'skipped' }));
    expect(body.items).toContainEqual(expect.objectContaining({ kind: 'policy', name: 'import:payments:prod', status: 'created' }));

    const pay = (await a.service.policies.findByName('import:payments'))!;
    expect(pay.project).toBe('/^(payments|pay|支付)$/');
    expect(pay.levels[0].approvers.users!.sort()).toEqual(['alice', 'pm-wang', 'root-admin'].sort());
    const payProd = (await a.service.policies.findByName('import:payments:prod'))!;
    expect(payProd).toMatchObject({ environment: 'prod', levels: [{ mode: 'all' }] });
    const def = (await a.service.policies.findByName('import:default'))!;
    expect(def.project).toBe('*');
    expect(def.levels[0].approvers.users!.sort()).toEqual(['ops-lead', 'root-admin']);

    // The alias and the fuzzy name select the imported policies.
    const viaAlias = await makeRequest(a, { project: 'pay', environment: 'prod' });
    const aliasApprovers = (await a.service.detail(viaAlias.id))!.levels[0].approvers.map((x) => x.id);
    expect(aliasApprovers.sort((x, y) => x - y)).toEqual([alice.id, ops.id, pm.id, rootId].sort((x, y) => x - y));
    const fuzzy = await makeRequest(a, { project: 'Frontend-WEB-app', environment: 'dev' });
    expect((await a.service.detail(fuzzy.id))!.levels[0].approvers.map((x) => x.username).sort()).toEqual(['alice', 'root-admin']);

    const again = await a.t.inject({ method: 'POST', url: '/api/approval-policies/import', token: a.admin, payload: { users, app } });
    expect(again.json()).toMatchObject({ created: 0, updated: 4 });
    const empty = await a.t.inject({ method: 'POST', url: '/api/approval-policies/import', token: a.admin, payload: {} });
    expect(empty.statusCode).toBe(400);
    expect(empty.json().error.code).toBe('APPROVALS_IMPORT_INVALID');
  });

  it('group approvers must exist', async () => {
    await makeGroup(a, 'release-team', [alice]);
    const ok = await post({
      name: 'grp',
      project: 'G',
      environment: 'prod',
      levels: [{ approvers: { groups: ['release-team'] }, mode: 'any' }],
    });
    expect(ok.statusCode, ok.body).toBe(201);
  });
});
