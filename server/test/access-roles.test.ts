import { afterAll, beforeAll, expect, it } from 'vitest';
import { createTestApp, describeDb, type TestApp } from './test-app.js';
import { TEST_DIALECT } from './test-db.js';
import { auditRows, countRows, createUser, outcome, PW } from './identity-auth-helpers.js';

interface Role {
  id: number;
  name: string;
  displayName: string;
  description: string;
  permissions: string[];
  builtin: boolean;
}

/** Roles: built-in ones protected, custom ones created, changed and deleted — effective at once. */
describeDb(`roles (${TEST_DIALECT})`, () => {
  let t: TestApp;
  let admin: string;
  let userId: number;
  let userToken: string;

  const roles = async () => (await t.inject({ method: 'GET', url: '/api/roles', token: admin })).json().items as Role[];
  const createRole = (payload: Record<string, unknown>, token = admin) => t.inject({ method: 'POST', url: '/api/roles', token, payload });
  const can = (permission: string, resource = {}) => t.gh.modules.access.policy.can(userId, permission, resource);

  beforeAll(async () => {
    t = await createTestApp();
    admin = await t.adminToken();
    t.gh.ctx.permissions.declare({ code: 'demo.build', module: 'demo', description: 'Build a branch (test code)', scoped: true });
    userId = await createUser(t, admin, 'rolf');
    userToken = await t.login('rolf', PW);
  });
  afterAll(async () => t?.close());

  it('lists the built-in roles to any signed-in user', async () => {
    const res = await t.inject({ method: 'GET', url: '/api/roles', token: userToken });
    expect(res.statusCode).toBe(200);
    const items = res.json().items as Role[];
    expect(items.map((r) => [r.name, r.builtin])).toEqual([
      ['super-admin', true],
      ['project-admin', true],
      ['jenkins-viewer', true],
      ['jenkins-builder', true],
      ['user', true],
    ]);
    expect(items[0].permissions).toEqual(['*']);
    expect(items[1].permissions).toEqual(expect.arrayContaining(['access.grants.manage', 'access.grants.read']));
    expect(items[2].permissions).toEqual(['jenkins.view']);
    expect(items[3].permissions).toEqual(['jenkins.view', 'jenkins.build']);
    expect(items[4].permissions).toEqual([]);
    expect(outcome(await t.inject({ method: 'GET', url: '/api/roles' }))).toEqual([401, 'UNAUTHENTICATED']);
  });

  it('creates a role from known codes and wildcards, audited', async () => {
    const res = await createRole({
      name: 'release-manager',
      displayName: 'Release manager / 发布经理',
      description: 'Signs off releases',
      permissions: ['demo.build', 'audit.read', 'identity.*'],
    });
    expect(res.statusCode).toBe(201);
    expect(res.json()).toMatchObject({
      id: expect.any(Number),
      name: 'release-manager',
      displayName: 'Release manager / 发布经理',
      permissions: ['demo.build', 'audit.read', 'identity.*'],
      builtin: false,
    });
    const [event] = (await auditRows(t, 'access.role.create')).filter((r) => r.resource_id === String(res.json().id));
    expect(event).toMatchObject({ username: 'admin', outcome: 'success' });
    expect(JSON.parse(event.details!)).toMatchObject({ name: 'release-manager', permissions: ['demo.build', 'audit.read', 'identity.*'] });
    expect((await roles()).map((r) => r.name)).toContain('release-manager');
  });

  it('refuses unknown codes, bad names, duplicates and malformed bodies, storing nothing', async () => {
    const before = await countRows(t, 'access_roles');
    const unknown = await createRole({ name: 'qa', permissions: ['demo.build', 'nope.nothing', 'audit.writ'] });
    expect(outcome(unknown)).toEqual([400, 'UNKNOWN_PERMISSION']);
    expect(unknown.json().error.details).toEqual({ codes: ['nope.nothing', 'audit.writ'] });
    expect(outcome(await createRole({ name: 'release-manager', permissions: [] }))).toEqual([409, 'ROLE_NAME_TAKEN']);
    expect(outcome(await createRole({ name: 'super-admin', permissions: [] }))).toEqual([409, 'ROLE_NAME_TAKEN']);
    for (const payload of [
      { name: 'Bad Name', permissions: [] },
      { name: 'x', permissions: [] },
      { name: "qa' OR 1=1 --", permissions: [] },
      { name: 'qa' },
      { name: 'qa', permissions: { 'demo.build': true } },
      { name: 'qa', permissions: [{ code: 'demo.build' }] },
      { name: 'qa', permissions: [], builtin: true },
    ]) {
      expect(outcome(await createRole(payload)), JSON.stringify(payload)).toEqual([400, 'VALIDATION_FAILED']);
    }
    expect(await countRows(t, 'access_roles')).toBe(before);
  });

  it('protects built-in roles from change and deletion (409 ROLE_BUILTIN)', async () => {
    for (const r of (await roles()).filter((x) => x.builtin)) {
      const patch = await t.inject({ method: 'PATCH', url: `/api/roles/${r.id}`, token: admin, payload: { permissions: ['*'] } });
      expect(outcome(patch), r.name).toEqual([409, 'ROLE_BUILTIN']);
      const del = await t.inject({ method: 'DELETE', url: `/api/roles/${r.id}`, token: admin });
      expect(outcome(del), r.name).toEqual([409, 'ROLE_BUILTIN']);
    }
    expect((await roles()).find((r) => r.name === 'user')!.permissions).toEqual([]);
  });

  it('applies a change to a role at once to everyone holding it, and removes its grants when deleted', async () => {
    const role = (await roles()).find((r) => r.name === 'release-manager')!;
    const grant = await t.inject({
      method: 'POST',
      url: '/api/access/grants',
      token: admin,
      payload: { subjectType: 'user', subjectId: userId, role: 'release-manager', project: 'shop' },
    });
    expect(grant.statusCode, grant.body).toBe(201);
    expect(await can('demo.build', { project: 'shop', branch: 'main' })).toBe(true);
    expect(await can('identity.users.read', { project: 'shop' })).toBe(true);

    const patched = await t.inject({
      method: 'PATCH',
      url: `/api/roles/${role.id}`,
      token: admin,
      payload: { permissions: ['audit.read'], description: 'narrower' },
    });
    expect(patched.statusCode).toBe(200);
    expect(patched.json()).toMatchObject({ permissions: ['audit.read'], description: 'narrower', builtin: false });
    expect(await can('demo.build', { project: 'shop', branch: 'main' })).toBe(false);
    expect(await can('audit.read', { project: 'shop' })).toBe(true);
    expect((await auditRows(t, 'access.role.update')).filter((r) => r.resource_id === String(role.id))).toHaveLength(1);
    const bad = await t.inject({ method: 'PATCH', url: `/api/roles/${role.id}`, token: admin, payload: { permissions: ['nope.x'] } });
    expect(outcome(bad)).toEqual([400, 'UNKNOWN_PERMISSION']);

    expect((await t.inject({ method: 'DELETE', url: `/api/roles/${role.id}`, token: admin })).statusCode).toBe(204);
    expect(await can('audit.read', { project: 'shop' })).toBe(false);
    const left = await t.gh.ctx.db.selectFrom('access_grants').select('id').where('role_id', '=', role.id).execute();
    expect(left).toEqual([]);
    const [deleted] = (await auditRows(t, 'access.role.delete')).filter((r) => r.resource_id === String(role.id));
    expect(JSON.parse(deleted.details!)).toEqual({ name: 'release-manager' });
    expect(outcome(await t.inject({ method: 'DELETE', url: `/api/roles/${role.id}`, token: admin }))).toEqual([404, 'ROLE_NOT_FOUND']);
  });

  it('answers 404 for unknown roles and 403 to users without access.roles.manage', async () => {
    expect(outcome(await t.inject({ method: 'PATCH', url: '/api/roles/999999', token: admin, payload: { description: 'x' } }))).toEqual([
      404,
      'ROLE_NOT_FOUND',
    ]);
    expect(outcome(await t.inject({ method: 'PATCH', url: '/api/roles/abc', token: admin, payload: { description: 'x' } }))).toEqual([
      400,
      'VALIDATION_FAILED',
    ]);
    const before = await countRows(t, 'access_roles');
    expect(outcome(await createRole({ name: 'sneaky', permissions: ['*'] }, userToken))).toEqual([403, 'FORBIDDEN']);
    const ua = (await roles()).find((r) => r.name === 'user')!;
    expect(outcome(await t.inject({ method: 'DELETE', url: `/api/roles/${ua.id}`, token: userToken }))).toEqual([403, 'FORBIDDEN']);
    expect(await countRows(t, 'access_roles')).toBe(before);
  });
});
