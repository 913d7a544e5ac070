import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createJenkinsTestApp, enc, grant, newUser, syncNow, type JenkinsTestApp } from './jenkins-helpers.js';

const names = (res: { json(): { items: { name: string }[] } }) => res.json().items.map((x) => x.name);

describe('branch-level access to Jenkins', () => {
  let j: JenkinsTestApp;
  beforeAll(async () => {
    j = await createJenkinsTestApp();
    await syncNow(j);
  });
  afterAll(() => j.close());

  it('shows a user with no grant no project at all', async () => {
    const u = await newUser(j);
    const res = await j.t.inject({ method: 'GET', url: '/api/projects', token: u.token });
    expect(res.statusCode).toBe(200);
    expect(res.json().items).toEqual([]);
    const b = await j.t.inject({ method: 'GET', url: '/api/projects/shop-web/branches', token: u.token });
    expect(b.statusCode).toBe(404);
    expect(b.json().error.code).toBe('PROJECT_NOT_FOUND');
  });

  it('lets view-only see a branch but not build it: 403 and nothing sent to Jenkins', async () => {
    const u = await newUser(j);
    expect((await grant(j, { userId: u.id, project: 'shop-web', branch: 'main', canView: true, canBuild: false })).statusCode).toBe(201);
    const projects = await j.t.inject({ method: 'GET', url: '/api/projects', token: u.token });
    expect(projects.json().items).toEqual([expect.objectContaining({ name: 'shop-web', branchCount: 1 })]);
    const branches = await j.t.inject({ method: 'GET', url: '/api/projects/shop-web/branches', token: u.token });
    expect(names(branches)).toEqual(['main']);
    expect(branches.json().items[0].canBuild).toBe(false);
    const before = j.sim.requests.length;
    const build = await j.t.inject({ method: 'POST', url: '/api/projects/shop-web/branches/main/builds', token: u.token, payload: {} });
    expect(build.statusCode).toBe(403);
    expect(build.json().error.code).toBe('FORBIDDEN');
    expect(j.sim.requests.length).toBe(before);
    const denied = await j.t.inject({ method: 'GET', url: '/api/audit?action=jenkins.build.trigger&outcome=denied', token: j.admin });
    expect(denied.json().items.some((e: { username: string }) => e.username === u.username)).toBe(true);
  });

  it("answers 404 for another user's branch and sends nothing to Jenkins", async () => {
    const u = await newUser(j);
    await grant(j, { userId: u.id, project: 'shop-web', branch: 'main', canView: true, canBuild: true });
    const before = j.sim.requests.length;
    for (const url of [
      `/api/projects/shop-web/branches/${enc('feature/login')}/parameters`,
      `/api/projects/shop-web/branches/${enc('feature/login')}/builds`,
      `/api/projects/shop-web/branches/${enc('feature/login')}/builds/1`,
      `/api/projects/shop-web/branches/${enc('feature/login')}/builds/1/log`,
      `/api/projects/payments/branches/main/builds`,
    ]) {
      const res = await j.t.inject({ method: 'GET', url, token: u.token });
      expect(res.statusCode, url).toBe(404);
    }
    const post = await j.t.inject({ method: 'POST', url: `/api/projects/payments/branches/main/builds`, token: u.token, payload: {} });
    expect(post.statusCode).toBe(404);
    expect(j.sim.requests.length).toBe(before);
  });

  it('matches glob and regex branch patterns', async () => {
    const u = await newUser(j);
    await grant(j, { userId: u.id, project: 'shop-web', branch: 'feature/*', canView: true, canBuild: false });
    await grant(j, { userId: u.id, project: '/^pay/', branch: '/^release\\/\\d+\\.\\d+$/', canView: true, canBuild: true });
    const shop = await j.t.inject({ method: 'GET', url: '/api/projects/shop-web/branches', token: u.token });
    expect(names(shop)).toEqual(['feature/login']);
    const pay = await j.t.inject({ method: 'GET', url: '/api/projects/payments/branches', token: u.token });
    expect(pay.json().items).toEqual([expect.objectContaining({ name: 'release/1.2', canBuild: true })]);
  });

  it('refuses a bad pattern, a duplicate, an empty grant and a missing subject with 4xx codes, storing nothing', async () => {
    const u = await newUser(j);
    const cases: [Record<string, unknown>, number, string][] = [
      [{ userId: u.id, project: 'shop-web', branch: '/(a+)+/', canView: true }, 400, 'INVALID_PATTERN'],
      [{ userId: u.id, project: 'shop-web', branch: 'main', canView: false, canBuild: false }, 400, 'GRANT_EMPTY'],
      [{ project: 'shop-web', branch: 'main', canView: true }, 400, 'GRANT_SUBJECT'],
      [{ userId: 999999, project: 'shop-web', branch: 'main', canView: true }, 404, 'SUBJECT_NOT_FOUND'],
      [{ userId: u.id, project: 'shop-web', branch: { $ne: null }, canView: true }, 400, 'VALIDATION_FAILED'],
      [{ userId: u.id, project: 'shop-web', branch: 'main', canView: 'yes please' }, 400, 'VALIDATION_FAILED'],
      [{ userId: u.id, project: 'shop-web', branch: 'main', canView: true, extra: 1 }, 400, 'VALIDATION_FAILED'],
    ];
    for (const [body, status, code] of cases) {
      const res = await grant(j, body);
      expect(res.statusCode, JSON.stringify(body)).toBe(status);
      expect(res.json().error.code).toBe(code);
    }
    expect((await j.t.inject({ method: 'GET', url: `/api/grants?userId=${u.id}`, token: j.admin })).json().items).toEqual([]);
    expect((await grant(j, { userId: u.id, project: 'shop-web', branch: 'main', canView: true })).statusCode).toBe(201);
    const dup = await grant(j, { userId: u.id, project: 'shop-web', branch: 'main', canView: true, canBuild: true });
    expect(dup.statusCode).toBe(409);
    expect(dup.json().error.code).toBe('GRANT_EXISTS');
    // SQL meta-characters are just characters: stored as given, nothing else touched.
    const sqlish = "x'; drop table access_grants; --";
    const odd = await grant(j, { userId: u.id, project: sqlish, branch: 'main', canView: true });
    expect(odd.statusCode).toBe(201);
    const list = await j.t.inject({ method: 'GET', url: `/api/grants?userId=${u.id}&project=${enc(sqlish)}`, token: j.admin });
    expect(list.json().items).toEqual([expect.objectContaining({ project: sqlish })]);
  });

  it('switches view ↔ build, and a deleted grant takes the branch away at once', async () => {
    const u = await newUser(j);
    const g = (await grant(j, { userId: u.id, project: 'payments', branch: 'main', canView: true })).json();
    const up = await j.t.inject({ method: 'PATCH', url: `/api/grants/${g.id}`, token: j.admin, payload: { canBuild: true } });
    expect(up.statusCode).toBe(200);
    expect(up.json()).toMatchObject({ canBuild: true, project: 'payments', branch: 'main' });
    const b = await j.t.inject({ method: 'GET', url: '/api/projects/payments/branches', token: u.token });
    expect(b.json().items[0].canBuild).toBe(true);
    const del = await j.t.inject({ method: 'DELETE', url: `/api/grants/${up.json().id}`, token: j.admin });
    expect(del.statusCode).toBe(204);
    expect((await j.t.inject({ method: 'GET', url: '/api/projects', token: u.token })).json().items).toEqual([]);
    const again = await j.t.inject({ method: 'DELETE', url: `/api/grants/${up.json().id}`, token: j.admin });
    expect(again.statusCode).toBe(404);
    const audit = await j.t.inject({ method: 'GET', url: '/api/audit?action=access.grant.delete', token: j.admin });
    expect(audit.json().total).toBeGreaterThan(0);
  });

  it('grants through a group', async () => {
    const u = await newUser(j);
    const grp = await j.t.inject({ method: 'POST', url: '/api/groups', token: j.admin, payload: { name: `devs-${u.id}` } });
    expect(grp.statusCode).toBe(201);
    const add = await j.t.inject({
      method: 'PUT',
      url: `/api/groups/${grp.json().id}/members`,
      token: j.admin,
      payload: { userIds: [u.id] },
    });
    expect(add.statusCode).toBeLessThan(300);
    expect((await grant(j, { groupId: grp.json().id, project: 'shop-web', branch: 'develop', canView: true })).statusCode).toBe(201);
    const res = await j.t.inject({ method: 'GET', url: '/api/projects/shop-web/branches', token: u.token });
    expect(names(res)).toEqual(['develop']);
  });

  it('applies a permission template of branch roles to many users', async () => {
    const a = await newUser(j);
    const b = await newUser(j);
    const tpl = await j.t.inject({
      method: 'POST',
      url: '/api/access/templates',
      token: j.admin,
      payload: {
        name: `release-${a.id}`,
        description: 'release branches',
        grants: [{ role: 'jenkins-builder', project: '*', branch: 'release/*' }],
      },
    });
    expect(tpl.statusCode, tpl.body).toBe(201);
    const apply = await j.t.inject({
      method: 'POST',
      url: `/api/access/templates/${tpl.json().id}/apply`,
      token: j.admin,
      payload: { userIds: [a.id, b.id] },
    });
    expect(apply.statusCode, apply.body).toBeLessThan(300);
    for (const u of [a, b]) {
      const res = await j.t.inject({ method: 'GET', url: '/api/projects', token: u.token });
      expect(
        res
          .json()
          .items.map((p: { name: string }) => p.name)
          .sort(),
      ).toEqual(['payments', 'platform/deploy-api', 'shop-web']);
      const list = await j.t.inject({ method: 'GET', url: `/api/grants?userId=${u.id}`, token: u.token });
      expect(list.json().items).toEqual([expect.objectContaining({ project: '*', branch: 'release/*', canBuild: true })]);
    }
  });

  it('lets a project admin grant inside their project only, and see only it in the tree', async () => {
    const pa = await newUser(j);
    const dev = await newUser(j);
    const r = await j.t.inject({
      method: 'POST',
      url: '/api/access/grants',
      token: j.admin,
      payload: { subjectType: 'user', subjectId: pa.id, role: 'project-admin', project: 'payments' },
    });
    expect(r.statusCode, r.body).toBe(201);
    const ok = await grant(j, { userId: dev.id, project: 'payments', branch: 'develop', canView: true, canBuild: true }, pa.token);
    expect(ok.statusCode).toBe(201);
    const no = await grant(j, { userId: dev.id, project: 'shop-web', branch: 'main', canView: true }, pa.token);
    expect(no.statusCode).toBe(403);
    const tree = await j.t.inject({ method: 'GET', url: '/api/jenkins/tree', token: pa.token });
    expect(tree.json().items.map((p: { project: string }) => p.project)).toEqual(['payments']);
    const plain = await j.t.inject({ method: 'GET', url: '/api/jenkins/tree', token: dev.token });
    expect(plain.json().items).toEqual([]);
    const other = await j.t.inject({ method: 'GET', url: `/api/grants?userId=${pa.id}`, token: dev.token });
    expect(other.statusCode).toBe(403);
  });

  it('filters the assignment tree by fuzzy text, glob and regex', async () => {
    const q = async (s: string) =>
      (await j.t.inject({ method: 'GET', url: `/api/jenkins/tree?q=${enc(s)}`, token: j.admin })).json().items as {
        project: string;
        branches: string[];
      }[];
    const glob = await q('feature/*');
    expect(glob.find((p) => p.project === 'shop-web')?.branches).toEqual(['feature/login']);
    const rx = await q('/^release/');
    expect(rx.map((p) => p.project)).toContain('release-train');
    expect(rx.find((p) => p.project === 'shop-web')?.branches).toEqual(['release/1.2']);
    const fuzzy = await q('shpweb');
    expect(fuzzy.map((p) => p.project)).toEqual(['shop-web']);
    const bad = await j.t.inject({ method: 'GET', url: `/api/jenkins/tree?q=${enc('/(a+)+/')}`, token: j.admin });
    expect(bad.statusCode).toBe(400);
  });

  it('keeps favourites per user, first in the list', async () => {
    const u = await newUser(j);
    await grant(j, { userId: u.id, project: '*', branch: '*', canView: true });
    const put = await j.t.inject({ method: 'PUT', url: `/api/projects/${enc('platform/deploy-api')}/favourite`, token: u.token });
    expect(put.statusCode).toBe(204);
    const list = await j.t.inject({ method: 'GET', url: '/api/projects?sort=name', token: u.token });
    expect(list.json().items[0]).toMatchObject({ name: 'platform/deploy-api', favourite: true });
    const unknown = await j.t.inject({ method: 'PUT', url: `/api/projects/nope/favourite`, token: u.token });
    expect(unknown.statusCode).toBe(404);
    const byLast = await j.t.inject({ method: 'GET', url: '/api/projects?sort=lastBuild', token: u.token });
    expect(byLast.statusCode).toBe(200);
    const bad = await j.t.inject({ method: 'GET', url: '/api/projects?sort=size', token: u.token });
    expect(bad.statusCode).toBe(400);
  });
});
