import { afterAll, beforeAll, expect, it } from 'vitest';
import { createTestApp, describeDb, type TestApp } from './test-app.js';
import { TEST_DIALECT } from './test-db.js';
import { auditRows, countRows, createUser, outcome, PW } from './identity-auth-helpers.js';

/** Permission templates (seed 004 权限模板): named grant sets applied to many users at once. */
describeDb(`permission templates (${TEST_DIALECT})`, () => {
  let t: TestApp;
  let admin: string;
  let tplId: number;
  const ids: number[] = [];
  let groupId: number;
  let groupMember: number;

  const create = (payload: Record<string, unknown>, token = admin) =>
    t.inject({ method: 'POST', url: '/api/access/templates', token, payload });
  const apply = (id: number, payload: Record<string, unknown>, token = admin) =>
    t.inject({ method: 'POST', url: `/api/access/templates/${id}/apply`, token, payload });
  const can = (userId: number, permission: string, resource = {}) => t.gh.modules.access.policy.can(userId, permission, resource);

  beforeAll(async () => {
    t = await createTestApp();
    admin = await t.adminToken();
    t.gh.ctx.permissions.declare({ code: 'demo.build', module: 'demo', description: 'Build a branch (test code)', scoped: true });
    for (const name of ['t1', 't2', 't3', 't4']) ids.push(await createUser(t, admin, name));
    groupMember = await createUser(t, admin, 'g1');
    const g = await t.inject({ method: 'POST', url: '/api/groups', token: admin, payload: { name: 'testers' } });
    expect(g.statusCode, g.body).toBe(201);
    groupId = g.json().id;
    expect(
      (await t.inject({ method: 'POST', url: `/api/groups/${groupId}/members`, token: admin, payload: { userIds: [groupMember] } }))
        .statusCode,
    ).toBe(200);
  });
  afterAll(async () => t?.close());

  it('creates a template, filling unspecified scope parts with *, audited', async () => {
    const res = await create({
      name: 'shop developer',
      description: 'build feature branches, read users',
      grants: [
        { permission: 'demo.build', project: 'shop', branch: 'feature/*' },
        { permission: 'demo.build', project: 'shop', branch: '/^release-\\d+$/', environment: 'staging' },
        { role: 'project-admin', project: 'shop-sandbox' },
      ],
    });
    expect(res.statusCode).toBe(201);
    const body = res.json();
    expect(body).toMatchObject({
      id: expect.any(Number),
      name: 'shop developer',
      description: 'build feature branches, read users',
      grants: [
        { permission: 'demo.build', project: 'shop', branch: 'feature/*', environment: '*' },
        { permission: 'demo.build', project: 'shop', branch: '/^release-\\d+$/', environment: 'staging' },
        { role: 'project-admin', project: 'shop-sandbox', branch: '*', environment: '*' },
      ],
    });
    tplId = body.id;
    const [event] = (await auditRows(t, 'access.template.create')).filter((r) => r.resource_id === String(tplId));
    expect(event).toMatchObject({ username: 'admin', outcome: 'success' });
    const one = await t.inject({ method: 'GET', url: `/api/access/templates/${tplId}`, token: admin });
    expect(one.json()).toEqual(body);
  });

  it('refuses invalid templates with codes and stores nothing', async () => {
    const before = await countRows(t, 'access_templates');
    const cases: Array<[Record<string, unknown>, number, string]> = [
      [{ name: 'empty', grants: [] }, 400, 'VALIDATION_FAILED'],
      [{ name: '', grants: [{ permission: 'demo.build' }] }, 400, 'VALIDATION_FAILED'],
      [{ grants: [{ permission: 'demo.build' }] }, 400, 'VALIDATION_FAILED'],
      [{ name: 'x', grants: [{ permission: 'demo.build', owner: 'me' }] }, 400, 'VALIDATION_FAILED'],
      [{ name: 'x', grants: [{ role: 'user', permission: 'demo.build' }] }, 400, 'GRANT_ROLE_OR_PERMISSION'],
      [{ name: 'x', grants: [{ project: 'shop' }] }, 400, 'GRANT_ROLE_OR_PERMISSION'],
      [{ name: 'x', grants: [{ role: 'no-such-role' }] }, 400, 'UNKNOWN_ROLE'],
      [{ name: 'x', grants: [{ permission: 'no.such' }] }, 400, 'UNKNOWN_PERMISSION'],
      [{ name: 'x', grants: [{ permission: 'demo.build', branch: '/(a+)+/' }] }, 400, 'INVALID_PATTERN'],
      [{ name: 'shop developer', grants: [{ permission: 'demo.build' }] }, 409, 'TEMPLATE_NAME_TAKEN'],
    ];
    for (const [payload, status, code] of cases) {
      expect(outcome(await create(payload)), JSON.stringify(payload)).toEqual([status, code]);
    }
    expect(await countRows(t, 'access_templates')).toBe(before);
  });

  it('applies to many users and a group at once, and a second run skips what exists', async () => {
    const grants = await countRows(t, 'access_grants');
    const first = await apply(tplId, { userIds: ids, groupIds: [groupId] });
    expect(first.statusCode).toBe(200);
    expect(first.json()).toEqual({ created: 15, skipped: 0 });
    expect(await countRows(t, 'access_grants')).toBe(grants + 15);
    for (const id of [...ids, groupMember]) {
      expect(await can(id, 'demo.build', { project: 'shop', branch: 'feature/login' })).toBe(true);
      expect(await can(id, 'demo.build', { project: 'shop', branch: 'release-7', environment: 'staging' })).toBe(true);
      expect(await can(id, 'demo.build', { project: 'shop', branch: 'main' })).toBe(false);
      expect(await can(id, 'access.grants.manage', { project: 'shop-sandbox' })).toBe(true);
    }
    const made = await t.gh.ctx.db.selectFrom('access_grants').selectAll().where('template_id', '=', tplId).execute();
    expect(made).toHaveLength(15);
    const [applied] = (await auditRows(t, 'access.template.apply')).filter((r) => r.resource_id === String(tplId));
    expect(JSON.parse(applied.details!)).toMatchObject({
      name: 'shop developer',
      userIds: ids,
      groupIds: [groupId],
      created: 15,
      skipped: 0,
    });
    const perGrant = (await auditRows(t, 'access.grant.create')).filter((r) => JSON.parse(r.details!).templateId === tplId);
    expect(perGrant).toHaveLength(15);

    expect((await apply(tplId, { userIds: ids, groupIds: [groupId] })).json()).toEqual({ created: 0, skipped: 15 });
    expect(await countRows(t, 'access_grants')).toBe(grants + 15);
  });

  it('skips per grant: a user who already holds one entry gets the rest', async () => {
    const id = await createUser(t, admin, 't5');
    const pre = await t.inject({
      method: 'POST',
      url: '/api/access/grants',
      token: admin,
      payload: { subjectType: 'user', subjectId: id, permission: 'demo.build', project: 'shop', branch: 'feature/*' },
    });
    expect(pre.statusCode).toBe(201);
    expect((await apply(tplId, { userIds: [id] })).json()).toEqual({ created: 2, skipped: 1 });
  });

  it('applies all or nothing: an unknown subject or a caller without rights changes nothing', async () => {
    const id = await createUser(t, admin, 't6');
    const before = await countRows(t, 'access_grants');
    const unknown = await apply(tplId, { userIds: [id, 999999] });
    expect(outcome(unknown)).toEqual([404, 'SUBJECT_NOT_FOUND']);
    expect(outcome(await apply(tplId, { groupIds: [999999] }))).toEqual([404, 'SUBJECT_NOT_FOUND']);
    expect(outcome(await apply(999999, { userIds: [id] }))).toEqual([404, 'TEMPLATE_NOT_FOUND']);
    expect(outcome(await apply(tplId, { userIds: ['t6'] }))).toEqual([400, 'VALIDATION_FAILED']);
    expect(outcome(await apply(tplId, { userIds: [id], extra: true }))).toEqual([400, 'VALIDATION_FAILED']);
    const plain = await t.login('t6', PW);
    const denied = await apply(tplId, { userIds: [id] }, plain);
    expect(outcome(denied)).toEqual([403, 'FORBIDDEN']);
    expect((await auditRows(t, 'access.grant.create')).at(-1)).toMatchObject({ outcome: 'denied', username: 't6' });
    expect(await countRows(t, 'access_grants')).toBe(before);
    expect(await can(id, 'demo.build', { project: 'shop', branch: 'feature/x' })).toBe(false);
  });

  it('changes and deletes templates; grants already made stay', async () => {
    const patched = await t.inject({
      method: 'PATCH',
      url: `/api/access/templates/${tplId}`,
      token: admin,
      payload: { description: 'only features now', grants: [{ permission: 'demo.build', project: 'shop', branch: 'feature/*' }] },
    });
    expect(patched.statusCode).toBe(200);
    expect(patched.json()).toMatchObject({ description: 'only features now', grants: [{ branch: 'feature/*' }] });
    expect(await can(ids[0], 'demo.build', { project: 'shop', branch: 'release-7', environment: 'staging' })).toBe(true);
    expect((await auditRows(t, 'access.template.update')).filter((r) => r.resource_id === String(tplId))).toHaveLength(1);

    const other = await create({ name: 'other', grants: [{ permission: 'demo.build' }] });
    expect(
      outcome(
        await t.inject({
          method: 'PATCH',
          url: `/api/access/templates/${other.json().id}`,
          token: admin,
          payload: { name: 'shop developer' },
        }),
      ),
    ).toEqual([409, 'TEMPLATE_NAME_TAKEN']);
    expect(
      outcome(await t.inject({ method: 'PATCH', url: '/api/access/templates/999999', token: admin, payload: { description: 'x' } })),
    ).toEqual([404, 'TEMPLATE_NOT_FOUND']);
    expect(
      outcome(
        await t.inject({ method: 'PATCH', url: `/api/access/templates/${tplId}`, token: admin, payload: { grants: [{ role: 'nope' }] } }),
      ),
    ).toEqual([400, 'UNKNOWN_ROLE']);

    const list = await t.inject({ method: 'GET', url: '/api/access/templates', token: await t.login('t1', PW) });
    expect(list.json().items.map((x: { name: string }) => x.name)).toEqual(['other', 'shop developer']);

    expect((await t.inject({ method: 'DELETE', url: `/api/access/templates/${tplId}`, token: admin })).statusCode).toBe(204);
    expect(outcome(await t.inject({ method: 'GET', url: `/api/access/templates/${tplId}`, token: admin }))).toEqual([
      404,
      'TEMPLATE_NOT_FOUND',
    ]);
    expect(outcome(await t.inject({ method: 'DELETE', url: `/api/access/templates/${tplId}`, token: admin }))).toEqual([
      404,
      'TEMPLATE_NOT_FOUND',
    ]);
    expect(await can(ids[0], 'demo.build', { project: 'shop', branch: 'feature/x' })).toBe(true);
    expect((await auditRows(t, 'access.template.delete')).filter((r) => r.resource_id === String(tplId))).toHaveLength(1);
  });

  it('keeps template management to holders of access.templates.manage', async () => {
    const plain = await t.login('t2', PW);
    const before = await countRows(t, 'access_templates');
    expect(outcome(await create({ name: 'mine', grants: [{ permission: 'demo.build' }] }, plain))).toEqual([403, 'FORBIDDEN']);
    const any = (await t.inject({ method: 'GET', url: '/api/access/templates', token: admin })).json().items[0].id;
    expect(outcome(await t.inject({ method: 'DELETE', url: `/api/access/templates/${any}`, token: plain }))).toEqual([403, 'FORBIDDEN']);
    expect(
      outcome(await t.inject({ method: 'PATCH', url: `/api/access/templates/${any}`, token: plain, payload: { name: 'hijack' } })),
    ).toEqual([403, 'FORBIDDEN']);
    expect(await countRows(t, 'access_templates')).toBe(before);
  });
});
