import { afterAll, beforeAll, expect, it } from 'vitest';
import { ManualClock } from '../src/core/clock.js';
import { sha256 } from '../src/core/crypto/secret-box.js';
import { ADMIN_PASSWORD, createTestApp, describeDb, type TestApp } from './test-app.js';
import { TEST_DIALECT } from './test-db.js';
import { auditRows, countRows, createUser, DAY, HOUR, outcome, PW } from './identity-auth-helpers.js';

/** Personal API tokens: shown once, stored hashed, scoped, expiring, revocable. */
describeDb(`personal API tokens (${TEST_DIALECT})`, () => {
  let t: TestApp;
  let clock: ManualClock;
  let admin: string;

  const mint = (token: string, payload: Record<string, unknown>) => t.inject({ method: 'POST', url: '/api/me/tokens', token, payload });
  const get = (url: string, token: string) => t.inject({ method: 'GET', url, token });
  const tokenRow = (id: number) => t.gh.ctx.db.selectFrom('identity_api_tokens').selectAll().where('id', '=', id).executeTakeFirstOrThrow();

  beforeAll(async () => {
    clock = new ManualClock('2031-09-01T09:00:00Z');
    t = await createTestApp({ clock });
    admin = await t.adminToken();
  });
  afterAll(async () => t?.close());

  it('creates a token (201, shown once), stores only its hash, and it works as a Bearer token', async () => {
    const res = await mint(admin, { name: 'jenkins', expiresInDays: 30 });
    expect(res.statusCode).toBe(201);
    const body = res.json();
    expect(body).toMatchObject({
      id: expect.any(Number),
      name: 'jenkins',
      token: expect.stringMatching(/^ghp_[\w-]{40,}$/),
      scopes: ['*'],
      expiresAt: new Date(clock.now().getTime() + 30 * DAY).toISOString(),
      lastUsedAt: null,
      createdAt: clock.now().toISOString(),
    });
    expect(body.prefix).toBe(body.token.slice(0, 10));
    const row = await tokenRow(body.id);
    expect(row.token_hash).toBe(sha256(body.token));
    expect(JSON.stringify(row)).not.toContain(body.token);
    const [event] = (await auditRows(t, 'identity.token.create')).filter((r) => r.resource_id === String(body.id));
    expect(event).toMatchObject({ username: 'admin', outcome: 'success' });
    expect(JSON.parse(event.details!)).toMatchObject({ name: 'jenkins', scopes: ['*'] });
    expect(event.details).not.toContain(body.token);

    const users = await get('/api/users?page=1&pageSize=20', body.token);
    expect(users.statusCode).toBe(200);
    expect((await get('/api/me', body.token)).json().username).toBe('admin');
    expect((await tokenRow(body.id)).last_used_at).toBe(clock.now().toISOString());

    const list = await get('/api/me/tokens', admin);
    expect(list.statusCode).toBe(200);
    const item = list.json().items.find((i: { id: number }) => i.id === body.id);
    expect(item).toMatchObject({ name: 'jenkins', prefix: body.prefix, lastUsedAt: clock.now().toISOString() });
    expect(item.token).toBeUndefined();
    expect(list.body).not.toContain(body.token);
  });

  it('stops working once revoked; a revoked or unknown id is 404', async () => {
    const { id, token } = (await mint(admin, { name: 'temp' })).json();
    expect((await get('/api/me', token)).statusCode).toBe(200);
    expect((await t.inject({ method: 'DELETE', url: `/api/me/tokens/${id}`, token: admin })).statusCode).toBe(204);
    expect(outcome(await get('/api/me', token))).toEqual([401, 'UNAUTHENTICATED']);
    expect((await tokenRow(id)).revoked_at).toBe(clock.now().toISOString());
    expect((await auditRows(t, 'identity.token.revoke')).filter((r) => r.resource_id === String(id))).toHaveLength(1);
    expect(outcome(await t.inject({ method: 'DELETE', url: `/api/me/tokens/${id}`, token: admin }))).toEqual([404, 'TOKEN_NOT_FOUND']);
    expect((await get('/api/me/tokens', admin)).json().items.map((i: { id: number }) => i.id)).not.toContain(id);
  });

  it("cannot revoke someone else's token", async () => {
    await createUser(t, admin, 'yuri');
    const yuri = await t.login('yuri', PW);
    const { id, token } = (await mint(yuri, { name: 'mine' })).json();
    expect(outcome(await t.inject({ method: 'DELETE', url: `/api/me/tokens/${id}`, token: admin }))).toEqual([404, 'TOKEN_NOT_FOUND']);
    expect((await get('/api/me', token)).statusCode).toBe(200);
  });

  it('expires after expiresInDays; without it the token does not expire', async () => {
    const short = (await mint(admin, { name: 'one day', expiresInDays: 1 })).json();
    const forever = (await mint(admin, { name: 'forever' })).json();
    expect(forever.expiresAt).toBeNull();
    clock.advance(DAY - HOUR);
    expect((await get('/api/me', short.token)).statusCode).toBe(200);
    clock.advance(HOUR + 1000);
    expect(outcome(await get('/api/me', short.token))).toEqual([401, 'UNAUTHENTICATED']);
    clock.advance(100 * DAY); // (well inside the 180-day password age)
    expect((await get('/api/me', forever.token)).statusCode).toBe(200);
    admin = await t.login('admin', ADMIN_PASSWORD);
  });

  it('limits a token to its scopes, and never beyond what its owner may do', async () => {
    const audit = (await mint(admin, { name: 'audit reader', scopes: ['audit.read'] })).json();
    expect(audit.scopes).toEqual(['audit.read']);
    expect((await get('/api/audit?page=1&pageSize=50', audit.token)).statusCode).toBe(200);
    const denied = await get('/api/users', audit.token);
    expect(outcome(denied)).toEqual([403, 'FORBIDDEN']);
    expect(denied.json().error.details).toEqual({ permission: 'identity.users.read' });

    const identity = (await mint(admin, { name: 'identity module', scopes: ['identity.*'] })).json();
    expect((await get('/api/users', identity.token)).statusCode).toBe(200);
    expect(outcome(await get('/api/audit', identity.token))).toEqual([403, 'FORBIDDEN']);

    // A scope is a limit, not a grant: yuri holds no identity.users.read.
    const yuri = await t.login('yuri', PW);
    const yt = (await mint(yuri, { name: 'wishful', scopes: ['identity.users.read'] })).json();
    expect(outcome(await get('/api/users', yt.token))).toEqual([403, 'FORBIDDEN']);
  });

  it('lets a scoped token mint tokens only within its own scopes', async () => {
    const narrow = (await mint(admin, { name: 'narrow', scopes: ['audit.read'] })).json();
    const before = await countRows(t, 'identity_api_tokens');
    for (const payload of [
      { name: 'wider' },
      { name: 'wider', scopes: ['*'] },
      { name: 'wider', scopes: ['identity.users.manage'] },
      { name: 'wider', scopes: ['audit.*'] },
    ]) {
      expect(outcome(await mint(narrow.token, payload)), JSON.stringify(payload)).toEqual([403, 'FORBIDDEN']);
    }
    expect(await countRows(t, 'identity_api_tokens')).toBe(before);
    const same = await mint(narrow.token, { name: 'same', scopes: ['audit.read'] });
    expect(same.statusCode).toBe(201);
    expect(outcome(await get('/api/users', same.json().token))).toEqual([403, 'FORBIDDEN']);
    const wild = (await mint(admin, { name: 'module wide', scopes: ['audit.*'] })).json();
    expect((await mint(wild.token, { name: 'inside', scopes: ['audit.read'] })).statusCode).toBe(201);
  });

  it('does not let a scoped token manage access it was not scoped for', async () => {
    const narrow = (await mint(admin, { name: 'audit only', scopes: ['audit.read'] })).json();
    const yuriId = (await t.gh.modules.identity.service.getUserByUsername('yuri'))!.id;
    const before = await countRows(t, 'access_grants');
    const grant = await t.inject({
      method: 'POST',
      url: '/api/access/grants',
      token: narrow.token,
      payload: { subjectType: 'user', subjectId: yuriId, role: 'super-admin' },
    });
    expect(outcome(grant)).toEqual([403, 'FORBIDDEN']);
    expect(await countRows(t, 'access_grants')).toBe(before);
    const denied = (await auditRows(t, 'access.grant.create')).at(-1)!;
    expect(denied).toMatchObject({ outcome: 'denied', username: 'admin' });
    expect(outcome(await get(`/api/access/explain?userId=${yuriId}&permission=audit.read`, narrow.token))).toEqual([403, 'FORBIDDEN']);
    expect(outcome(await get('/api/access/grants', narrow.token))).toEqual([403, 'FORBIDDEN']);
    // Scoped for it, the same token owner may.
    const manager = (await mint(admin, { name: 'grants', scopes: ['access.*'] })).json();
    const ok = await t.inject({
      method: 'POST',
      url: '/api/access/grants',
      token: manager.token,
      payload: { subjectType: 'user', subjectId: yuriId, permission: 'audit.read' },
    });
    expect(ok.statusCode, ok.body).toBe(201);
    expect((await get(`/api/access/explain?userId=${yuriId}&permission=audit.read`, manager.token)).json().allowed).toBe(true);
  });

  it('stops working while its owner is disabled, and is not held up by a forced password change', async () => {
    const id = await createUser(t, admin, 'zoe');
    const zoe = await t.login('zoe', PW);
    const { token } = (await mint(zoe, { name: 'bot' })).json();
    // An admin reset forces a change at the next sign-in; a machine cannot answer that.
    await t.inject({ method: 'POST', url: `/api/users/${id}/reset-password`, token: admin, payload: { newPassword: 'Reset#Pass123' } });
    expect((await get('/api/me/tokens', token)).statusCode).toBe(200);
    expect((await t.inject({ method: 'POST', url: `/api/users/${id}/disable`, token: admin })).statusCode).toBe(200);
    expect(outcome(await get('/api/me', token))).toEqual([401, 'UNAUTHENTICATED']);
  });

  it('refuses bad input with codes and stores nothing', async () => {
    const before = await countRows(t, 'identity_api_tokens');
    const cases: Array<[Record<string, unknown>, string]> = [
      [{}, 'VALIDATION_FAILED'],
      [{ name: '' }, 'VALIDATION_FAILED'],
      [{ name: 'x'.repeat(101) }, 'VALIDATION_FAILED'],
      [{ name: 'n', expiresInDays: 0 }, 'VALIDATION_FAILED'],
      [{ name: 'n', expiresInDays: 3651 }, 'VALIDATION_FAILED'],
      [{ name: 'n', expiresInDays: 'soon' }, 'VALIDATION_FAILED'],
      [{ name: 'n', expiresInDays: 1.5 }, 'VALIDATION_FAILED'],
      [{ name: 'n', scopes: [''] }, 'VALIDATION_FAILED'],
      [{ name: 'n', owner: 1 }, 'VALIDATION_FAILED'],
      [{ name: 'n', scopes: ['no.such.permission'] }, 'UNKNOWN_SCOPE'],
      [{ name: 'n', scopes: ["' OR 1=1 --"] }, 'UNKNOWN_SCOPE'],
    ];
    for (const [payload, code] of cases) {
      expect(outcome(await mint(admin, payload)), JSON.stringify(payload)).toEqual([400, code]);
    }
    expect(outcome(await t.inject({ method: 'DELETE', url: '/api/me/tokens/abc', token: admin }))).toEqual([400, 'VALIDATION_FAILED']);
    expect(outcome(await t.inject({ method: 'DELETE', url: '/api/me/tokens/999999', token: admin }))).toEqual([404, 'TOKEN_NOT_FOUND']);
    expect(outcome(await t.inject({ method: 'POST', url: '/api/me/tokens', payload: { name: 'anon' } }))).toEqual([401, 'UNAUTHENTICATED']);
    expect(await countRows(t, 'identity_api_tokens')).toBe(before);
  });
});
