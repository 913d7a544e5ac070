import { afterAll, beforeAll, expect, it } from 'vitest';
import { createTestApp, describeDb, type TestApp } from './test-app.js';
import { TEST_DIALECT } from './test-db.js';
import { auditSince, countRows, createUser, lastAuditId, outcome, PW } from './identity-auth-helpers.js';

/** Seed 004: project admins grant only inside their projects, and never more than they hold. */
describeDb(`project admins (${TEST_DIALECT})`, () => {
  let t: TestApp;
  let admin: string;
  const u: Record<string, { id: number; token: string }> = {};

  const grant = (token: string, body: Record<string, unknown>) =>
    t.inject({ method: 'POST', url: '/api/access/grants', token, payload: body });
  const can = (who: string, permission: string, resource = {}) => t.gh.modules.access.policy.can(u[who].id, permission, resource);

  /** Expect a refusal that is 403, audited as denied for `who`, and stores nothing. */
  async function expectDenied(who: string, body: Record<string, unknown>, project: string | null, reason: RegExp) {
    const grants = await countRows(t, 'access_grants');
    const since = await lastAuditId(t);
    const res = await grant(u[who].token, { subjectType: 'user', subjectId: u.dev.id, ...body });
    expect(outcome(res), JSON.stringify(body)).toEqual([403, 'FORBIDDEN']);
    expect(res.json().error.message).toMatch(reason);
    expect(await countRows(t, 'access_grants')).toBe(grants);
    const events = await auditSince(t, since);
    expect(events.map((e) => [e.action, e.outcome, e.username, e.project])).toEqual([['access.grant.create', 'denied', who, project]]);
    expect(JSON.parse(events[0].details!)).toMatchObject({ reason: expect.stringMatching(reason) });
  }

  beforeAll(async () => {
    t = await createTestApp();
    admin = await t.adminToken();
    t.gh.ctx.permissions.declare({ code: 'demo.build', module: 'demo', description: 'Build a branch (test code)', scoped: true });
    for (const name of ['pa', 'qa', 'dev']) {
      const id = await createUser(t, admin, name);
      u[name] = { id, token: await t.login(name, PW) };
    }
    // pa: project admin of shop, may build anything in shop.
    for (const body of [
      { subjectType: 'user', subjectId: u.pa.id, role: 'project-admin', project: 'shop' },
      { subjectType: 'user', subjectId: u.pa.id, permission: 'demo.build', project: 'shop' },
      // qa: project admin of shop too, but may build only release branches there.
      { subjectType: 'user', subjectId: u.qa.id, role: 'project-admin', project: 'shop' },
      { subjectType: 'user', subjectId: u.qa.id, permission: 'demo.build', project: 'shop', branch: 'release/*' },
    ]) {
      expect((await grant(admin, body)).statusCode).toBe(201);
    }
  });
  afterAll(async () => t?.close());

  it('grants inside the project: permissions they hold, on branches and environments', async () => {
    for (const body of [
      { permission: 'demo.build', project: 'shop', branch: 'main' },
      { permission: 'demo.build', project: 'shop', branch: 'feature/*', environment: 'staging' },
      { role: 'user', project: 'shop' },
    ]) {
      const res = await grant(u.pa.token, { subjectType: 'user', subjectId: u.dev.id, ...body });
      expect(res.statusCode, `${JSON.stringify(body)} ${res.body}`).toBe(201);
      expect(res.json()).toMatchObject({ grantedBy: u.pa.id, project: 'shop' });
    }
    expect(await can('dev', 'demo.build', { project: 'shop', branch: 'main' })).toBe(true);
    expect(await can('dev', 'demo.build', { project: 'shop', branch: 'feature/x', environment: 'staging' })).toBe(true);
    expect(await can('dev', 'demo.build', { project: 'payments', branch: 'main' })).toBe(false);
  });

  it('is refused outside the project, on every project, and on project patterns — audited as denied', async () => {
    await expectDenied('pa', { permission: 'demo.build', project: 'payments' }, 'payments', /may not manage grants in project payments/);
    await expectDenied('pa', { permission: 'demo.build' }, null, /global administrator/);
    await expectDenied('pa', { permission: 'demo.build', project: '*' }, null, /global administrator/);
    await expectDenied('pa', { permission: 'demo.build', project: 'sh*' }, null, /global administrator/);
    await expectDenied('pa', { permission: 'demo.build', project: '/^shop$/' }, null, /global administrator/);
    await expectDenied('pa', { role: 'project-admin', project: 'payments' }, 'payments', /may not manage grants/);
  });

  it('cannot hand out what it does not hold (no escalation) — audited as denied', async () => {
    await expectDenied('pa', { role: 'super-admin', project: 'shop' }, 'shop', /cannot grant \*/);
    await expectDenied(
      'pa',
      { permission: 'audit.read', project: 'shop' },
      'shop',
      /cannot grant audit\.read: you do not hold it globally/,
    );
    await expectDenied('pa', { permission: 'identity.users.manage', project: 'shop' }, 'shop', /identity\.users\.manage/);
    // identity.users.read comes with the role, but only on shop; it is a global-only code.
    await expectDenied(
      'pa',
      { permission: 'identity.users.read', project: 'shop' },
      'shop',
      /identity\.users\.read: you do not hold it globally/,
    );
    await expectDenied('pa', { permission: 'access.roles.manage', project: 'shop' }, 'shop', /access\.roles\.manage/);
    // Not even another project admin for shop: the role carries identity.users.read, a global-only
    // code that pa holds on shop alone (where it means nothing).
    await expectDenied('pa', { role: 'project-admin', project: 'shop' }, 'shop', /identity\.users\.read: you do not hold it globally/);
    // qa builds only release branches: no wider branch, no other pattern.
    await expectDenied('qa', { permission: 'demo.build', project: 'shop' }, 'shop', /demo\.build: you do not hold it on that scope/);
    await expectDenied('qa', { permission: 'demo.build', project: 'shop', branch: 'main' }, 'shop', /on that scope/);
    await expectDenied('qa', { permission: 'demo.build', project: 'shop', branch: '/^release\\/.*$/' }, 'shop', /on that scope/);
    for (const branch of ['release/1.0', 'release/*', 'release/2.*']) {
      const res = await grant(u.qa.token, { subjectType: 'user', subjectId: u.dev.id, permission: 'demo.build', project: 'shop', branch });
      expect(res.statusCode, branch).toBe(201);
    }
    expect(await can('dev', 'access.roles.manage')).toBe(false);
  });

  it('removes grants inside the project only; a refused removal is audited as a denied delete', async () => {
    const inside = (
      await t.inject({ method: 'GET', url: `/api/access/grants?subjectType=user&subjectId=${u.dev.id}&project=shop`, token: u.pa.token })
    )
      .json()
      .items.find((g: { branch: string; permission: string }) => g.branch === 'main' && g.permission === 'demo.build');
    expect(inside).toBeTruthy();
    const outside = await grant(admin, { subjectType: 'user', subjectId: u.dev.id, permission: 'demo.build', project: 'payments' });
    expect(outside.statusCode).toBe(201);

    const since = await lastAuditId(t);
    const refused = await t.inject({ method: 'DELETE', url: `/api/access/grants/${outside.json().id}`, token: u.pa.token });
    expect(outcome(refused)).toEqual([403, 'FORBIDDEN']);
    expect(await can('dev', 'demo.build', { project: 'payments', branch: 'x' })).toBe(true);
    const events = await auditSince(t, since);
    expect(events.map((e) => [e.action, e.outcome, e.username, e.project, e.resource_id])).toEqual([
      ['access.grant.delete', 'denied', 'pa', 'payments', String(outside.json().id)],
    ]);

    expect((await t.inject({ method: 'DELETE', url: `/api/access/grants/${inside.id}`, token: u.pa.token })).statusCode).toBe(204);
    expect(await can('dev', 'demo.build', { project: 'shop', branch: 'main' })).toBe(false);
    // Nor can it take away what it could not give.
    const sa = await grant(admin, { subjectType: 'user', subjectId: u.dev.id, role: 'super-admin', project: 'shop' });
    expect(sa.statusCode).toBe(201);
    expect(outcome(await t.inject({ method: 'DELETE', url: `/api/access/grants/${sa.json().id}`, token: u.pa.token }))).toEqual([
      403,
      'FORBIDDEN',
    ]);
    expect((await t.inject({ method: 'DELETE', url: `/api/access/grants/${sa.json().id}`, token: admin })).statusCode).toBe(204);
  });

  it('reads grants and explains decisions inside the project only', async () => {
    const get = (url: string) => t.inject({ method: 'GET', url, token: u.pa.token });
    expect((await get('/api/access/grants?project=shop')).statusCode).toBe(200);
    expect(outcome(await get('/api/access/grants'))).toEqual([403, 'FORBIDDEN']);
    expect(outcome(await get('/api/access/grants?project=payments'))).toEqual([403, 'FORBIDDEN']);
    expect((await get(`/api/access/explain?userId=${u.dev.id}&permission=demo.build&project=shop&branch=feature/x`)).json()).toMatchObject({
      allowed: false,
    });
    expect(outcome(await get(`/api/access/explain?userId=${u.dev.id}&permission=demo.build`))).toEqual([403, 'FORBIDDEN']);
    expect(outcome(await get(`/api/access/explain?userId=${u.dev.id}&permission=demo.build&project=payments`))).toEqual([403, 'FORBIDDEN']);
  });

  it('applies a template only when every entry is inside its project, all or nothing', async () => {
    const mk = async (name: string, grants: Array<Record<string, unknown>>) => {
      const res = await t.inject({ method: 'POST', url: '/api/access/templates', token: admin, payload: { name, grants } });
      expect(res.statusCode, res.body).toBe(201);
      return res.json().id as number;
    };
    const apply = (id: number) =>
      t.inject({ method: 'POST', url: `/api/access/templates/${id}/apply`, token: u.pa.token, payload: { userIds: [u.dev.id] } });
    const shopOnly = await mk('shop tester', [{ permission: 'demo.build', project: 'shop', branch: 'test/*' }]);
    const mixed = await mk('shop and everywhere', [
      { permission: 'demo.build', project: 'shop', branch: 'qa/*' },
      { permission: 'demo.build', project: '*', branch: 'qa/*' },
    ]);
    expect((await apply(shopOnly)).json()).toEqual({ created: 1, skipped: 0 });
    const before = await countRows(t, 'access_grants');
    expect(outcome(await apply(mixed))).toEqual([403, 'FORBIDDEN']);
    expect(await countRows(t, 'access_grants')).toBe(before);
    expect(await can('dev', 'demo.build', { project: 'shop', branch: 'qa/1' })).toBe(false);
    // Creating templates needs access.templates.manage, which a project admin does not have.
    const own = await t.inject({
      method: 'POST',
      url: '/api/access/templates',
      token: u.pa.token,
      payload: { name: 'mine', grants: [{ permission: 'demo.build', project: 'shop' }] },
    });
    expect(outcome(own)).toEqual([403, 'FORBIDDEN']);
  });

  it('gives a plain user no way to grant anything', async () => {
    await expectDenied(
      'dev',
      { permission: 'demo.build', project: 'shop', branch: 'test/1' },
      'shop',
      /may not manage grants in project shop/,
    );
  });
});
