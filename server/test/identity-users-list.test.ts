import { afterAll, beforeAll, expect, it } from 'vitest';
import type { ManualClock } from '../src/core/clock.js';
import { describeDb } from './test-app.js';
import { adminFixture, createUser, expectError, type AdminFixture } from './identity-users-helpers.js';

describeDb('user administration: the list and its filters', () => {
  let f: AdminFixture;
  const ids: Record<string, number> = {};
  beforeAll(async () => {
    f = await adminFixture();
    await f.t.inject({ method: 'POST', url: '/api/groups', token: f.admin, payload: { name: 'qa' } });
    const people: Record<string, unknown>[] = [
      { username: 'anna', displayName: 'Anna 100% Sure', email: 'anna@corp.example', roles: ['user'], groups: ['qa'] },
      { username: 'ben_x', displayName: 'Ben', email: 'ben@corp.example', roles: ['user'] },
      { username: 'benz', displayName: 'Ben Two', email: 'benz@other.example' },
      { username: 'chen', displayName: '陈静', email: null, roles: ['project-admin'] },
      { username: 'dora', displayName: "D'Ora", email: 'dora@corp.example' },
      { username: 'eli', displayName: 'Eli', email: 'eli@corp.example' },
    ];
    for (const p of people) ids[p.username as string] = (await createUser(f, p)).id;
    await f.t.inject({ method: 'POST', url: `/api/users/${ids.dora}/disable`, token: f.admin });
    await f.t.inject({ method: 'POST', url: `/api/users/${ids.eli}/lock`, token: f.admin });
    // benz is inside an automatic lockout (failed sign-ins), ben_x's lockout has run out.
    const now = f.t.clock.now().getTime();
    await f.t.gh.ctx.db
      .updateTable('identity_users')
      .set({ locked_until: new Date(now + 10 * 60_000).toISOString() })
      .where('id', '=', ids.benz)
      .execute();
    await f.t.gh.ctx.db
      .updateTable('identity_users')
      .set({ locked_until: new Date(now - 10 * 60_000).toISOString() })
      .where('id', '=', ids.ben_x)
      .execute();
  });
  afterAll(async () => f?.t.close());

  const list = async (query: string, status = 200) => {
    const res = await f.t.inject({ method: 'GET', url: `/api/users?${query}`, token: f.admin });
    expect(res.statusCode, res.body).toBe(status);
    return res.json();
  };
  const names = (body: { items: { username: string }[] }) => body.items.map((u) => u.username);

  it('pages through all users in username order with the total', async () => {
    const p1 = await list('page=1&pageSize=3');
    expect(p1).toMatchObject({ total: 7, page: 1, pageSize: 3 });
    expect(names(p1)).toEqual(['admin', 'anna', 'ben_x']);
    expect(names(await list('page=3&pageSize=3'))).toEqual(['eli']);
    expect((await list('page=9&pageSize=3')).items).toEqual([]);
    const all = await list('');
    expect(all.pageSize).toBe(20);
    const anna = all.items.find((u: { username: string }) => u.username === 'anna');
    expect(anna).toMatchObject({
      displayName: 'Anna 100% Sure',
      status: 'active',
      mustChangePassword: true,
      mfaEnabled: false,
      lastLoginAt: null,
      roles: ['user'],
    });
    expect(anna.groups).toEqual([{ id: expect.any(Number), name: 'qa' }]);
    expect(Object.keys(anna)).not.toContain('passwordHash');
    expect(JSON.stringify(all)).not.toContain('$2b$');
  });

  it('matches q against username, display name and e-mail, case-insensitively', async () => {
    expect(names(await list('q=BEN'))).toEqual(['ben_x', 'benz']);
    expect(names(await list('q=other.example'))).toEqual(['benz']);
    expect(names(await list('q=%E9%99%88'))).toEqual(['chen']);
    expect(names(await list('q=ANNA%40CORP'))).toEqual(['anna']);
  });

  it('treats LIKE wildcards and SQL in q literally', async () => {
    expect(names(await list('q=%25'))).toEqual(['anna']); // "%" only in "100% Sure"
    expect(names(await list('q=_'))).toEqual(['ben_x']); // "_" only in ben_x
    expect(names(await list(`q=${encodeURIComponent("D'O")}`))).toEqual(['dora']);
    for (const q of ["' OR 1=1 --", "'; DROP TABLE identity_users; --", '\\', '\\%', '"', '[a-z]*', '%_%']) {
      expect((await list(`q=${encodeURIComponent(q)}`)).total, q).toBe(0);
    }
    expect((await list('')).total).toBe(7);
  });

  it('filters by status, counting a running automatic lockout as locked', async () => {
    expect(names(await list('status=disabled'))).toEqual(['dora']);
    expect(names(await list('status=locked'))).toEqual(['benz', 'eli']);
    expect(names(await list('status=active'))).toEqual(['admin', 'anna', 'ben_x', 'chen']);
    const locked = await list('status=locked');
    expect(locked.items.find((u: { username: string }) => u.username === 'benz').lockedUntil).toEqual(expect.any(String));
    // When the lockout runs out the user is active again, with no write needed.
    (f.t.clock as ManualClock).advance(11 * 60_000);
    try {
      expect(names(await list('status=locked'))).toEqual(['eli']);
      expect(names(await list('status=active&q=ben'))).toEqual(['ben_x', 'benz']);
    } finally {
      (f.t.clock as ManualClock).advance(-11 * 60_000);
    }
  });

  it('filters by role and combines filters', async () => {
    expect(names(await list('role=user'))).toEqual(['anna', 'ben_x']);
    expect(names(await list('role=project-admin'))).toEqual(['chen']);
    expect(names(await list('role=user&q=anna'))).toEqual(['anna']);
    expect(names(await list('role=user&status=disabled'))).toEqual([]);
    expect((await list(`role=${encodeURIComponent("user' OR '1'='1")}`)).total).toBe(0);
    expect((await list('role=no-such-role')).total).toBe(0);
  });

  it('filters by project when access offers the lookup, and never fails with a 500', async () => {
    const res = await f.t.inject({ method: 'GET', url: `/api/users?project=${encodeURIComponent("web' OR 1=1 --")}`, token: f.admin });
    if (res.statusCode === 400) expect(res.json().error.code).toBe('FILTER_UNAVAILABLE');
    else expect(res.json().total).toBe(0);
  });

  it.each([
    'page=0',
    'page=abc',
    'pageSize=0',
    'pageSize=501',
    'pageSize=1.5',
    'status=enabled',
    "status=active'--",
    `q=${'x'.repeat(101)}`,
    'q=a%00b',
    'role=a%00b',
  ])('answers 400 VALIDATION_FAILED for %s', async (query) => {
    expectError(await f.t.inject({ method: 'GET', url: `/api/users?${query}`, token: f.admin }), 400, 'VALIDATION_FAILED');
  });
});
