import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compilePattern, validatePattern } from '../src/modules/access/index.js';
import { createTestApp, describeDb, type TestApp } from './test-app.js';

const PW = 'Str0ng#Passw0rd';

describe('scope patterns', () => {
  it('matches exact names, globs, regexes and *', () => {
    expect(compilePattern('main')('main')).toBe(true);
    expect(compilePattern('main')('main2')).toBe(false);
    expect(compilePattern('feature/*')('feature/login')).toBe(true);
    expect(compilePattern('feature/*')('feature/a/b')).toBe(true);
    expect(compilePattern('feature/*')('release/1.2')).toBe(false);
    expect(compilePattern('/^release-\\d+$/')('release-12')).toBe(true);
    expect(compilePattern('/^release-\\d+$/')('release-x')).toBe(false);
    expect(compilePattern('*')(undefined)).toBe(true);
    expect(compilePattern('main')(undefined)).toBe(false);
  });
  it('refuses invalid and catastrophic regexes', () => {
    expect(() => validatePattern('branch', '/(/')).toThrow(/not a valid regular expression/);
    expect(() => validatePattern('branch', '/(a+)+$/')).toThrow(/nested quantifiers/);
    expect(() => validatePattern('branch', 'x'.repeat(201))).toThrow();
  });
});

describeDb('grants, roles, templates and explain over HTTP', () => {
  let t: TestApp;
  let admin: string;
  const users: Record<string, { id: number; token: string }> = {};

  const mkUser = async (username: string) => {
    const res = await t.inject({
      method: 'POST',
      url: '/api/users',
      token: admin,
      payload: { username, password: PW, roles: ['user'], mustChangePassword: false },
    });
    expect(res.statusCode, res.body).toBe(201);
    users[username] = { id: res.json().id, token: await t.login(username, PW) };
    return users[username];
  };
  const grant = (token: string, body: Record<string, unknown>) =>
    t.inject({ method: 'POST', url: '/api/access/grants', token, payload: body });
  const can = (userId: number, permission: string, resource = {}) => t.gh.modules.access.policy.can(userId, permission, resource);

  beforeAll(async () => {
    t = await createTestApp();
    admin = await t.adminToken();
    t.gh.ctx.permissions.declare({ code: 'demo.build', module: 'demo', description: 'Build a branch (test code)', scoped: true });
    await mkUser('pa');
    await mkUser('dev');
    await mkUser('ops');
  });
  afterAll(async () => t?.close());

  it('gives a permission on a branch pattern and nothing wider; takes effect at once', async () => {
    expect(await can(users.dev.id, 'demo.build', { project: 'shop', branch: 'feature/login' })).toBe(false);
    const res = await grant(admin, {
      subjectType: 'user',
      subjectId: users.dev.id,
      permission: 'demo.build',
      project: 'shop',
      branch: 'feature/*',
    });
    expect(res.statusCode, res.body).toBe(201);
    expect(await can(users.dev.id, 'demo.build', { project: 'shop', branch: 'feature/login' })).toBe(true);
    expect(await can(users.dev.id, 'demo.build', { project: 'shop', branch: 'main' })).toBe(false);
    expect(await can(users.dev.id, 'demo.build', { project: 'other', branch: 'feature/login' })).toBe(false);
    expect(await can(users.dev.id, 'demo.build')).toBe(false);
    const dup = await grant(admin, {
      subjectType: 'user',
      subjectId: users.dev.id,
      permission: 'demo.build',
      project: 'shop',
      branch: 'feature/*',
    });
    expect([dup.statusCode, dup.json().error.code]).toEqual([409, 'GRANT_EXISTS']);
    const rows = await t.gh.ctx.db
      .selectFrom('audit_events')
      .selectAll()
      .where('action', '=', 'access.grant.create')
      .where('project', '=', 'shop')
      .execute();
    expect(rows.length).toBeGreaterThan(0);
  });

  it('refuses malformed grants with codes and stores nothing', async () => {
    const before = await t.gh.ctx.db
      .selectFrom('access_grants')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    const cases: Array<[Record<string, unknown>, number, string]> = [
      [{ subjectType: 'user', subjectId: users.dev.id, role: 'user', permission: 'demo.build' }, 400, 'GRANT_ROLE_OR_PERMISSION'],
      [{ subjectType: 'user', subjectId: users.dev.id }, 400, 'GRANT_ROLE_OR_PERMISSION'],
      [{ subjectType: 'user', subjectId: users.dev.id, permission: 'no.such' }, 400, 'UNKNOWN_PERMISSION'],
      [{ subjectType: 'user', subjectId: users.dev.id, permission: 'demo.build', branch: '/(/' }, 400, 'INVALID_PATTERN'],
      [{ subjectType: 'user', subjectId: 99999, permission: 'demo.build' }, 404, 'SUBJECT_NOT_FOUND'],
      [{ subjectType: 'robot', subjectId: 1, permission: 'demo.build' }, 400, 'VALIDATION_FAILED'],
      [{ subjectType: 'user', subjectId: "1' OR 1=1 --", permission: 'demo.build' }, 400, 'VALIDATION_FAILED'],
    ];
    for (const [body, status, code] of cases) {
      const res = await grant(admin, body);
      expect([res.statusCode, res.json().error.code], JSON.stringify(body)).toEqual([status, code]);
    }
    const after = await t.gh.ctx.db
      .selectFrom('access_grants')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    expect(Number(after.n)).toBe(Number(before.n));
  });

  it('lets a project admin grant inside their project only, and never more than they hold', async () => {
    expect((await grant(admin, { subjectType: 'user', subjectId: users.pa.id, role: 'project-admin', project: 'shop' })).statusCode).toBe(
      201,
    );
    expect(
      (await grant(admin, { subjectType: 'user', subjectId: users.pa.id, permission: 'demo.build', project: 'shop' })).statusCode,
    ).toBe(201);
    const inside = await grant(users.pa.token, {
      subjectType: 'user',
      subjectId: users.ops.id,
      permission: 'demo.build',
      project: 'shop',
      branch: 'main',
    });
    expect(inside.statusCode, inside.body).toBe(201);
    const outside = await grant(users.pa.token, {
      subjectType: 'user',
      subjectId: users.ops.id,
      permission: 'demo.build',
      project: 'payments',
    });
    expect([outside.statusCode, outside.json().error.code]).toEqual([403, 'FORBIDDEN']);
    const everywhere = await grant(users.pa.token, {
      subjectType: 'user',
      subjectId: users.ops.id,
      permission: 'demo.build',
      project: '*',
    });
    expect(everywhere.statusCode).toBe(403);
    const escalate = await grant(users.pa.token, { subjectType: 'user', subjectId: users.ops.id, role: 'super-admin', project: 'shop' });
    expect(escalate.statusCode).toBe(403);
    const denied = await t.gh.ctx.db
      .selectFrom('audit_events')
      .selectAll()
      .where('action', '=', 'access.grant.create')
      .where('outcome', '=', 'denied')
      .execute();
    expect(denied.length).toBeGreaterThanOrEqual(3);
    const removeOther = await t.inject({ method: 'DELETE', url: `/api/access/grants/${inside.json().id}`, token: users.pa.token });
    expect(removeOther.statusCode).toBe(204);
  });

  it('reaches users through groups and explains which grant allowed it', async () => {
    const g = await t.inject({ method: 'POST', url: '/api/groups', token: admin, payload: { name: 'release-team', description: '' } });
    expect(g.statusCode, g.body).toBe(201);
    const gid = g.json().id;
    expect(
      (
        await grant(admin, {
          subjectType: 'group',
          subjectId: gid,
          permission: 'demo.build',
          project: 'payments',
          branch: '/^release-\\d+$/',
        })
      ).statusCode,
    ).toBe(201);
    expect(await can(users.ops.id, 'demo.build', { project: 'payments', branch: 'release-3' })).toBe(false);
    const add = await t.inject({ method: 'POST', url: `/api/groups/${gid}/members`, token: admin, payload: { userIds: [users.ops.id] } });
    expect(add.statusCode, add.body).toBeLessThan(300);
    expect(await can(users.ops.id, 'demo.build', { project: 'payments', branch: 'release-3' })).toBe(true);
    const ex = await t.inject({
      method: 'GET',
      url: `/api/access/explain?userId=${users.ops.id}&permission=demo.build&project=payments&branch=release-3`,
      token: admin,
    });
    expect(ex.json()).toMatchObject({ allowed: true, grant: { via: 'group', groupName: 'release-team' } });
    const no = await t.inject({
      method: 'GET',
      url: `/api/access/explain?userId=${users.ops.id}&permission=demo.build&project=payments&branch=main`,
      token: admin,
    });
    expect(no.json().allowed).toBe(false);
    expect(no.json().reason).toMatch(/none covers/);
    const other = await t.inject({
      method: 'GET',
      url: `/api/access/explain?userId=${users.pa.id}&permission=demo.build`,
      token: users.dev.token,
    });
    expect(other.statusCode).toBe(403);
  });

  it('manages roles: unknown codes refused, built-ins protected', async () => {
    const bad = await t.inject({
      method: 'POST',
      url: '/api/roles',
      token: admin,
      payload: { name: 'release-manager', permissions: ['nope.nothing'] },
    });
    expect([bad.statusCode, bad.json().error.code]).toEqual([400, 'UNKNOWN_PERMISSION']);
    const ok = await t.inject({
      method: 'POST',
      url: '/api/roles',
      token: admin,
      payload: { name: 'release-manager', displayName: 'Release manager', permissions: ['demo.build', 'audit.read'] },
    });
    expect(ok.statusCode).toBe(201);
    const roles = (await t.inject({ method: 'GET', url: '/api/roles', token: admin })).json().items as Array<{ id: number; name: string }>;
    const sa = roles.find((r) => r.name === 'super-admin')!;
    const del = await t.inject({ method: 'DELETE', url: `/api/roles/${sa.id}`, token: admin });
    expect([del.statusCode, del.json().error.code]).toEqual([409, 'ROLE_BUILTIN']);
    expect(
      (await t.inject({ method: 'POST', url: '/api/roles', token: users.dev.token, payload: { name: 'x-role', permissions: [] } }))
        .statusCode,
    ).toBe(403);
  });

  it('applies a template to many users at once, idempotently', async () => {
    const tpl = await t.inject({
      method: 'POST',
      url: '/api/access/templates',
      token: admin,
      payload: {
        name: 'shop developer',
        grants: [
          { permission: 'demo.build', project: 'shop', branch: 'develop' },
          { role: 'release-manager', project: 'shop' },
        ],
      },
    });
    expect(tpl.statusCode, tpl.body).toBe(201);
    const apply = () =>
      t.inject({
        method: 'POST',
        url: `/api/access/templates/${tpl.json().id}/apply`,
        token: admin,
        payload: { userIds: [users.dev.id, users.ops.id] },
      });
    expect((await apply()).json()).toEqual({ created: 4, skipped: 0 });
    expect((await apply()).json()).toEqual({ created: 0, skipped: 4 });
    expect(await can(users.ops.id, 'demo.build', { project: 'shop', branch: 'develop' })).toBe(true);
  });

  it("drops a deleted user's grants with the user", async () => {
    const id = users.dev.id;
    expect((await t.inject({ method: 'DELETE', url: `/api/users/${id}`, token: admin })).statusCode).toBe(204);
    const left = await t.gh.ctx.db
      .selectFrom('access_grants')
      .select('id')
      .where('subject_type', '=', 'user')
      .where('subject_id', '=', id)
      .execute();
    expect(left).toEqual([]);
  });

  it("replaces a user's roles on PATCH, and an admin without super-admin cannot hand it out by edit or import", async () => {
    const u = await mkUser('ivy');
    const roleNames = async () => (await t.inject({ method: 'GET', url: `/api/users/${u.id}`, token: admin })).json().roles as string[];
    expect(await roleNames()).toEqual(['user']);
    const patched = await t.inject({
      method: 'PATCH',
      url: `/api/users/${u.id}`,
      token: admin,
      payload: { roles: [{ role: 'project-admin', project: 'shop' }] },
    });
    expect(patched.statusCode, patched.body).toBe(200);
    expect(await roleNames()).toEqual(['project-admin@shop']);
    // An account manager who is not a super admin.
    const mgr = await mkUser('mgr');
    expect((await grant(admin, { subjectType: 'user', subjectId: mgr.id, permission: 'identity.users.manage' })).statusCode).toBe(201);
    const escalate = await t.inject({ method: 'PATCH', url: `/api/users/${u.id}`, token: mgr.token, payload: { roles: ['super-admin'] } });
    expect(escalate.statusCode).toBe(403);
    expect(await roleNames()).toEqual(['project-admin@shop']);
    const csv = 'username,password,display_name,email,roles,groups\nzed,Str0ng#Passw0rd,Zed,,super-admin,\n';
    const imp = await t.inject({ method: 'POST', url: '/api/users/import', token: mgr.token, payload: { csv } });
    expect(imp.statusCode).toBe(403);
    const zed = await t.gh.ctx.db.selectFrom('identity_users').select('id').where('username', '=', 'zed').executeTakeFirst();
    expect(zed).toBeUndefined();
  });

  it('tells the web app what the signed-in user holds', async () => {
    const me = await t.inject({ method: 'GET', url: '/api/access/me', token: users.pa.token });
    expect(me.statusCode).toBe(200);
    expect(me.json().roles).toContain('project-admin');
    expect(me.json().permissions).toEqual(
      expect.arrayContaining([expect.objectContaining({ code: 'demo.build', scopes: [expect.objectContaining({ project: 'shop' })] })]),
    );
  });
});
