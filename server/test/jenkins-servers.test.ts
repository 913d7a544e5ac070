import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createJenkinsSim, type JenkinsSim } from '../../tools/jenkins-sim/index.js';
import { createJenkinsTestApp, newUser, syncNow, type JenkinsTestApp } from './jenkins-helpers.js';

describe('Jenkins servers', () => {
  let j: JenkinsTestApp;
  let second: JenkinsSim;
  beforeAll(async () => {
    j = await createJenkinsTestApp();
    second = await createJenkinsSim({ port: 0, timeScale: 0.01, quietPeriodMs: 0 });
    second.createMultibranch('infra', { description: 'Second Jenkins' });
    second.addBranch('infra', 'main');
  });
  afterAll(async () => {
    await j.close();
    await second.close();
  });

  it('lists the server from JENKINS_URL with its token sealed, never returned', async () => {
    const res = await j.t.inject({ method: 'GET', url: '/api/jenkins/servers', token: j.admin });
    expect(res.statusCode).toBe(200);
    expect(res.json().items).toEqual([
      expect.objectContaining({ name: 'default', url: j.sim.url, username: 'admin', hasToken: true, isDefault: true, fromConfig: true }),
    ]);
    expect(res.body).not.toContain('admin-token');
    const row = await j.t.gh.ctx.db.selectFrom('jenkins_servers').selectAll().executeTakeFirstOrThrow();
    expect(row.token_enc).not.toContain('admin-token');
    expect(j.t.gh.ctx.secrets.open(row.token_enc)).toBe('admin-token');
  });

  it('refuses to edit or delete the server that comes from the configuration', async () => {
    const id = (await j.t.inject({ method: 'GET', url: '/api/jenkins/servers', token: j.admin })).json().items[0].id;
    const patch = await j.t.inject({
      method: 'PATCH',
      url: `/api/jenkins/servers/${id}`,
      token: j.admin,
      payload: { url: 'http://elsewhere:1' },
    });
    expect(patch.statusCode).toBe(409);
    expect(patch.json().error.code).toBe('JENKINS_SERVER_FROM_CONFIG');
    const del = await j.t.inject({ method: 'DELETE', url: `/api/jenkins/servers/${id}`, token: j.admin });
    expect(del.statusCode).toBe(409);
  });

  it('tests a connection: ok with the right token, a clear failure with a wrong one', async () => {
    const id = (await j.t.inject({ method: 'GET', url: '/api/jenkins/servers', token: j.admin })).json().items[0].id;
    const ok = await j.t.inject({ method: 'POST', url: `/api/jenkins/servers/${id}/test`, token: j.admin });
    expect(ok.json()).toMatchObject({ ok: true, user: 'admin' });
    const bad = await j.t.inject({
      method: 'POST',
      url: '/api/jenkins/servers',
      token: j.admin,
      payload: { name: 'wrong', url: j.sim.url, username: 'admin', token: 'nope' },
    });
    expect(bad.statusCode).toBe(201);
    const res = await j.t.inject({ method: 'POST', url: `/api/jenkins/servers/${bad.json().id}/test`, token: j.admin });
    expect(res.json().ok).toBe(false);
    expect(res.json().error).toBeTruthy();
    expect((await j.t.inject({ method: 'DELETE', url: `/api/jenkins/servers/${bad.json().id}`, token: j.admin })).statusCode).toBe(204);
  });

  it('adds a second server whose projects are prefixed with its name, and removes it with its data', async () => {
    const add = await j.t.inject({
      method: 'POST',
      url: '/api/jenkins/servers',
      token: j.admin,
      payload: { name: 'ci2', url: second.url, username: 'admin', token: 'admin-token' },
    });
    expect(add.statusCode).toBe(201);
    expect(add.body).not.toContain('admin-token');
    const s = await syncNow(j);
    expect(s.status).toBe('succeeded');
    const projects = (await j.t.inject({ method: 'GET', url: '/api/projects', token: j.admin }))
      .json()
      .items.map((p: { name: string }) => p.name);
    expect(projects).toContain('ci2:infra');
    expect(projects).toContain('shop-web');
    const dup = await j.t.inject({
      method: 'POST',
      url: '/api/jenkins/servers',
      token: j.admin,
      payload: { name: 'ci2', url: second.url, username: 'a', token: 't' },
    });
    expect(dup.statusCode).toBe(409);
    expect(dup.json().error.code).toBe('JENKINS_SERVER_NAME_TAKEN');
    const del = await j.t.inject({ method: 'DELETE', url: `/api/jenkins/servers/${add.json().id}`, token: j.admin });
    expect(del.statusCode).toBe(204);
    const after = (await j.t.inject({ method: 'GET', url: '/api/projects', token: j.admin }))
      .json()
      .items.map((p: { name: string }) => p.name);
    expect(after).not.toContain('ci2:infra');
    const audit = await j.t.inject({ method: 'GET', url: '/api/audit?action=jenkins.server.delete', token: j.admin });
    expect(audit.json().total).toBe(2);
  });

  it('rejects bad server input with 4xx codes and stores nothing', async () => {
    const before = (await j.t.inject({ method: 'GET', url: '/api/jenkins/servers', token: j.admin })).json().items.length;
    for (const payload of [
      { name: 'x', url: 'ftp://nope', username: 'a', token: 't' },
      { name: 'has space', url: 'http://ok:1', username: 'a', token: 't' },
      { name: 'x', url: 'http://ok:1', username: 'a' },
      { name: 'x', url: 'http://ok:1', username: 'a', token: 't', extra: true },
    ]) {
      const res = await j.t.inject({ method: 'POST', url: '/api/jenkins/servers', token: j.admin, payload });
      expect(res.statusCode, JSON.stringify(payload)).toBe(400);
      expect(res.json().error.code).toBe('VALIDATION_FAILED');
    }
    const unknown = await j.t.inject({ method: 'PATCH', url: '/api/jenkins/servers/9999', token: j.admin, payload: { username: 'z' } });
    expect(unknown.statusCode).toBe(404);
    expect((await j.t.inject({ method: 'GET', url: '/api/jenkins/servers', token: j.admin })).json().items.length).toBe(before);
    const u = await newUser(j);
    expect((await j.t.inject({ method: 'GET', url: '/api/jenkins/servers', token: u.token })).statusCode).toBe(403);
  });
});
