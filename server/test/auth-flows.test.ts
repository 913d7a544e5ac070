import { publicEncrypt, constants } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../src/core/clock.js';
import { totp } from '../src/modules/identity/index.js';
import { ADMIN_PASSWORD, createTestApp, describeDb, type TestApp } from './test-app.js';

const PW = 'Str0ng#Passw0rd';
const HOUR = 3_600_000;

describeDb('sign-in, lockout, sessions, forced change, MFA and API tokens', () => {
  let t: TestApp;
  let clock: ManualClock;
  let admin: string;

  const login = (username: string, password: string, extra: Record<string, unknown> = {}) =>
    t.inject({ method: 'POST', url: '/api/auth/login', payload: { username, password, ...extra } });
  const createUser = async (username: string, body: Record<string, unknown> = {}) => {
    const res = await t.inject({
      method: 'POST',
      url: '/api/users',
      token: admin,
      payload: { username, password: PW, roles: ['user'], ...body },
    });
    expect(res.statusCode, res.body).toBe(201);
    return res.json().id as number;
  };
  const audit = (action: string) => t.gh.ctx.db.selectFrom('audit_events').selectAll().where('action', '=', action).orderBy('id').execute();

  beforeAll(async () => {
    clock = new ManualClock('2026-03-02T10:00:00Z');
    t = await createTestApp({ clock });
    admin = await t.adminToken();
  });
  afterAll(async () => t?.close());

  it('signs in with the documented shape and serves /api/me with the token', async () => {
    const res = await login('admin', ADMIN_PASSWORD);
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body).toMatchObject({
      accessToken: expect.any(String),
      refreshToken: expect.any(String),
      user: { id: expect.any(Number), username: 'admin', mustChangePassword: false },
    });
    const me = await t.inject({ method: 'GET', url: '/api/me', token: body.accessToken });
    expect(me.statusCode).toBe(200);
    expect(me.json().roles).toContain('super-admin');
    expect((await t.inject({ method: 'GET', url: '/api/me' })).statusCode).toBe(401);
  });

  it('answers 401 for a wrong password or an unknown user alike, and audits both without the password', async () => {
    await createUser('carol', { mustChangePassword: false });
    const wrong = await login('carol', 'Wrong#Pass999');
    const unknown = await login("nobody' OR 1=1 --", 'Wrong#Pass999');
    expect([wrong.statusCode, unknown.statusCode]).toEqual([401, 401]);
    expect(wrong.json().error.code).toBe('INVALID_CREDENTIALS');
    expect(unknown.json().error.message).toBe(wrong.json().error.message);
    const rows = await audit('identity.login');
    expect(rows.some((r) => r.outcome === 'failure' && r.username === 'carol')).toBe(true);
    expect(rows.map((r) => r.details ?? '').join()).not.toContain('Wrong#Pass999');
  });

  it('locks after 5 failures (423 even with the right password) and unlocks after 30 minutes', async () => {
    await createUser('dave', { mustChangePassword: false });
    for (let i = 0; i < 4; i++) expect((await login('dave', 'Wrong#Pass999')).statusCode).toBe(401);
    const fifth = await login('dave', 'Wrong#Pass999');
    expect(fifth.statusCode).toBe(423);
    expect(fifth.json().error.code).toBe('ACCOUNT_LOCKED');
    expect((await login('dave', PW)).statusCode).toBe(423);
    clock.advance(29 * 60_000);
    expect((await login('dave', PW)).statusCode).toBe(423);
    clock.advance(2 * 60_000);
    expect((await login('dave', PW)).statusCode).toBe(200);
  });

  it('forces a password change at first sign-in and ends the old session with it', async () => {
    await createUser('erin');
    const first = await login('erin', PW);
    expect(first.json().user.mustChangePassword).toBe(true);
    const token = first.json().accessToken;
    const blocked = await t.inject({ method: 'GET', url: '/api/notifications', token });
    expect(blocked.statusCode).toBe(403);
    expect(blocked.json().error.code).toBe('PASSWORD_CHANGE_REQUIRED');
    expect((await t.inject({ method: 'GET', url: '/api/me', token })).statusCode).toBe(200);
    const weak = await t.inject({
      method: 'POST',
      url: '/api/auth/password',
      token,
      payload: { currentPassword: PW, newPassword: 'short' },
    });
    expect([weak.statusCode, weak.json().error.code]).toEqual([400, 'WEAK_PASSWORD']);
    const same = await t.inject({ method: 'POST', url: '/api/auth/password', token, payload: { currentPassword: PW, newPassword: PW } });
    expect(same.json().error.code).toBe('PASSWORD_REUSED');
    const changed = await t.inject({
      method: 'POST',
      url: '/api/auth/password',
      token,
      payload: { currentPassword: PW, newPassword: 'N3w#Password!' },
    });
    expect(changed.statusCode).toBe(200);
    expect(changed.json().user.mustChangePassword).toBe(false);
    expect((await t.inject({ method: 'GET', url: '/api/me', token })).statusCode).toBe(401);
    const refreshOld = await t.inject({ method: 'POST', url: '/api/auth/refresh', payload: { refreshToken: first.json().refreshToken } });
    expect(refreshOld.statusCode).toBe(401);
    expect((await t.inject({ method: 'GET', url: '/api/notifications', token: changed.json().accessToken })).statusCode).toBe(200);
  });

  it('treats an expired password as a forced change', async () => {
    await createUser('frank', { mustChangePassword: false });
    // 180 days later for frank alone (moving the clock would expire every account here).
    const past = new Date(clock.now().getTime() - 1000).toISOString();
    await t.gh.ctx.db.updateTable('identity_users').set({ password_expires_at: past }).where('username', '=', 'frank').execute();
    const res = await login('frank', PW);
    expect(res.statusCode).toBe(200);
    expect(res.json().user.mustChangePassword).toBe(true);
  });

  it('rotates refresh tokens and ends the session when an old one is replayed', async () => {
    const first = (await login('admin', ADMIN_PASSWORD)).json();
    const second = await t.inject({ method: 'POST', url: '/api/auth/refresh', payload: { refreshToken: first.refreshToken } });
    expect(second.statusCode).toBe(200);
    const replay = await t.inject({ method: 'POST', url: '/api/auth/refresh', payload: { refreshToken: first.refreshToken } });
    expect([replay.statusCode, replay.json().error.code]).toEqual([401, 'INVALID_REFRESH_TOKEN']);
    expect((await t.inject({ method: 'GET', url: '/api/me', token: second.json().accessToken })).statusCode).toBe(401);
  });

  it('logs out, and access tokens expire after 8 hours', async () => {
    const s = (await login('admin', ADMIN_PASSWORD)).json();
    expect((await t.inject({ method: 'POST', url: '/api/auth/logout', token: s.accessToken })).statusCode).toBe(204);
    expect((await t.inject({ method: 'GET', url: '/api/me', token: s.accessToken })).statusCode).toBe(401);
    const s2 = (await login('admin', ADMIN_PASSWORD)).json();
    clock.advance(8 * HOUR + 1000);
    expect((await t.inject({ method: 'GET', url: '/api/me', token: s2.accessToken })).statusCode).toBe(401);
    admin = await t.login('admin', ADMIN_PASSWORD);
  });

  it('enrols TOTP, asks for it at sign-in, counts wrong codes, refuses replays and takes a recovery code once', async () => {
    await createUser('gina', { mustChangePassword: false });
    const token = await t.login('gina', PW);
    const setup = await t.inject({ method: 'POST', url: '/api/me/mfa/setup', token });
    expect(setup.json().qrDataUrl).toMatch(/^data:image\/png;base64,/);
    const secret = setup.json().secret as string;
    const enable = await t.inject({ method: 'POST', url: '/api/me/mfa/enable', token, payload: { otp: totp(secret, clock.now()) } });
    expect(enable.statusCode).toBe(200);
    const codes = enable.json().recoveryCodes as string[];
    expect(codes).toHaveLength(10);
    const need = await login('gina', PW);
    expect([need.statusCode, need.json().error.code]).toEqual([401, 'MFA_REQUIRED']);
    const bad = await login('gina', PW, { otp: '000000' });
    expect(bad.json().error.code).toBe('INVALID_OTP');
    const attempts = await t.gh.ctx.db
      .selectFrom('identity_users')
      .select('failed_login_attempts')
      .where('username', '=', 'gina')
      .executeTakeFirstOrThrow();
    expect(attempts.failed_login_attempts).toBe(1);
    clock.advance(60_000);
    const code = totp(secret, clock.now());
    expect((await login('gina', PW, { otp: code })).statusCode).toBe(200);
    expect((await login('gina', PW, { otp: code })).statusCode).toBe(401);
    expect((await login('gina', PW, { otp: codes[0] })).statusCode).toBe(200);
    expect((await login('gina', PW, { otp: codes[0] })).statusCode).toBe(401);
  });

  it('accepts an RSA-OAEP encrypted password and refuses garbage with a code', async () => {
    const key = (await t.inject({ method: 'GET', url: '/api/auth/public-key' })).json();
    expect(key.enabled).toBe(true);
    const enc = publicEncrypt(
      { key: key.publicKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256' },
      Buffer.from(ADMIN_PASSWORD),
    ).toString('base64');
    expect(
      (await t.inject({ method: 'POST', url: '/api/auth/login', payload: { username: 'admin', encryptedPassword: enc } })).statusCode,
    ).toBe(200);
    const garbage = await t.inject({ method: 'POST', url: '/api/auth/login', payload: { username: 'admin', encryptedPassword: 'AAAA' } });
    expect([garbage.statusCode, garbage.json().error.code]).toEqual([400, 'INVALID_ENCRYPTED_PASSWORD']);
    const both = await t.inject({
      method: 'POST',
      url: '/api/auth/login',
      payload: { username: 'admin', password: 'x', encryptedPassword: enc },
    });
    expect(both.statusCode).toBe(400);
  });

  it('issues API tokens that work as Bearer tokens until revoked or expired, within their scopes', async () => {
    const created = await t.inject({ method: 'POST', url: '/api/me/tokens', token: admin, payload: { name: 'ci', expiresInDays: 1 } });
    expect(created.statusCode).toBe(201);
    const { id, token } = created.json();
    expect((await t.inject({ method: 'GET', url: '/api/users?page=1&pageSize=5', token })).statusCode).toBe(200);
    const list = await t.inject({ method: 'GET', url: '/api/me/tokens', token: admin });
    expect(JSON.stringify(list.json())).not.toContain(token);
    const scoped = (
      await t.inject({ method: 'POST', url: '/api/me/tokens', token: admin, payload: { name: 'audit only', scopes: ['audit.read'] } })
    ).json();
    expect((await t.inject({ method: 'GET', url: '/api/audit?page=1&pageSize=5', token: scoped.token })).statusCode).toBe(200);
    expect((await t.inject({ method: 'GET', url: '/api/users', token: scoped.token })).statusCode).toBe(403);
    clock.advance(25 * HOUR);
    expect((await t.inject({ method: 'GET', url: '/api/me', token })).statusCode).toBe(401);
    admin = await t.login('admin', ADMIN_PASSWORD);
    expect((await t.inject({ method: 'DELETE', url: `/api/me/tokens/${scoped.id}`, token: admin })).statusCode).toBe(204);
    expect((await t.inject({ method: 'GET', url: '/api/audit', token: scoped.token })).statusCode).toBe(401);
    expect((await t.inject({ method: 'DELETE', url: `/api/me/tokens/${id + 999}`, token: admin })).json().error.code).toBe(
      'TOKEN_NOT_FOUND',
    );
  });

  it('refuses bad input with codes, never 500', async () => {
    const cases = [
      { payload: {}, status: 400 },
      { payload: { username: { a: 1 }, password: 'x' }, status: 400 },
      { payload: { username: 'admin', password: 'x'.repeat(2000) }, status: 400 },
    ];
    for (const c of cases) {
      const res = await t.inject({ method: 'POST', url: '/api/auth/login', payload: c.payload });
      expect(res.statusCode).toBe(c.status);
      expect(res.json().error.code).toBe('VALIDATION_FAILED');
    }
    const huge = await t.inject({
      method: 'POST',
      url: '/api/auth/login',
      headers: { 'content-type': 'application/json' },
      payload: JSON.stringify({ username: 'a', password: 'b'.repeat(2 * 1024 * 1024) }),
    });
    expect([huge.statusCode, huge.json().error.code]).toEqual([413, 'BODY_TOO_LARGE']);
    const badJson = await t.inject({
      method: 'POST',
      url: '/api/auth/login',
      headers: { 'content-type': 'application/json' },
      payload: '{"username":',
    });
    expect([badJson.statusCode, badJson.json().error.code]).toEqual([400, 'INVALID_JSON']);
  });
});

describe('the default configuration', () => {
  it('hashes passwords with bcrypt cost 12', async () => {
    if (process.env.GATEHOUSE_SKIP_ALL) return;
    const t = await createTestApp({ config: { security: { bcryptCost: 12 } } });
    try {
      const row = await t.gh.ctx.db
        .selectFrom('identity_users')
        .select('password_hash')
        .where('username', '=', 'admin')
        .executeTakeFirstOrThrow();
      expect(row.password_hash).toMatch(/^\$2b\$12\$/);
      const { parseConfig } = await import('../src/core/config/config.loader.js');
      expect(parseConfig({}).security.bcryptCost).toBe(12);
    } finally {
      await t.close();
    }
  });
});
