import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeDb } from './test-app.js';
import {
  adminFixture,
  auditRows,
  countRows,
  createUser,
  expectError,
  plainUserToken,
  type AdminFixture,
} from './identity-users-helpers.js';

describeDb('group administration', () => {
  let f: AdminFixture;
  let u1: number, u2: number, u3: number;
  const published: { userIds: number[] }[] = [];
  beforeAll(async () => {
    f = await adminFixture();
    u1 = (await createUser(f, { username: 'g.one' })).id;
    u2 = (await createUser(f, { username: 'g.two' })).id;
    u3 = (await createUser(f, { username: 'g.three' })).id;
    f.t.gh.ctx.events.subscribe('identity.membership.changed', (p) => published.push(p as { userIds: number[] }));
  });
  afterAll(async () => f?.t.close());

  const call = (method: string, url: string, payload?: unknown, token = f.admin) =>
    f.t.inject({ method: method as 'GET', url, token, ...(payload === undefined ? {} : { payload: payload as object }) });
  const memberRows = async (groupId: number) =>
    (
      await f.t.gh.ctx.db
        .selectFrom('identity_group_members')
        .select('user_id')
        .where('group_id', '=', groupId)
        .orderBy('user_id')
        .execute()
    ).map((r) => r.user_id);

  let dev: number;

  it('creates a group (201) with an audit event; a taken name is 409 GROUP_NAME_TAKEN', async () => {
    const res = await call('POST', '/api/groups', { name: 'Developers', description: 'People who write code' });
    expect(res.statusCode, res.body).toBe(201);
    expect(res.json()).toMatchObject({ name: 'Developers', description: 'People who write code', memberCount: 0, members: [] });
    dev = res.json().id;
    expect((await auditRows(f, 'identity.group.create'))[0]).toMatchObject({
      resource_type: 'group',
      resource_id: String(dev),
      user_id: f.adminId,
    });
    expectError(await call('POST', '/api/groups', { name: 'Developers' }), 409, 'GROUP_NAME_TAKEN');
    expect(await countRows(f, 'identity_groups')).toBe(1);
  });

  it.each([
    ['no name', {}],
    ['a blank name', { name: '   ' }],
    ['a name too long', { name: 'x'.repeat(101) }],
    ['a number as description', { name: 'ok', description: { x: 1 } }],
    ['an unknown field', { name: 'ok', owner: 1 }],
    ['a NUL in the name', { name: 'a\u0000b' }],
  ])('refuses %s with 400', async (_n, body) => {
    expectError(await call('POST', '/api/groups', body), 400, 'VALIDATION_FAILED');
    expect(await countRows(f, 'identity_groups')).toBe(1);
  });

  it('replaces, adds and removes members, publishing who changed', async () => {
    published.length = 0;
    const put = await call('PUT', `/api/groups/${dev}/members`, { userIds: [u1, u2, u2] });
    expect(put.statusCode, put.body).toBe(200);
    expect(put.json().members.map((m: { username: string }) => m.username)).toEqual(['g.one', 'g.two']);
    expect(await memberRows(dev)).toEqual([u1, u2].sort((a, b) => a - b));
    expect(published.at(-1)!.userIds.sort()).toEqual([u1, u2].sort());

    const replace = await call('PUT', `/api/groups/${dev}/members`, { userIds: [u2, u3] });
    expect(replace.json().memberCount).toBe(2);
    expect(published.at(-1)!.userIds.sort()).toEqual([u3, u1].sort());

    const add = await call('POST', `/api/groups/${dev}/members`, { userIds: [u1, u2] });
    expect(add.json().memberCount).toBe(3);
    expect(published.at(-1)!.userIds).toEqual([u1]);

    const del = await call('DELETE', `/api/groups/${dev}/members/${u3}`);
    expect(del.statusCode).toBe(204);
    expect(await memberRows(dev)).toEqual([u1, u2].sort((a, b) => a - b));
    expect(published.at(-1)!.userIds).toEqual([u3]);
    expectError(await call('DELETE', `/api/groups/${dev}/members/${u3}`), 404, 'GROUP_MEMBER_NOT_FOUND');

    const events = await auditRows(f, 'identity.group.members');
    expect(events.map((e) => e.details.mode)).toEqual(['set', 'set', 'add', 'remove']);
    const user = (await call('GET', `/api/users/${u1}`)).json();
    expect(user.groups).toEqual([{ id: dev, name: 'Developers' }]);
  });

  it('does nothing (no audit, no event) when members do not change', async () => {
    const before = (await auditRows(f, 'identity.group.members')).length;
    published.length = 0;
    expect((await call('POST', `/api/groups/${dev}/members`, { userIds: [u1] })).statusCode).toBe(200);
    expect((await auditRows(f, 'identity.group.members')).length).toBe(before);
    expect(published).toEqual([]);
  });

  it('refuses unknown users with 400 UNKNOWN_USERS and the ids, changing nothing', async () => {
    const before = await memberRows(dev);
    const res = await call('PUT', `/api/groups/${dev}/members`, { userIds: [u3, 999001, 999002] });
    expectError(res, 400, 'UNKNOWN_USERS');
    expect(res.json().error.details.userIds).toEqual([999001, 999002]);
    expectError(await call('POST', `/api/groups/${dev}/members`, { userIds: [999003] }), 400, 'UNKNOWN_USERS');
    expect(await memberRows(dev)).toEqual(before);
    expectError(await call('PUT', `/api/groups/${dev}/members`, { userIds: 'all' }), 400, 'VALIDATION_FAILED');
    expectError(await call('PUT', `/api/groups/${dev}/members`, { userIds: [{ id: 1 }] }), 400, 'VALIDATION_FAILED');
    expectError(await call('PUT', `/api/groups/${dev}/members`, {}), 400, 'VALIDATION_FAILED');
  });

  it('lists groups with paging and a literal q', async () => {
    await call('POST', '/api/groups', { name: 'ops_100%', description: 'on call' });
    await call('POST', '/api/groups', { name: 'QA' });
    const all = (await call('GET', '/api/groups?page=1&pageSize=2')).json();
    expect(all).toMatchObject({ total: 3, page: 1, pageSize: 2 });
    expect(all.items.map((g: { name: string }) => g.name)).toEqual(['Developers', 'QA']);
    expect(all.items[0].memberCount).toBe(2);
    const names = async (q: string) =>
      (await call('GET', `/api/groups?q=${encodeURIComponent(q)}`)).json().items.map((g: { name: string }) => g.name);
    expect(await names('%')).toEqual(['ops_100%']);
    expect(await names('_')).toEqual(['ops_100%']);
    expect(await names('qa')).toEqual(['QA']);
    expect(await names('CALL')).toEqual(['ops_100%']);
    expect(await names("' OR 1=1 --")).toEqual([]);
    expectError(await call('GET', '/api/groups?page=0'), 400, 'VALIDATION_FAILED');
    expectError(await call('GET', '/api/groups?q=a%00'), 400, 'VALIDATION_FAILED');
  });

  it('reads, renames and describes a group; 404 and 400 for bad ids', async () => {
    expect((await call('GET', `/api/groups/${dev}`)).json().members).toHaveLength(2);
    const res = await call('PATCH', `/api/groups/${dev}`, { name: 'Engineering', description: '' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ name: 'Engineering', description: '' });
    expect((await auditRows(f, 'identity.group.update'))[0].details.before.name).toBe('Developers');
    expectError(await call('PATCH', `/api/groups/${dev}`, { name: 'QA' }), 409, 'GROUP_NAME_TAKEN');
    expectError(await call('PATCH', `/api/groups/${dev}`, {}), 400, 'VALIDATION_FAILED');
    for (const [m, p] of [['GET'], ['PATCH', { name: 'x' }], ['DELETE'], ['PUT', { userIds: [] }]] as [string, unknown?][]) {
      const url = m === 'PUT' ? '/api/groups/4242/members' : '/api/groups/4242';
      expectError(await call(m, url, p), 404, 'GROUP_NOT_FOUND');
      expectError(await call(m, url.replace('4242', 'abc'), p), 400, 'VALIDATION_FAILED');
    }
    expectError(await call('DELETE', `/api/groups/4242/members/${u1}`), 404, 'GROUP_NOT_FOUND');
    expectError(await call('DELETE', `/api/groups/${dev}/members/x`), 400, 'VALIDATION_FAILED');
  });

  it('deletes a group: removal hooks run, memberships go, members are announced', async () => {
    const hooked: number[] = [];
    f.t.gh.modules.identity.service.addRemovalHook(async (_trx, kind, id) => {
      if (kind === 'group') hooked.push(id);
    });
    published.length = 0;
    const res = await call('DELETE', `/api/groups/${dev}`);
    expect(res.statusCode).toBe(204);
    expect(hooked).toEqual([dev]);
    expect(await memberRows(dev)).toEqual([]);
    expect(published.at(-1)!.userIds.sort()).toEqual([u1, u2].sort());
    expect((await auditRows(f, 'identity.group.delete'))[0]).toMatchObject({ resource_id: String(dev), details: { name: 'Engineering' } });
    expect((await call('GET', `/api/users/${u1}`)).json().groups).toEqual([]);
  });

  it('lets a plain user do nothing: 403 FORBIDDEN, nothing stored', async () => {
    const plain = await plainUserToken(f, 'g.plain');
    const groups = await countRows(f, 'identity_groups');
    const qa = (await call('GET', '/api/groups?q=QA')).json().items[0].id;
    for (const [m, url, p] of [
      ['GET', '/api/groups'],
      ['GET', `/api/groups/${qa}`],
      ['POST', '/api/groups', { name: 'sneaky' }],
      ['PATCH', `/api/groups/${qa}`, { name: 'sneaky' }],
      ['DELETE', `/api/groups/${qa}`],
      ['PUT', `/api/groups/${qa}/members`, { userIds: [plain.id] }],
      ['POST', `/api/groups/${qa}/members`, { userIds: [plain.id] }],
      ['DELETE', `/api/groups/${qa}/members/${u1}`],
    ] as [string, string, unknown?][]) {
      expectError(await call(m, url, p, plain.token), 403, 'FORBIDDEN');
    }
    expect(await countRows(f, 'identity_groups')).toBe(groups);
    expect(await memberRows(qa)).toEqual([]);
  });
});
