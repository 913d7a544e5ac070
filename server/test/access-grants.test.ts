import { afterAll, beforeAll, expect, it } from 'vitest';
import { createTestApp, describeDb, type TestApp } from './test-app.js';
import { TEST_DIALECT } from './test-db.js';
import { auditRows, countRows, createUser, outcome, PW } from './identity-auth-helpers.js';

/** Grants of roles and permissions to users and groups on scopes; explain; the cache behind can(). */
describeDb(`grants, groups and explain (${TEST_DIALECT})`, () => {
  let t: TestApp;
  let admin: string;
  let adminId: number;
  const u: Record<string, { id: number; token: string }> = {};

  const grant = (body: Record<string, unknown>, token = admin) =>
    t.inject({ method: 'POST', url: '/api/access/grants', token, payload: body });
  const revoke = (id: number, token = admin) => t.inject({ method: 'DELETE', url: `/api/access/grants/${id}`, token });
  const can = (who: string, permission: string, resource = {}) => t.gh.modules.access.policy.can(u[who].id, permission, resource);
  const explain = (query: string, token = admin) => t.inject({ method: 'GET', url: `/api/access/explain?${query}`, token });

  beforeAll(async () => {
    t = await createTestApp();
    admin = await t.adminToken();
    adminId = (await t.gh.modules.identity.service.getUserByUsername('admin'))!.id;
    t.gh.ctx.permissions.declare({ code: 'demo.build', module: 'demo', description: 'Build a branch (test code)', scoped: true });
    for (const name of ['ada', 'ben', 'cy']) {
      const id = await createUser(t, admin, name);
      u[name] = { id, token: await t.login(name, PW) };
    }
  });
  afterAll(async () => t?.close());

  it('grants a permission globally: the route that was 403 answers 200 at once, and 403 again once revoked', async () => {
    expect(outcome(await t.inject({ method: 'GET', url: '/api/users', token: u.ada.token }))).toEqual([403, 'FORBIDDEN']);
    const res = await grant({ subjectType: 'user', subjectId: u.ada.id, permission: 'identity.users.read' });
    expect(res.statusCode).toBe(201);
    expect(res.json()).toEqual({
      id: expect.any(Number),
      subjectType: 'user',
      subjectId: u.ada.id,
      subjectName: 'ada',
      role: null,
      permission: 'identity.users.read',
      project: '*',
      branch: '*',
      environment: '*',
      templateId: null,
      grantedBy: adminId,
      grantedAt: expect.any(String),
    });
    expect((await t.inject({ method: 'GET', url: '/api/users', token: u.ada.token })).statusCode).toBe(200);
    const [event] = (await auditRows(t, 'access.grant.create')).filter((r) => r.resource_id === String(res.json().id));
    expect(event).toMatchObject({ username: 'admin', outcome: 'success', project: null });
    expect(JSON.parse(event.details!)).toMatchObject({ subjectType: 'user', subjectId: u.ada.id, permission: 'identity.users.read' });

    expect((await revoke(res.json().id)).statusCode).toBe(204);
    expect(outcome(await t.inject({ method: 'GET', url: '/api/users', token: u.ada.token }))).toEqual([403, 'FORBIDDEN']);
    const [deleted] = (await auditRows(t, 'access.grant.delete')).filter((r) => r.resource_id === String(res.json().id));
    expect(deleted).toMatchObject({ username: 'admin', outcome: 'success' });
    expect(outcome(await revoke(res.json().id))).toEqual([404, 'GRANT_NOT_FOUND']);
  });

  it('grants on a project, branch and environment scope, and nothing wider', async () => {
    // Warm the cache with a "no" first: the grant must still take effect at once.
    expect(await can('ben', 'demo.build', { project: 'shop', branch: 'feature/x', environment: 'prod' })).toBe(false);
    const res = await grant({
      subjectType: 'user',
      subjectId: u.ben.id,
      permission: 'demo.build',
      project: 'shop',
      branch: 'feature/*',
      environment: 'prod',
    });
    expect(res.statusCode, res.body).toBe(201);
    expect((await auditRows(t, 'access.grant.create')).at(-1)!.project).toBe('shop');
    expect(await can('ben', 'demo.build', { project: 'shop', branch: 'feature/x', environment: 'prod' })).toBe(true);
    expect(await can('ben', 'demo.build', { project: 'shop', branch: 'feature/x', environment: 'staging' })).toBe(false);
    expect(await can('ben', 'demo.build', { project: 'shop', branch: 'feature/x' })).toBe(false);
    expect(await can('ben', 'demo.build', { project: 'shop', branch: 'main', environment: 'prod' })).toBe(false);
    expect(await can('ben', 'demo.build', { project: 'shopping', branch: 'feature/x', environment: 'prod' })).toBe(false);
    expect(await can('ben', 'demo.build')).toBe(false);
    expect(await can('ben', 'audit.read', { project: 'shop' })).toBe(false);

    const dup = await grant({
      subjectType: 'user',
      subjectId: u.ben.id,
      permission: 'demo.build',
      project: 'shop',
      branch: 'feature/*',
      environment: 'prod',
    });
    expect(outcome(dup)).toEqual([409, 'GRANT_EXISTS']);
  });

  it('grants a role on a project: its permissions on that project only', async () => {
    const res = await grant({ subjectType: 'user', subjectId: u.cy.id, role: 'project-admin', project: 'shop' });
    expect(res.statusCode).toBe(201);
    expect(res.json()).toMatchObject({ role: 'project-admin', permission: null, project: 'shop' });
    expect(await can('cy', 'access.grants.manage', { project: 'shop' })).toBe(true);
    expect(await can('cy', 'access.grants.manage', { project: 'other' })).toBe(false);
    expect(await can('cy', 'access.grants.manage')).toBe(false);
  });

  it('refuses malformed grants with codes and stores nothing', async () => {
    const before = await countRows(t, 'access_grants');
    const cases: Array<[Record<string, unknown>, number, string]> = [
      [{ subjectType: 'user', subjectId: u.ada.id, role: 'user', permission: 'demo.build' }, 400, 'GRANT_ROLE_OR_PERMISSION'],
      [{ subjectType: 'user', subjectId: u.ada.id }, 400, 'GRANT_ROLE_OR_PERMISSION'],
      [{ subjectType: 'user', subjectId: u.ada.id, permission: 'no.such' }, 400, 'UNKNOWN_PERMISSION'],
      [{ subjectType: 'user', subjectId: u.ada.id, role: 'no-such-role' }, 400, 'UNKNOWN_ROLE'],
      [{ subjectType: 'user', subjectId: 999999, permission: 'demo.build' }, 404, 'SUBJECT_NOT_FOUND'],
      [{ subjectType: 'group', subjectId: 999999, permission: 'demo.build' }, 404, 'SUBJECT_NOT_FOUND'],
      [{ subjectType: 'robot', subjectId: u.ada.id, permission: 'demo.build' }, 400, 'VALIDATION_FAILED'],
      [{ subjectId: u.ada.id, permission: 'demo.build' }, 400, 'VALIDATION_FAILED'],
      [{ subjectType: 'user', subjectId: "1' OR 1=1 --", permission: 'demo.build' }, 400, 'VALIDATION_FAILED'],
      [{ subjectType: 'user', subjectId: 0, permission: 'demo.build' }, 400, 'VALIDATION_FAILED'],
      [{ subjectType: 'user', subjectId: u.ada.id, permission: 'demo.build', project: '' }, 400, 'VALIDATION_FAILED'],
      [{ subjectType: 'user', subjectId: u.ada.id, permission: 'demo.build', project: { $ne: 1 } }, 400, 'VALIDATION_FAILED'],
      [{ subjectType: 'user', subjectId: u.ada.id, permission: 'demo.build', expires: 'never' }, 400, 'VALIDATION_FAILED'],
    ];
    for (const [body, status, code] of cases) {
      expect(outcome(await grant(body)), JSON.stringify(body)).toEqual([status, code]);
    }
    expect(outcome(await revoke(999999))).toEqual([404, 'GRANT_NOT_FOUND']);
    expect(outcome(await t.inject({ method: 'DELETE', url: '/api/access/grants/x', token: admin }))).toEqual([400, 'VALIDATION_FAILED']);
    expect(await countRows(t, 'access_grants')).toBe(before);
  });

  it('reaches a user through a group: effective as members come and go, and explained', async () => {
    const g = await t.inject({
      method: 'POST',
      url: '/api/groups',
      token: admin,
      payload: { name: 'release-team', description: 'releases' },
    });
    expect(g.statusCode, g.body).toBe(201);
    const gid = g.json().id as number;
    const res = await grant({
      subjectType: 'group',
      subjectId: gid,
      permission: 'demo.build',
      project: 'payments',
      branch: '/^release-\\d+$/',
    });
    expect(res.statusCode).toBe(201);
    expect(res.json()).toMatchObject({ subjectType: 'group', subjectName: 'release-team' });
    const r3 = { project: 'payments', branch: 'release-3' };
    expect(await can('ada', 'demo.build', r3)).toBe(false);

    const add = await t.inject({ method: 'POST', url: `/api/groups/${gid}/members`, token: admin, payload: { userIds: [u.ada.id] } });
    expect(add.statusCode, add.body).toBe(200);
    expect(await can('ada', 'demo.build', r3)).toBe(true);
    const ex = await explain(`userId=${u.ada.id}&permission=demo.build&project=payments&branch=release-3`);
    expect(ex.statusCode).toBe(200);
    expect(ex.json()).toEqual({
      allowed: true,
      permission: 'demo.build',
      resource: r3,
      grant: {
        id: res.json().id,
        via: 'group',
        groupName: 'release-team',
        role: null,
        permission: 'demo.build',
        project: 'payments',
        branch: '/^release-\\d+$/',
        environment: '*',
      },
      nearest: [],
      reason: expect.stringContaining('through group release-team'),
    });

    const out = await t.inject({ method: 'DELETE', url: `/api/groups/${gid}/members/${u.ada.id}`, token: admin });
    expect(out.statusCode).toBe(204);
    expect(await can('ada', 'demo.build', r3)).toBe(false);

    // Deleting the group takes its grants with it.
    await t.inject({ method: 'POST', url: `/api/groups/${gid}/members`, token: admin, payload: { userIds: [u.ada.id] } });
    expect(await can('ada', 'demo.build', r3)).toBe(true);
    expect((await t.inject({ method: 'DELETE', url: `/api/groups/${gid}`, token: admin })).statusCode).toBe(204);
    expect(await can('ada', 'demo.build', r3)).toBe(false);
    const left = await t.gh.ctx.db
      .selectFrom('access_grants')
      .select('id')
      .where('subject_type', '=', 'group')
      .where('subject_id', '=', gid)
      .execute();
    expect(left).toEqual([]);
  });

  it('explains a denial: the nearest grants and why none covers the request', async () => {
    const scoped = await explain(`userId=${u.ben.id}&permission=demo.build&project=shop&branch=main&environment=prod`);
    expect(scoped.json()).toMatchObject({
      allowed: false,
      resource: { project: 'shop', branch: 'main', environment: 'prod' },
      nearest: [{ via: 'user', groupName: null, permission: 'demo.build', project: 'shop', branch: 'feature/*', environment: 'prod' }],
      reason: expect.stringContaining('none covers'),
    });
    expect(scoped.json().grant).toBeUndefined();
    const global = await explain(`userId=${u.ben.id}&permission=demo.build`);
    expect(global.json()).toMatchObject({ allowed: false, reason: expect.stringContaining("matched only by '*'") });
    const none = await explain(`userId=${u.ada.id}&permission=audit.read`);
    expect(none.json()).toMatchObject({
      allowed: false,
      nearest: [],
      reason: 'No grant gives audit.read.',
    });
    const superAdmin = await explain(`userId=${adminId}&permission=demo.build&project=anything&branch=x`);
    expect(superAdmin.json()).toMatchObject({ allowed: true, grant: { role: 'super-admin', via: 'user' } });
  });

  it('explains for oneself to anyone, for others only with access.grants.read; unknown users are 404', async () => {
    expect((await explain(`userId=${u.ben.id}&permission=demo.build&project=shop`, u.ben.token)).statusCode).toBe(200);
    expect(outcome(await explain(`userId=${u.ada.id}&permission=demo.build`, u.ben.token))).toEqual([403, 'FORBIDDEN']);
    expect(outcome(await explain('userId=999999&permission=demo.build'))).toEqual([404, 'SUBJECT_NOT_FOUND']);
    for (const q of ['permission=demo.build', `userId=${u.ada.id}`, 'userId=abc&permission=demo.build', `userId=${u.ada.id}&permission=`]) {
      expect(outcome(await explain(q)), q).toEqual([400, 'VALIDATION_FAILED']);
    }
    const meta = await explain(
      `userId=${u.ada.id}&permission=${encodeURIComponent("' OR 1=1 --")}&project=${encodeURIComponent("x' OR '1'='1")}`,
    );
    expect(meta.statusCode).toBe(200);
    expect(meta.json().allowed).toBe(false);
  });

  it('lists grants with filters; a user may list their own', async () => {
    const all = await t.inject({ method: 'GET', url: '/api/access/grants?page=1&pageSize=500', token: admin });
    expect(all.statusCode).toBe(200);
    expect(all.json().total).toBe(await countRows(t, 'access_grants'));
    const bens = await t.inject({ method: 'GET', url: `/api/access/grants?subjectType=user&subjectId=${u.ben.id}`, token: admin });
    // ben's role 'user' (given at creation) and the demo.build grant.
    expect(
      bens.json().items.map((g: { subjectName: string; role: string; permission: string }) => [g.subjectName, g.role, g.permission]),
    ).toEqual([
      ['ben', 'user', null],
      ['ben', null, 'demo.build'],
    ]);
    const shop = await t.inject({ method: 'GET', url: '/api/access/grants?project=shop', token: admin });
    expect(shop.json().items.every((g: { project: string }) => g.project === 'shop')).toBe(true);
    expect(shop.json().total).toBeGreaterThanOrEqual(2);
    const page = await t.inject({ method: 'GET', url: '/api/access/grants?page=2&pageSize=1', token: admin });
    expect(page.json().items).toHaveLength(1);
    expect(page.json().items[0].id).toBe(all.json().items[1].id);
    const meta = await t.inject({ method: 'GET', url: `/api/access/grants?project=${encodeURIComponent("' OR 1=1 --")}`, token: admin });
    expect(meta.json()).toEqual({ items: [], total: 0 });

    expect(
      (await t.inject({ method: 'GET', url: `/api/access/grants?subjectType=user&subjectId=${u.ben.id}`, token: u.ben.token })).statusCode,
    ).toBe(200);
    expect(outcome(await t.inject({ method: 'GET', url: '/api/access/grants', token: u.ben.token }))).toEqual([403, 'FORBIDDEN']);
    expect(
      outcome(await t.inject({ method: 'GET', url: `/api/access/grants?subjectType=user&subjectId=${u.ada.id}`, token: u.ben.token })),
    ).toEqual([403, 'FORBIDDEN']);
    expect(outcome(await t.inject({ method: 'GET', url: '/api/access/grants?subjectType=robot', token: admin }))).toEqual([
      400,
      'VALIDATION_FAILED',
    ]);
  });

  it('tells the web app what the signed-in user holds (GET /api/access/me)', async () => {
    const me = await t.inject({ method: 'GET', url: '/api/access/me', token: u.cy.token });
    expect(me.statusCode).toBe(200);
    const body = me.json();
    expect(body.isSuperAdmin).toBe(false);
    expect(body.roles.sort()).toEqual(['project-admin', 'user']);
    expect(body.permissions).toEqual(
      expect.arrayContaining([{ code: 'access.grants.manage', scopes: [{ project: 'shop', branch: '*', environment: '*' }] }]),
    );
    expect(body.grants).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          via: 'user',
          role: 'project-admin',
          project: 'shop',
          permissions: expect.arrayContaining(['jenkins.*']),
        }),
      ]),
    );
    const adminMe = (await t.inject({ method: 'GET', url: '/api/access/me', token: admin })).json();
    expect(adminMe).toMatchObject({
      isSuperAdmin: true,
      roles: ['super-admin'],
      permissions: [{ code: '*', scopes: [{ project: '*', branch: '*', environment: '*' }] }],
    });
    expect(outcome(await t.inject({ method: 'GET', url: '/api/access/me' }))).toEqual([401, 'UNAUTHENTICATED']);
  });

  it("removes a deleted user's grants with the user", async () => {
    const id = await createUser(t, admin, 'dee');
    expect((await grant({ subjectType: 'user', subjectId: id, permission: 'demo.build', project: 'shop' })).statusCode).toBe(201);
    expect((await t.inject({ method: 'DELETE', url: `/api/users/${id}`, token: admin })).statusCode).toBe(204);
    const left = await t.gh.ctx.db
      .selectFrom('access_grants')
      .select('id')
      .where('subject_type', '=', 'user')
      .where('subject_id', '=', id)
      .execute();
    expect(left).toEqual([]);
    expect(await t.gh.modules.access.policy.can(id, 'demo.build', { project: 'shop' })).toBe(false);
    expect(outcome(await explain(`userId=${id}&permission=demo.build`))).toEqual([404, 'SUBJECT_NOT_FOUND']);
  });
});
