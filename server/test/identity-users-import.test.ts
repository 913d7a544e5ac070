import bcrypt from 'bcrypt';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeDb } from './test-app.js';
import {
  adminFixture,
  auditRows,
  countRows,
  createUser,
  expectError,
  plainUserToken,
  STRONG,
  userRow,
  type AdminFixture,
} from './identity-users-helpers.js';

describeDb('user administration: CSV import, all rows or none', () => {
  let f: AdminFixture;
  beforeAll(async () => {
    f = await adminFixture({ config: { bodyLimitBytes: 64 * 1024 } });
    await f.t.inject({ method: 'POST', url: '/api/groups', token: f.admin, payload: { name: 'dev' } });
    await f.t.inject({ method: 'POST', url: '/api/groups', token: f.admin, payload: { name: 'qa' } });
    await createUser(f, { username: 'existing' });
  });
  afterAll(async () => f?.t.close());

  const csvPost = (csv: string, query = '') =>
    f.t.inject({ method: 'POST', url: `/api/users/import${query}`, token: f.admin, headers: { 'content-type': 'text/csv' }, payload: csv });
  const jsonPost = (payload: object) => f.t.inject({ method: 'POST', url: '/api/users/import', token: f.admin, payload });

  async function expectNothingStored(usersBefore: number, auditBefore: number) {
    expect(await countRows(f, 'identity_users')).toBe(usersBefore);
    expect(await countRows(f, 'audit_events')).toBe(auditBefore);
  }

  it('imports every row in one go (text/csv), generating missing passwords once', async () => {
    const csv = [
      '\ufeffusername,password,display_name,email,roles,groups',
      `Zhang.Wei,${STRONG},张伟,zhang.wei@example.com,user,dev;qa`,
      'li.na,,李娜,"li.na@example.com",,',
      '"wang,fang",,Wang,,user,',
    ].join('\r\n');
    const bad = await csvPost(csv);
    expectError(bad, 400, 'IMPORT_INVALID'); // "wang,fang" is not a valid username
    expect(bad.json().error.details).toEqual([
      { row: 1, username: 'Zhang.Wei', ok: true, errors: [] },
      { row: 2, username: 'li.na', ok: true, errors: [] },
      { row: 3, username: 'wang,fang', ok: false, errors: [expect.stringMatching(/^username/)] },
    ]);
    expect(await userRow(f, 'zhang.wei')).toBeUndefined();

    const audits = (await auditRows(f, 'identity.user.create')).length;
    const res = await csvPost(csv.replace('"wang,fang"', 'wang.fang'));
    expect(res.statusCode, res.body).toBe(201);
    const body = res.json();
    expect(body.imported).toBe(3);
    expect(body.rows.map((r: { username: string }) => r.username)).toEqual(['zhang.wei', 'li.na', 'wang.fang']);
    expect(body.rows[0].temporaryPassword).toBeUndefined();
    const liPassword = body.rows[1].temporaryPassword;
    expect(liPassword).toEqual(expect.any(String));

    const zhang = (await userRow(f, 'zhang.wei'))!;
    expect(zhang).toMatchObject({ display_name: '张伟', email: 'zhang.wei@example.com', must_change_password: 1 });
    expect(await bcrypt.compare(STRONG, zhang.password_hash)).toBe(true);
    const li = (await userRow(f, 'li.na'))!;
    expect(await bcrypt.compare(liPassword, li.password_hash)).toBe(true);
    const got = (await f.t.inject({ method: 'GET', url: `/api/users/${zhang.id}`, token: f.admin })).json();
    expect(got.roles).toContain('user');
    expect(got.groups.map((g: { name: string }) => g.name)).toEqual(['dev', 'qa']);

    expect((await auditRows(f, 'identity.user.create')).length).toBe(audits + 3);
    const [summary] = await auditRows(f, 'identity.users.import');
    expect(summary.details).toMatchObject({ imported: 3, usernames: ['zhang.wei', 'li.na', 'wang.fang'] });
    expect(JSON.stringify(await f.t.gh.ctx.db.selectFrom('audit_events').select('details').execute())).not.toContain(liPassword);
  });

  it('stores nothing when one row is bad, and reports every problem per row', async () => {
    const users = await countRows(f, 'identity_users');
    const events = await countRows(f, 'audit_events');
    const csv = [
      'username,password,display_name,email,roles,groups',
      'good.one,,Good,good@example.com,user,dev', // valid
      'good.two,weak,,,,', // weak password
      'EXISTING,,,,,', // already in the database (any case)
      'dup,,,,,',
      'DUP,,,,,', // duplicate inside the file
      'roley,,,,no-such-role,', // unknown role
      'groupy,,,,,no-such-group', // unknown group
      'mail,,,not-an-email,,', // bad e-mail
      "x' OR 1=1 --,,,,,", // not a username
    ].join('\n');
    const res = await csvPost(csv);
    expectError(res, 400, 'IMPORT_INVALID');
    const report = res.json().error.details as { row: number; username: string; ok: boolean; errors: string[] }[];
    expect(report).toHaveLength(9);
    const byRow = (n: number) => report.find((r) => r.row === n)!;
    expect(byRow(1)).toMatchObject({ ok: true, errors: [] });
    expect(byRow(2).errors.join()).toMatch(/password/);
    expect(byRow(3).errors).toContain('username: already exists');
    expect(byRow(4).ok).toBe(true);
    expect(byRow(5).errors).toContain('username: also on row 4');
    expect(byRow(6).errors).toContain('roles: no role "no-such-role"');
    expect(byRow(7).errors).toContain('groups: no group "no-such-group"');
    expect(byRow(8).errors).toContain('email: not a valid address');
    expect(byRow(9).ok).toBe(false);
    await expectNothingStored(users, events);
    expect(await userRow(f, 'good.one')).toBeUndefined();
  });

  it('answers a dry run with the report and stores nothing', async () => {
    const users = await countRows(f, 'identity_users');
    const events = await countRows(f, 'audit_events');
    const ok = await jsonPost({ csv: 'username,displayName\ndry.one,Dry', dryRun: true });
    expect(ok.statusCode).toBe(200);
    expect(ok.json()).toEqual({ dryRun: true, valid: true, rows: [{ row: 1, username: 'dry.one', ok: true, errors: [] }] });
    const bad = await csvPost('username\nexisting', '?dryRun=true');
    expect(bad.statusCode).toBe(200);
    expect(bad.json()).toMatchObject({ valid: false, rows: [{ ok: false }] });
    await expectNothingStored(users, events);
  });

  it('imports from a JSON body too', async () => {
    const res = await jsonPost({ csv: 'username,roles\njson.user,user' });
    expect(res.statusCode).toBe(201);
    expect(res.json()).toMatchObject({ imported: 1, rows: [{ row: 1, username: 'json.user', id: expect.any(Number) }] });
  });

  it.each([
    ['an unclosed quote', 'username,email\n"broken,x@example.com\n', 'CSV_MALFORMED'],
    ['a row with too many cells', 'username,email\na.b,a@example.com,extra\n', 'CSV_MALFORMED'],
    ['an unknown column', 'username,is_admin\nsneaky,1\n', 'CSV_MALFORMED'],
    ['a repeated column', 'username,username\na.b,c.d\n', 'CSV_MALFORMED'],
    ['no username column', 'email\nx@example.com\n', 'CSV_MALFORMED'],
    ['a header only', 'username,email\n', 'CSV_MALFORMED'],
    ['an empty body', '', 'CSV_MALFORMED'],
  ])('answers 400 %s', async (_name, csv, code) => {
    const users = await countRows(f, 'identity_users');
    const res = csv ? await csvPost(csv) : await jsonPost({ csv: ' ' });
    expectError(res, 400, code);
    expect(await countRows(f, 'identity_users')).toBe(users);
  });

  it('names the line of a malformed CSV', async () => {
    const res = await csvPost('username,email\nok.user,a@example.com\nbad,b@example.com,extra\n');
    expectError(res, 400, 'CSV_MALFORMED');
    expect(res.json().error.details.line).toBe(3);
  });

  it('refuses wrong body types, oversized bodies and NUL characters', async () => {
    const users = await countRows(f, 'identity_users');
    expectError(await jsonPost({ csv: { username: 'a.b' } }), 400, 'VALIDATION_FAILED');
    expectError(await jsonPost({ csv: ['username', 'a.b'] }), 400, 'VALIDATION_FAILED');
    expectError(await jsonPost({ text: 'username\na.b' }), 400, 'VALIDATION_FAILED');
    expectError(await jsonPost({ csv: 'username\na.b', dryRun: 'perhaps' }), 400, 'VALIDATION_FAILED');
    const big = 'username\n' + Array.from({ length: 9000 }, (_, i) => `user${i}`).join('\n');
    expectError(await csvPost(big), 413, 'BODY_TOO_LARGE');
    const nul = await csvPost('username,display_name\nnul.user,a\u0000b');
    expectError(nul, 400, 'IMPORT_INVALID');
    expect(nul.json().error.details[0].errors).toContain('a cell contains a NUL character');
    const xml = await f.t.inject({
      method: 'POST',
      url: '/api/users/import',
      token: f.admin,
      headers: { 'content-type': 'application/xml' },
      payload: '<x/>',
    });
    expectError(xml, 415, 'UNSUPPORTED_MEDIA_TYPE');
    expect(await countRows(f, 'identity_users')).toBe(users);
  });

  it('refuses too many rows in one import', async () => {
    const many = 'username\n' + Array.from({ length: 1001 }, (_, i) => `u${i}`).join('\n');
    expectError(await csvPost(many), 400, 'IMPORT_TOO_LARGE');
  });

  it('is forbidden to a plain user', async () => {
    const plain = await plainUserToken(f, 'plain.importer');
    const res = await f.t.inject({
      method: 'POST',
      url: '/api/users/import',
      token: plain.token,
      headers: { 'content-type': 'text/csv' },
      payload: 'username\nsneaky',
    });
    expectError(res, 403, 'FORBIDDEN');
    expect(await userRow(f, 'sneaky')).toBeUndefined();
  });
});
