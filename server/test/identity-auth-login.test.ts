import { afterAll, beforeAll, expect, it } from 'vitest';
import { createSigner } from 'fast-jwt';
import { ManualClock } from '../src/core/clock.js';
import { ADMIN_PASSWORD, createTestApp, describeDb, type TestApp } from './test-app.js';
import { TEST_DIALECT } from './test-db.js';
import { auditRows, auditSince, createUser, lastAuditId, loginRaw, MINUTE, outcome, PW, userRow } from './identity-auth-helpers.js';

/** POST /api/auth/login as the acceptance checks and seed 004 describe it: shape, 401/423/403, lockout, audit. */
describeDb(`sign-in: shape, failures, lockout and the Bearer rule (${TEST_DIALECT})`, () => {
  let t: TestApp;
  let clock: ManualClock;
  let admin: string;

  beforeAll(async () => {
    clock = new ManualClock('2031-04-01T09:00:00Z');
    t = await createTestApp({ clock });
    admin = await t.adminToken();
  });
  afterAll(async () => t?.close());

  it('answers 200 with the token pair and the user, and records the sign-in', async () => {
    const before = await lastAuditId(t);
    const res = await t.inject({
      method: 'POST',
      url: '/api/auth/login',
      headers: { 'user-agent': 'login-test/1.0' },
      payload: { username: 'admin', password: ADMIN_PASSWORD },
    });
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body).toMatchObject({
      accessToken: expect.stringMatching(/^[\w-]+\.[\w-]+\.[\w-]+$/),
      refreshToken: expect.stringMatching(/^ghr_/),
      expiresIn: 8 * 3600,
      tokenType: 'Bearer',
      user: {
        id: expect.any(Number),
        username: 'admin',
        mustChangePassword: false,
        mustEnrollMfa: false,
        passwordExpired: false,
        mfaEnabled: false,
        status: 'active',
        lastLoginAt: '2031-04-01T09:00:00.000Z',
      },
    });
    expect(JSON.stringify(body)).not.toMatch(/password_hash|\$2b\$/);
    const row = await userRow(t, 'admin');
    expect(row).toMatchObject({ last_login_at: '2031-04-01T09:00:00.000Z', last_login_ip: '127.0.0.1', failed_login_attempts: 0 });
    const events = (await auditSince(t, before)).filter((e) => e.action === 'identity.login');
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      outcome: 'success',
      username: 'admin',
      user_id: body.user.id,
      ip_address: '127.0.0.1',
      user_agent: 'login-test/1.0',
    });
    // The refresh token is stored hashed, never as issued.
    const sessions = await t.gh.ctx.db.selectFrom('identity_sessions').select('refresh_hash').execute();
    expect(sessions.map((s) => s.refresh_hash)).not.toContain(body.refreshToken);
  });

  it('answers the same 401 for a wrong password and an unknown user, counting only the real account', async () => {
    await createUser(t, admin, 'carol');
    const before = await lastAuditId(t);
    const wrong = await loginRaw(t, 'carol', 'Wr0ng#Secret!');
    const unknown = await loginRaw(t, 'no-such-user', 'Wr0ng#Secret!');
    expect(outcome(wrong)).toEqual([401, 'INVALID_CREDENTIALS']);
    expect(outcome(unknown)).toEqual([401, 'INVALID_CREDENTIALS']);
    expect(unknown.json().error.message).toBe(wrong.json().error.message);
    expect((await userRow(t, 'carol')).failed_login_attempts).toBe(1);
    const events = await auditSince(t, before);
    expect(events.map((e) => [e.action, e.outcome, e.username])).toEqual([
      ['identity.login', 'failure', 'carol'],
      ['identity.login', 'failure', 'no-such-user'],
    ]);
    expect(JSON.parse(events[0].details!)).toMatchObject({ reason: 'wrong-password', attempts: 1 });
    expect(events[1].user_id).toBeNull();
  });

  it('never writes a tried or real password into the audit trail', async () => {
    await loginRaw(t, 'carol', 'Secr3t#Guess-1');
    await loginRaw(t, 'nobody', 'Secr3t#Guess-2');
    await loginRaw(t, 'carol', PW);
    const all = await t.gh.ctx.db.selectFrom('audit_events').selectAll().execute();
    const text = JSON.stringify(all);
    for (const secret of ['Secr3t#Guess-1', 'Secr3t#Guess-2', PW, ADMIN_PASSWORD]) expect(text).not.toContain(secret);
  });

  it('serves the audit trail with sign-in successes and failures, paged', async () => {
    const res = await t.inject({ method: 'GET', url: '/api/audit?page=1&pageSize=50', token: admin });
    expect(res.statusCode).toBe(200);
    const { items, total } = res.json() as { items: Array<Record<string, unknown>>; total: number };
    expect(total).toBeGreaterThanOrEqual(items.length);
    expect(items.length).toBeGreaterThan(3);
    for (const i of items) expect(i).toMatchObject({ action: expect.any(String), createdAt: expect.any(String) });
    const logins = items.filter((i) => i.action === 'identity.login');
    expect(logins.some((i) => i.outcome === 'success')).toBe(true);
    expect(logins.some((i) => i.outcome === 'failure')).toBe(true);
    const failures = await t.inject({
      method: 'GET',
      url: '/api/audit?page=1&pageSize=50&action=identity.login&outcome=failure',
      token: admin,
    });
    expect(failures.json().items.every((i: { outcome: string }) => i.outcome === 'failure')).toBe(true);
    expect(failures.json().total).toBe((await auditRows(t, 'identity.login')).filter((r) => r.outcome === 'failure').length);
    const page2 = await t.inject({ method: 'GET', url: '/api/audit?page=2&pageSize=2', token: admin });
    expect(page2.json().items).toHaveLength(2);
    expect(page2.json().items[0].id).toBe(items[2].id);
  });

  it('locks after 5 consecutive failures: 423 even with the right password, until 30 minutes pass', async () => {
    const id = await createUser(t, admin, 'dave');
    for (let i = 1; i <= 4; i++) expect(outcome(await loginRaw(t, 'dave', 'Wr0ng#Secret!'))).toEqual([401, 'INVALID_CREDENTIALS']);
    const fifth = await loginRaw(t, 'dave', 'Wr0ng#Secret!');
    expect(outcome(fifth)).toEqual([423, 'ACCOUNT_LOCKED']);
    const until = new Date(clock.now().getTime() + 30 * MINUTE).toISOString();
    expect(fifth.json().error.details).toEqual({ lockedUntil: until });
    expect((await userRow(t, 'dave')).locked_until).toBe(until);
    const lockout = (await auditRows(t, 'identity.user.lockout')).filter((r) => r.resource_id === String(id));
    expect(lockout).toHaveLength(1);

    expect(outcome(await loginRaw(t, 'dave', PW))).toEqual([423, 'ACCOUNT_LOCKED']);
    const denied = (await auditRows(t, 'identity.login')).filter((r) => r.username === 'dave' && r.outcome === 'denied');
    expect(denied.length).toBeGreaterThanOrEqual(1);
    expect(JSON.parse(denied.at(-1)!.details!)).toEqual({ reason: 'locked' });
    // An admin sees the account as locked in the list.
    const shown = await t.inject({ method: 'GET', url: `/api/users/${id}`, token: admin });
    expect(shown.json()).toMatchObject({ status: 'locked', lockedUntil: until });

    clock.advance(29 * MINUTE);
    expect(outcome(await loginRaw(t, 'dave', PW))).toEqual([423, 'ACCOUNT_LOCKED']);
    clock.advance(MINUTE + 1000);
    const ok = await loginRaw(t, 'dave', PW);
    expect(ok.statusCode).toBe(200);
    expect(ok.json().user.status).toBe('active');
    expect((await userRow(t, 'dave')).failed_login_attempts).toBe(0);
  });

  it('resets the failure count on success, so failures must be consecutive', async () => {
    await createUser(t, admin, 'erin');
    for (let i = 0; i < 4; i++) await loginRaw(t, 'erin', 'Wr0ng#Secret!');
    expect((await userRow(t, 'erin')).failed_login_attempts).toBe(4);
    expect((await loginRaw(t, 'erin', PW)).statusCode).toBe(200);
    expect((await userRow(t, 'erin')).failed_login_attempts).toBe(0);
    for (let i = 0; i < 4; i++) expect((await loginRaw(t, 'erin', 'Wr0ng#Secret!')).statusCode).toBe(401);
    expect((await loginRaw(t, 'erin', PW)).statusCode).toBe(200);
  });

  it('ends open sessions of an account while it is locked out', async () => {
    await createUser(t, admin, 'fred');
    const token = await t.login('fred', PW);
    expect((await t.inject({ method: 'GET', url: '/api/me', token })).statusCode).toBe(200);
    for (let i = 0; i < 5; i++) await loginRaw(t, 'fred', 'Wr0ng#Secret!');
    expect(outcome(await t.inject({ method: 'GET', url: '/api/me', token }))).toEqual([401, 'UNAUTHENTICATED']);
  });

  it('refuses a disabled account with 403 and an admin-locked one with 423 until unlocked', async () => {
    const id = await createUser(t, admin, 'gail');
    const token = await t.login('gail', PW);
    expect((await t.inject({ method: 'POST', url: `/api/users/${id}/disable`, token: admin })).statusCode).toBe(200);
    expect(outcome(await loginRaw(t, 'gail', PW))).toEqual([403, 'ACCOUNT_DISABLED']);
    expect((await t.inject({ method: 'GET', url: '/api/me', token })).statusCode).toBe(401);
    const denied = (await auditRows(t, 'identity.login')).filter((r) => r.username === 'gail').at(-1)!;
    expect([denied.outcome, JSON.parse(denied.details!).reason]).toEqual(['denied', 'disabled']);
    expect((await t.inject({ method: 'POST', url: `/api/users/${id}/enable`, token: admin })).statusCode).toBe(200);
    expect((await loginRaw(t, 'gail', PW)).statusCode).toBe(200);

    expect((await t.inject({ method: 'POST', url: `/api/users/${id}/lock`, token: admin })).statusCode).toBe(200);
    const locked = await loginRaw(t, 'gail', PW);
    expect(outcome(locked)).toEqual([423, 'ACCOUNT_LOCKED']);
    expect(locked.json().error.details).toEqual({ lockedUntil: null });
    clock.advance(31 * MINUTE);
    expect((await loginRaw(t, 'gail', PW)).statusCode).toBe(423);
    expect((await t.inject({ method: 'POST', url: `/api/users/${id}/unlock`, token: admin })).statusCode).toBe(200);
    expect((await loginRaw(t, 'gail', PW)).statusCode).toBe(200);
  });

  it('takes usernames case-insensitively', async () => {
    expect((await loginRaw(t, 'ADMIN', ADMIN_PASSWORD)).statusCode).toBe(200);
    expect((await loginRaw(t, ' Admin ', ADMIN_PASSWORD)).statusCode).toBe(200);
  });

  it('requires a valid Bearer token on /api: 401 UNAUTHENTICATED otherwise', async () => {
    const forged = createSigner({ key: 'not-the-server-key', algorithm: 'HS256', iss: 'gatehouse' })({ sub: '1', sid: 1 });
    const cases: Array<Record<string, string>> = [
      {},
      { authorization: 'Basic YWRtaW46eA==' },
      { authorization: 'Bearer' },
      { authorization: 'Bearer not-a-token' },
      { authorization: `Bearer ${forged}` },
      { authorization: 'Bearer ghp_unknown-api-token' },
    ];
    for (const headers of cases) {
      const res = await t.inject({ method: 'GET', url: '/api/me', headers });
      expect(outcome(res), JSON.stringify(headers)).toEqual([401, 'UNAUTHENTICATED']);
    }
    expect(outcome(await t.inject({ method: 'GET', url: '/api/users' }))).toEqual([401, 'UNAUTHENTICATED']);
    expect(outcome(await t.inject({ method: 'POST', url: '/api/auth/logout' }))).toEqual([401, 'UNAUTHENTICATED']);
    // The scheme is case-insensitive (RFC 7235).
    expect((await t.inject({ method: 'GET', url: '/api/me', headers: { authorization: `bearer ${admin}` } })).statusCode).toBe(200);
  });

  it('answers 403 FORBIDDEN to a signed-in user without the permission, and serves /api/me', async () => {
    await createUser(t, admin, 'hank', { email: 'hank@example.test', displayName: 'Hank H' });
    const token = await t.login('hank', PW);
    const denied = await t.inject({ method: 'GET', url: '/api/users?page=1&pageSize=20', token });
    expect(outcome(denied)).toEqual([403, 'FORBIDDEN']);
    expect(denied.json().error.details).toMatchObject({ permission: 'identity.users.read' });
    expect(outcome(await t.inject({ method: 'GET', url: '/api/audit?page=1&pageSize=50', token }))).toEqual([403, 'FORBIDDEN']);
    const me = await t.inject({ method: 'GET', url: '/api/me', token });
    expect(me.statusCode).toBe(200);
    expect(me.json()).toMatchObject({
      username: 'hank',
      displayName: 'Hank H',
      email: 'hank@example.test',
      roles: ['user'],
      mustChangePassword: false,
      mfaEnabled: false,
    });
  });

  it('treats SQL meta-characters in the username as an ordinary wrong login', async () => {
    for (const username of ["' OR 1=1 --", "admin' --", 'admin"; drop table identity_users; --', '%', '_dmin']) {
      const res = await loginRaw(t, username, ADMIN_PASSWORD);
      expect(outcome(res), username).toEqual([401, 'INVALID_CREDENTIALS']);
    }
    expect((await userRow(t, 'admin')).username).toBe('admin');
    const filtered = await t.inject({ method: 'GET', url: `/api/audit?user=${encodeURIComponent("' OR 1=1 --")}`, token: admin });
    expect(filtered.statusCode).toBe(200);
  });

  it('refuses malformed sign-in requests with 4xx codes and stores nothing', async () => {
    const before = await lastAuditId(t);
    const cases: Array<[unknown, string]> = [
      [{}, 'VALIDATION_FAILED'],
      [{ username: 'admin' }, 'VALIDATION_FAILED'],
      [{ password: ADMIN_PASSWORD }, 'VALIDATION_FAILED'],
      // (Scalars of another type are coerced by the server-wide Ajv options; objects and lists never are.)
      [{ username: { $gt: '' }, password: ADMIN_PASSWORD }, 'VALIDATION_FAILED'],
      [{ username: null, password: ADMIN_PASSWORD }, 'VALIDATION_FAILED'],
      [{ username: ['admin', 'root'], password: ADMIN_PASSWORD }, 'VALIDATION_FAILED'],
      [{ username: 'admin', password: { $ne: null } }, 'VALIDATION_FAILED'],
      [{ username: '', password: ADMIN_PASSWORD }, 'VALIDATION_FAILED'],
      [{ username: 'a'.repeat(101), password: ADMIN_PASSWORD }, 'VALIDATION_FAILED'],
      [{ username: 'admin', password: 'x'.repeat(1025) }, 'VALIDATION_FAILED'],
      [{ username: 'admin', password: ADMIN_PASSWORD, role: 'super-admin' }, 'VALIDATION_FAILED'],
      [{ username: 'admin', password: ADMIN_PASSWORD, otp: { code: '123456' } }, 'VALIDATION_FAILED'],
    ];
    for (const [payload, code] of cases) {
      const res = await t.inject({ method: 'POST', url: '/api/auth/login', payload: payload as object });
      expect(outcome(res), JSON.stringify(payload)).toEqual([400, code]);
    }
    const bad = await t.inject({
      method: 'POST',
      url: '/api/auth/login',
      headers: { 'content-type': 'application/json' },
      payload: '{"username":',
    });
    expect(outcome(bad)).toEqual([400, 'INVALID_JSON']);
    const text = await t.inject({ method: 'POST', url: '/api/auth/login', headers: { 'content-type': 'text/plain' }, payload: 'admin' });
    expect(outcome(text)).toEqual([400, 'VALIDATION_FAILED']);
    expect(await auditSince(t, before)).toEqual([]);
    expect((await userRow(t, 'admin')).failed_login_attempts).toBe(0);
  });

  it('answers 404 with a code for unknown ids, 400 for ids that are not ids', async () => {
    const cases: Array<[string, string, string]> = [
      ['GET', '/api/users/999999', 'USER_NOT_FOUND'],
      ['POST', '/api/users/999999/mfa/reset', 'USER_NOT_FOUND'],
      ['DELETE', '/api/me/tokens/999999', 'TOKEN_NOT_FOUND'],
      ['DELETE', '/api/me/sessions/999999', 'SESSION_NOT_FOUND'],
      ['GET', '/api/no-such-route', 'ROUTE_NOT_FOUND'],
    ];
    for (const [method, url, code] of cases) {
      const res = await t.inject({ method: method as 'GET', url, token: admin });
      expect(outcome(res), url).toEqual([404, code]);
    }
    for (const url of ['/api/users/abc', "/api/users/1' OR 1=1 --", '/api/users/0', '/api/users/99999999999']) {
      expect(outcome(await t.inject({ method: 'GET', url, token: admin })), url).toEqual([400, 'VALIDATION_FAILED']);
    }
  });
});

describeDb(`sign-in limits from the configuration (${TEST_DIALECT})`, () => {
  let t: TestApp;
  let clock: ManualClock;

  beforeAll(async () => {
    clock = new ManualClock('2031-04-01T09:00:00Z');
    t = await createTestApp({ clock, config: { bodyLimitBytes: 4096, security: { lockoutThreshold: 3, lockoutMinutes: 10 } } });
  });
  afterAll(async () => t?.close());

  it('locks at security.lockoutThreshold for security.lockoutMinutes', async () => {
    const admin = await t.adminToken();
    await createUser(t, admin, 'ivan');
    expect((await loginRaw(t, 'ivan', 'Wr0ng#Secret!')).statusCode).toBe(401);
    expect((await loginRaw(t, 'ivan', 'Wr0ng#Secret!')).statusCode).toBe(401);
    expect(outcome(await loginRaw(t, 'ivan', 'Wr0ng#Secret!'))).toEqual([423, 'ACCOUNT_LOCKED']);
    clock.advance(9 * MINUTE);
    expect((await loginRaw(t, 'ivan', PW)).statusCode).toBe(423);
    clock.advance(MINUTE + 1000);
    expect((await loginRaw(t, 'ivan', PW)).statusCode).toBe(200);
  });

  it('answers 413 BODY_TOO_LARGE above bodyLimitBytes, before anything is checked', async () => {
    const before = await lastAuditId(t);
    const res = await t.inject({
      method: 'POST',
      url: '/api/auth/login',
      headers: { 'content-type': 'application/json' },
      payload: JSON.stringify({ username: 'admin', password: 'x'.repeat(5000) }),
    });
    expect(outcome(res)).toEqual([413, 'BODY_TOO_LARGE']);
    const admin = await t.adminToken();
    const big = await t.inject({
      method: 'POST',
      url: '/api/me/tokens',
      token: admin,
      headers: { 'content-type': 'application/json' },
      payload: JSON.stringify({ name: 'n'.repeat(5000) }),
    });
    expect(outcome(big)).toEqual([413, 'BODY_TOO_LARGE']);
    expect(await auditSince(t, before)).toEqual([]);
  });
});
