import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createJenkinsTestApp, enc, grant, newUser, syncNow, type JenkinsTestApp } from './jenkins-helpers.js';

describe('Jenkins sync', () => {
  let j: JenkinsTestApp;
  beforeAll(async () => {
    j = await createJenkinsTestApp();
  });
  afterAll(() => j.close());

  it('answers 404 SYNC_NEVER_RUN before the first sync, then 202 and running → succeeded', async () => {
    const none = await j.t.inject({ method: 'GET', url: '/api/jenkins/sync/latest', token: j.admin });
    expect(none.statusCode).toBe(404);
    expect(none.json().error.code).toBe('SYNC_NEVER_RUN');
    const started = await j.t.inject({ method: 'POST', url: '/api/jenkins/sync', token: j.admin });
    expect(started.statusCode).toBe(202);
    expect(started.json().status).toBe('running');
    const during = await j.t.inject({ method: 'GET', url: '/api/jenkins/sync/latest', token: j.admin });
    expect(during.json().status).toBe('running');
    await j.t.gh.ctx.jobs.drain();
    const done = (await j.t.inject({ method: 'GET', url: '/api/jenkins/sync/latest', token: j.admin })).json();
    expect(done.status).toBe('succeeded');
    expect(done.progress.done).toBe(done.progress.total);
    expect(done.added.projects).toEqual(expect.arrayContaining(['shop-web', 'payments', 'platform/deploy-api', 'release-train']));
  });

  it('stores projects with description and branches with their last build and commit', async () => {
    const res = await j.t.inject({ method: 'GET', url: '/api/projects', token: j.admin });
    expect(res.statusCode).toBe(200);
    const shop = res.json().items.find((p: { name: string }) => p.name === 'shop-web');
    expect(shop).toMatchObject({ description: 'Customer-facing web shop', branchCount: 4 });
    const branches = await j.t.inject({ method: 'GET', url: '/api/projects/shop-web/branches', token: j.admin });
    const main = branches.json().items.find((b: { name: string }) => b.name === 'main');
    expect(main.lastBuild).toMatchObject({ number: 3, result: 'SUCCESS', building: false });
    expect(main.lastBuild.commit.message).toBe('Fix checkout total rounding');
    const login = branches.json().items.find((b: { name: string }) => b.name === 'feature/login');
    expect(login.lastBuild.result).toBe('ABORTED');
    // A standalone job is a project with one branch named "default".
    const rt = await j.t.inject({ method: 'GET', url: '/api/projects/release-train/branches', token: j.admin });
    expect(rt.json().items.map((b: { name: string }) => b.name)).toEqual(['default']);
    // A project inside a folder keeps its full path; its URL segment is encoded.
    const nested = await j.t.inject({ method: 'GET', url: `/api/projects/${enc('platform/deploy-api')}/branches`, token: j.admin });
    expect(nested.statusCode).toBe(200);
    expect(nested.json().items.map((b: { name: string }) => b.name)).toContain('feature/login');
  });

  it('makes at most one request per project after listing them', async () => {
    const before = j.sim.requests.length;
    const s = await syncNow(j);
    const made = j.sim.requests.slice(before).filter((r) => r.path.includes('/api/json'));
    expect(made.length).toBeLessThanOrEqual(s.projects + 3);
  });

  it('detects new and removed projects and branches, and lists grants on removed ones as orphans', async () => {
    const u = await newUser(j);
    const onBranch = await grant(j, { userId: u.id, project: 'shop-web', branch: 'develop', canView: true, canBuild: false });
    expect(onBranch.statusCode).toBe(201);
    const onProject = await grant(j, { userId: u.id, project: 'payments', branch: '*', canView: true, canBuild: true });
    expect(onProject.statusCode).toBe(201);
    const onPattern = await grant(j, { userId: u.id, project: 'gone-*', branch: '*', canView: true, canBuild: false });
    expect(onPattern.statusCode).toBe(201);

    j.sim.removeBranch('shop-web', 'develop', 'delete');
    j.sim.addBranch('shop-web', 'hotfix/cart');
    j.sim.createMultibranch('new-svc', { description: 'A new service' });
    j.sim.addBranch('new-svc', 'main');
    const s = await syncNow(j);
    expect(s.added.projects).toContain('new-svc');
    expect(s.added.branches).toContain('shop-web » hotfix/cart');
    expect(s.removed.branches).toContain('shop-web » develop');

    const orphans = await j.t.inject({ method: 'GET', url: '/api/jenkins/orphans', token: j.admin });
    expect(orphans.statusCode).toBe(200);
    const items = orphans.json().items as { grantId: number; reason: string }[];
    expect(items).toEqual([expect.objectContaining({ grantId: onBranch.json().id, reason: 'branch-removed', branch: 'develop' })]);

    // Keep it: no longer listed, and the grant is still there.
    const kept = await j.t.inject({ method: 'POST', url: `/api/jenkins/orphans/${onBranch.json().id}/keep`, token: j.admin });
    expect(kept.statusCode).toBe(204);
    expect((await j.t.inject({ method: 'GET', url: '/api/jenkins/orphans', token: j.admin })).json().items).toEqual([]);
    const list = await j.t.inject({ method: 'GET', url: `/api/grants?userId=${u.id}`, token: j.admin });
    expect(list.json().items.map((g: { id: number }) => g.id)).toContain(onBranch.json().id);
  });

  it('keeps the last synced data when Jenkins is down, marks it stale, and recovers', async () => {
    j.sim.setDown('reset');
    const s = await syncNow(j);
    expect(s.status).toBe('failed');
    expect(s.error).toMatch(/last synced data/);
    const res = await j.t.inject({ method: 'GET', url: '/api/projects', token: j.admin });
    expect(res.statusCode).toBe(200);
    expect(res.json().stale).toBe(true);
    expect(res.json().syncedAt).not.toBeNull();
    expect(res.json().items.map((p: { name: string }) => p.name)).toContain('shop-web');
    j.sim.setDown(false);
    await new Promise((r) => setTimeout(r, 1100));
    const again = await syncNow(j);
    expect(again.status).toBe('succeeded');
    expect((await j.t.inject({ method: 'GET', url: '/api/projects', token: j.admin })).json().stale).toBe(false);
  });

  it('refuses sync and server management to a user without jenkins.manage, with nothing sent to Jenkins', async () => {
    const u = await newUser(j);
    const before = j.sim.requests.length;
    for (const [method, url] of [
      ['POST', '/api/jenkins/sync'],
      ['GET', '/api/jenkins/sync/latest'],
      ['GET', '/api/jenkins/servers'],
      ['GET', '/api/jenkins/orphans'],
    ] as const) {
      const res = await j.t.inject({ method, url, token: u.token });
      expect(res.statusCode, url).toBe(403);
      expect(res.json().error.code).toBe('FORBIDDEN');
    }
    expect(j.sim.requests.length).toBe(before);
  });

  it('audits a manual sync', async () => {
    const res = await j.t.inject({ method: 'GET', url: '/api/audit?action=jenkins.sync.start', token: j.admin });
    expect(res.json().total).toBeGreaterThan(0);
  });
});
