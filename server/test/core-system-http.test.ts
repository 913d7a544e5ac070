import { afterAll, beforeAll, expect, it } from 'vitest';
import { ManualClock } from '../src/core/clock.js';
import { ADMIN_PASSWORD, createTestApp, describeDb, type TestApp } from './test-app.js';
import { TEST_DIALECT } from './test-db.js';

/** The HTTP side of backups, notifications and the audit export, as a signed-in admin uses it. */
describeDb(`system, notification and audit routes (${TEST_DIALECT})`, () => {
  let t: TestApp;
  let token = '';
  let adminId = 0;

  beforeAll(async () => {
    t = await createTestApp({ clock: new ManualClock('2030-01-01T00:00:00Z') });
    const res = await t.inject({ method: 'POST', url: '/api/auth/login', payload: { username: 'admin', password: ADMIN_PASSWORD } });
    expect(res.statusCode).toBe(200);
    token = res.json().accessToken as string;
    adminId = res.json().user.id as number;
  });
  afterAll(async () => t?.close());

  it('lists backups and takes one on demand (SQLite), or refuses with BACKUP_NOT_SUPPORTED (PostgreSQL)', async () => {
    const list = await t.inject({ method: 'GET', url: '/api/system/backups', token });
    expect(list.statusCode).toBe(200);
    expect(list.json()).toEqual({ items: [], dialect: TEST_DIALECT });

    const take = await t.inject({ method: 'POST', url: '/api/system/backups', token, payload: {} });
    if (TEST_DIALECT === 'postgres') {
      expect(take.statusCode).toBe(409);
      expect(take.json().error.code).toBe('BACKUP_NOT_SUPPORTED');
      return;
    }
    expect(take.statusCode).toBe(201);
    const file = take.json();
    expect(file).toMatchObject({ name: 'gatehouse-20300101-000000.db', createdAt: '2030-01-01T00:00:00.000Z' });
    expect(file.bytes).toBeGreaterThan(0);
    expect((await t.inject({ method: 'GET', url: '/api/system/backups', token })).json().items).toEqual([file]);
    const audit = await t.gh.modules.audit.service.list({ action: 'system.backup.create' }, 10, 0);
    expect(audit.items[0]).toMatchObject({ username: 'admin', resourceId: file.name, outcome: 'success' });
  });

  it('refuses backups to a signed-in user without system.backups.manage', async () => {
    const created = await t.inject({
      method: 'POST',
      url: '/api/users',
      token,
      payload: { username: 'operator', password: 'Oper#tor-2030', roles: ['user'] },
    });
    expect(created.statusCode).toBe(201);
    let res = await t.inject({ method: 'POST', url: '/api/auth/login', payload: { username: 'operator', password: 'Oper#tor-2030' } });
    let userToken = res.json().accessToken as string;
    if (res.json().user.mustChangePassword) {
      const changed = await t.inject({
        method: 'POST',
        url: '/api/auth/password',
        token: userToken,
        payload: { currentPassword: 'Oper#tor-2030', newPassword: 'N3w#Passw0rd!' },
      });
      expect([200, 204]).toContain(changed.statusCode);
      res = await t.inject({ method: 'POST', url: '/api/auth/login', payload: { username: 'operator', password: 'N3w#Passw0rd!' } });
      userToken = res.json().accessToken as string;
    }
    for (const method of ['GET', 'POST'] as const) {
      const denied = await t.inject({
        method,
        url: '/api/system/backups',
        token: userToken,
        ...(method === 'POST' ? { payload: {} } : {}),
      });
      expect(denied.statusCode).toBe(403);
      expect(denied.json().error.code).toBe('FORBIDDEN');
    }
  });

  it('shows my notifications and marks them read', async () => {
    const notify = t.gh.modules.notify.service;
    const mine = await notify.notifyUser(null, adminId, { kind: 'test', title: 'for admin', body: '你好' });
    await notify.notifyUser(null, adminId + 1000, { kind: 'test', title: 'for someone else', body: '' });
    const res = await t.inject({ method: 'GET', url: '/api/notifications?page=1&pageSize=20', token });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ total: 1, unread: 1, items: [{ id: mine, title: 'for admin', body: '你好', read: false }] });

    const bad = await t.inject({ method: 'POST', url: '/api/notifications/read', token, payload: { ids: ['x'] } });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.code).toBe('VALIDATION_FAILED');
    const read = await t.inject({ method: 'POST', url: '/api/notifications/read', token, payload: { ids: [mine] } });
    expect(read.json()).toEqual({ updated: 1 });
    expect((await t.inject({ method: 'GET', url: '/api/notifications?unread=true', token })).json()).toMatchObject({ total: 0, unread: 0 });
  });

  it('exports the audit trail as CSV with formulas defused, and verifies the chain', async () => {
    await t.gh.modules.audit.service.record(t.gh.ctx.db, { actor: { username: '=cmd()' }, action: 'test.http-csv' });
    const res = await t.inject({ method: 'GET', url: '/api/audit/export.csv?action=test.http-csv', token });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/csv/);
    expect(res.body.startsWith('\ufeffid,created_at,username')).toBe(true);
    expect(res.body).toContain(",'=cmd(),");
    const verify = await t.inject({ method: 'GET', url: '/api/audit/verify', token });
    expect(verify.json()).toMatchObject({ ok: true });
  });
});
