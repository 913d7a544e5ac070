import { afterAll, beforeAll, expect, it } from 'vitest';
import { ManualClock } from '../src/core/clock.js';
import { sha256 } from '../src/core/crypto/secret-box.js';
import { totp } from '../src/modules/identity/index.js';
import { ADMIN_PASSWORD, createTestApp, describeDb, type TestApp } from './test-app.js';
import { TEST_DIALECT } from './test-db.js';
import { auditRows, createUser, loginRaw, MINUTE, outcome, PW, userRow } from './identity-auth-helpers.js';

const STEP = 30_000;

/** TOTP enrolment, sign-in with a code, replay refusal, recovery codes, disabling and resetting MFA. */
describeDb(`MFA with TOTP and recovery codes (${TEST_DIALECT})`, () => {
  let t: TestApp;
  let clock: ManualClock;
  let admin: string;

  const post = (url: string, token: string, payload?: object) => t.inject({ method: 'POST', url, token, ...(payload ? { payload } : {}) });

  /** Sign in, enrol, and return the secret, the recovery codes and a fresh token. */
  async function enrol(username: string) {
    const token = await t.login(username, PW);
    const setup = await post('/api/me/mfa/setup', token);
    expect(setup.statusCode).toBe(200);
    const secret = setup.json().secret as string;
    const enable = await post('/api/me/mfa/enable', token, { otp: totp(secret, clock.now()) });
    expect(enable.statusCode, enable.body).toBe(200);
    // The enrolment code is spent: move to the next 30-second step before signing in with a code.
    clock.advance(STEP);
    return { secret, codes: enable.json().recoveryCodes as string[], token };
  }

  beforeAll(async () => {
    clock = new ManualClock('2031-08-01T09:00:00Z');
    t = await createTestApp({ clock });
    admin = await t.adminToken();
  });
  afterAll(async () => t?.close());

  it('enrols: a pending secret (sealed at rest), a QR code, then recovery codes once a code proves it', async () => {
    const id = await createUser(t, admin, 'mia');
    const token = await t.login('mia', PW);
    expect(outcome(await post('/api/me/mfa/enable', token, { otp: '123456' }))).toEqual([409, 'MFA_NOT_PENDING']);

    const setup = await post('/api/me/mfa/setup', token);
    expect(setup.statusCode).toBe(200);
    const { secret, otpauthUrl, qrDataUrl } = setup.json();
    expect(secret).toMatch(/^[A-Z2-7]{32}$/);
    expect(otpauthUrl).toBe(`otpauth://totp/Gatehouse%3Amia?secret=${secret}&issuer=Gatehouse&algorithm=SHA1&digits=6&period=30`);
    expect(qrDataUrl).toMatch(/^data:image\/png;base64,/);
    const pending = await userRow(t, 'mia');
    expect(pending.mfa_enabled).toBe(0);
    expect(pending.mfa_pending_secret).toBeTruthy();
    expect(pending.mfa_pending_secret).not.toContain(secret);
    // Until enabled, sign-in does not ask for a code.
    expect((await loginRaw(t, 'mia', PW)).statusCode).toBe(200);

    expect(outcome(await post('/api/me/mfa/enable', token, { otp: '000000' }))).toEqual([401, 'INVALID_OTP']);
    expect(outcome(await post('/api/me/mfa/enable', token, { otp: 'abcdef' }))).toEqual([401, 'INVALID_OTP']);
    expect(outcome(await post('/api/me/mfa/enable', token, {}))).toEqual([400, 'VALIDATION_FAILED']);
    const enable = await post('/api/me/mfa/enable', token, { otp: totp(secret, clock.now()) });
    expect(enable.statusCode).toBe(200);
    const codes = enable.json().recoveryCodes as string[];
    expect(codes).toHaveLength(10);
    expect(new Set(codes).size).toBe(10);
    for (const c of codes) expect(c).toMatch(/^[a-z0-9]{4}-[a-z0-9]{4}-[a-z0-9]{4}$/);

    const row = await userRow(t, 'mia');
    expect(row).toMatchObject({ mfa_enabled: 1, mfa_pending_secret: null });
    expect(row.mfa_secret).not.toContain(secret);
    const stored = await t.gh.ctx.db.selectFrom('identity_recovery_codes').selectAll().where('user_id', '=', id).execute();
    expect(stored.map((s) => s.code_hash).sort()).toEqual(codes.map((c) => sha256(c)).sort());
    expect((await auditRows(t, 'identity.mfa.enable')).filter((r) => r.user_id === id)).toHaveLength(1);
    expect(JSON.stringify(await t.gh.ctx.db.selectFrom('audit_events').selectAll().execute())).not.toContain(secret);

    expect(outcome(await post('/api/me/mfa/setup', token))).toEqual([409, 'MFA_ALREADY_ENABLED']);
    expect((await t.inject({ method: 'GET', url: '/api/me', token })).json().mfaEnabled).toBe(true);
  });

  it('asks for the code at sign-in without counting that as a failure, then takes a valid one', async () => {
    await createUser(t, admin, 'nico');
    const { secret } = await enrol('nico');
    const need = await loginRaw(t, 'nico', PW);
    expect(outcome(need)).toEqual([401, 'MFA_REQUIRED']);
    expect(need.json().accessToken).toBeUndefined();
    for (let i = 0; i < 6; i++) expect(outcome(await loginRaw(t, 'nico', PW))).toEqual([401, 'MFA_REQUIRED']);
    expect((await userRow(t, 'nico')).failed_login_attempts).toBe(0);
    // The password is checked before the code is asked for.
    expect(outcome(await loginRaw(t, 'nico', 'Wr0ng#Secret!', { otp: totp(secret, clock.now()) }))).toEqual([401, 'INVALID_CREDENTIALS']);
    const ok = await loginRaw(t, 'nico', PW, { otp: totp(secret, clock.now()) });
    expect(ok.statusCode).toBe(200);
    expect(ok.json().user.mfaEnabled).toBe(true);
    expect((await userRow(t, 'nico')).failed_login_attempts).toBe(0);
    const audit = (await auditRows(t, 'identity.login')).filter((r) => r.username === 'nico' && r.outcome === 'success').at(-1)!;
    expect(JSON.parse(audit.details!)).toMatchObject({ mfa: true });
  });

  it('refuses a code twice (replay) and an older code after a newer one', async () => {
    await createUser(t, admin, 'omar');
    const { secret } = await enrol('omar');
    const code = totp(secret, clock.now());
    expect((await loginRaw(t, 'omar', PW, { otp: code })).statusCode).toBe(200);
    expect(outcome(await loginRaw(t, 'omar', PW, { otp: code }))).toEqual([401, 'INVALID_OTP']);
    // The previous step is inside the drift window, but older than the step just used.
    const older = totp(secret, new Date(clock.now().getTime() - STEP));
    expect(outcome(await loginRaw(t, 'omar', PW, { otp: older }))).toEqual([401, 'INVALID_OTP']);
    // One step of drift is accepted: a phone whose clock is 30 s behind shows the previous step's code.
    clock.advance(2 * STEP);
    const behind = totp(secret, new Date(clock.now().getTime() - STEP));
    expect((await loginRaw(t, 'omar', PW, { otp: behind })).statusCode).toBe(200);
    expect((await loginRaw(t, 'omar', PW, { otp: totp(secret, clock.now()) })).statusCode).toBe(200);
    clock.advance(3 * STEP);
    const stale = totp(secret, new Date(clock.now().getTime() - 2 * STEP)); // unused, but out of the window
    expect(outcome(await loginRaw(t, 'omar', PW, { otp: stale }))).toEqual([401, 'INVALID_OTP']);
  });

  it('counts wrong codes as failed sign-ins: 5 lock the account', async () => {
    await createUser(t, admin, 'pia');
    const { secret } = await enrol('pia');
    for (let i = 1; i <= 4; i++) {
      expect(outcome(await loginRaw(t, 'pia', PW, { otp: '000000' }))).toEqual([401, 'INVALID_OTP']);
      expect((await userRow(t, 'pia')).failed_login_attempts).toBe(i);
    }
    const failure = (await auditRows(t, 'identity.login')).filter((r) => r.username === 'pia' && r.outcome === 'failure').at(-1)!;
    expect(JSON.parse(failure.details!)).toMatchObject({ reason: 'wrong-otp', attempts: 4 });
    expect(outcome(await loginRaw(t, 'pia', PW, { otp: 'not-a-code' }))).toEqual([423, 'ACCOUNT_LOCKED']);
    expect(outcome(await loginRaw(t, 'pia', PW, { otp: totp(secret, clock.now()) }))).toEqual([423, 'ACCOUNT_LOCKED']);
    clock.advance(31 * MINUTE);
    expect((await loginRaw(t, 'pia', PW, { otp: totp(secret, clock.now()) })).statusCode).toBe(200);
    admin = await t.login('admin', ADMIN_PASSWORD);
  });

  it('takes each recovery code once, and replaces them all on request', async () => {
    const id = await createUser(t, admin, 'quin');
    const { secret, codes } = await enrol('quin');
    expect((await loginRaw(t, 'quin', PW, { otp: codes[0] })).statusCode).toBe(200);
    expect(outcome(await loginRaw(t, 'quin', PW, { otp: codes[0] }))).toEqual([401, 'INVALID_OTP']);
    // Read off a screen: upper case and stray spaces still match.
    expect((await loginRaw(t, 'quin', PW, { otp: ` ${codes[1].toUpperCase()} ` })).statusCode).toBe(200);
    const used = await t.gh.ctx.db
      .selectFrom('identity_recovery_codes')
      .selectAll()
      .where('user_id', '=', id)
      .where('used_at', 'is not', null)
      .execute();
    expect(used).toHaveLength(2);

    const token = await t.login('quin', PW, codes[2]);
    expect(outcome(await post('/api/me/mfa/recovery-codes', token, { otp: '000000' }))).toEqual([401, 'INVALID_OTP']);
    const fresh = await post('/api/me/mfa/recovery-codes', token, { otp: totp(secret, clock.now()) });
    expect(fresh.statusCode).toBe(200);
    const next = fresh.json().recoveryCodes as string[];
    expect(next).toHaveLength(10);
    expect(outcome(await loginRaw(t, 'quin', PW, { otp: codes[3] }))).toEqual([401, 'INVALID_OTP']);
    expect((await loginRaw(t, 'quin', PW, { otp: next[0] })).statusCode).toBe(200);
    expect((await auditRows(t, 'identity.mfa.recovery-codes')).filter((r) => r.user_id === id)).toHaveLength(1);
  });

  it('turns MFA off only with the password and a code', async () => {
    const id = await createUser(t, admin, 'rex');
    const { secret } = await enrol('rex');
    const token = await t.login('rex', PW, totp(secret, clock.now()));
    clock.advance(STEP);
    const disable = (password: string, otp: string) => post('/api/me/mfa/disable', token, { password, otp });
    expect(outcome(await disable('Wr0ng#Secret!', totp(secret, clock.now())))).toEqual([400, 'WRONG_CURRENT_PASSWORD']);
    expect(outcome(await disable(PW, '000000'))).toEqual([401, 'INVALID_OTP']);
    expect(outcome(await post('/api/me/mfa/disable', token, { password: PW }))).toEqual([400, 'VALIDATION_FAILED']);
    expect((await userRow(t, 'rex')).mfa_enabled).toBe(1);
    expect((await disable(PW, totp(secret, clock.now()))).statusCode).toBe(204);
    const row = await userRow(t, 'rex');
    expect(row).toMatchObject({ mfa_enabled: 0, mfa_secret: null, mfa_last_counter: null });
    expect(await t.gh.ctx.db.selectFrom('identity_recovery_codes').selectAll().where('user_id', '=', id).execute()).toEqual([]);
    expect((await auditRows(t, 'identity.mfa.disable')).filter((r) => r.user_id === id)).toHaveLength(1);
    expect((await loginRaw(t, 'rex', PW)).statusCode).toBe(200);
  });

  it('counts wrong passwords and codes given to the MFA routes as failed sign-ins', async () => {
    await createUser(t, admin, 'sol');
    const { secret } = await enrol('sol');
    const token = await t.login('sol', PW, totp(secret, clock.now()));
    for (let i = 0; i < 2; i++) {
      expect((await post('/api/me/mfa/disable', token, { password: `Wr0ng#Guess${i}`, otp: '000000' })).statusCode).toBe(400);
    }
    expect((await post('/api/me/mfa/disable', token, { password: PW, otp: '000000' })).statusCode).toBe(401);
    expect((await post('/api/me/mfa/recovery-codes', token, { otp: '000000' })).statusCode).toBe(401);
    expect((await userRow(t, 'sol')).failed_login_attempts).toBe(4);
    expect(outcome(await post('/api/me/mfa/disable', token, { password: 'Wr0ng#Guess9', otp: '000000' }))).toEqual([423, 'ACCOUNT_LOCKED']);
    expect((await userRow(t, 'sol')).mfa_enabled).toBe(1);
    expect((await t.inject({ method: 'GET', url: '/api/me', token })).statusCode).toBe(401);
    clock.advance(31 * MINUTE);
    admin = await t.login('admin', ADMIN_PASSWORD);
  });

  it('lets an administrator clear a lost authenticator; the user enrols again', async () => {
    const id = await createUser(t, admin, 'tess');
    await enrol('tess');
    expect(outcome(await loginRaw(t, 'tess', PW))).toEqual([401, 'MFA_REQUIRED']);
    // A user without identity.users.manage cannot reset anyone.
    await createUser(t, admin, 'ugo');
    const plain = await t.login('ugo', PW);
    expect(outcome(await post(`/api/users/${id}/mfa/reset`, plain))).toEqual([403, 'FORBIDDEN']);
    expect(outcome(await post('/api/users/999999/mfa/reset', admin))).toEqual([404, 'USER_NOT_FOUND']);
    expect(outcome(await post('/api/users/abc/mfa/reset', admin))).toEqual([400, 'VALIDATION_FAILED']);

    expect((await post(`/api/users/${id}/mfa/reset`, admin)).statusCode).toBe(204);
    expect((await userRow(t, 'tess')).mfa_enabled).toBe(0);
    const audit = (await auditRows(t, 'identity.mfa.reset')).filter((r) => r.resource_id === String(id));
    expect(audit).toHaveLength(1);
    expect(audit[0].username).toBe('admin');
    const res = await loginRaw(t, 'tess', PW);
    expect(res.statusCode).toBe(200);
    expect((await post('/api/me/mfa/setup', res.json().accessToken)).statusCode).toBe(200);
  });
});

describeDb(`MFA enforced for everyone (${TEST_DIALECT})`, () => {
  let t: TestApp;
  let clock: ManualClock;

  beforeAll(async () => {
    clock = new ManualClock('2031-08-01T09:00:00Z');
    t = await createTestApp({ clock, config: { security: { mfaEnforced: true } } });
  });
  afterAll(async () => t?.close());

  it('holds every route but enrolment with 403 MFA_ENROLLMENT_REQUIRED until an authenticator is enrolled', async () => {
    const res = await loginRaw(t, 'admin', ADMIN_PASSWORD);
    expect(res.statusCode).toBe(200);
    expect(res.json().user).toMatchObject({ mustEnrollMfa: true, mfaEnabled: false });
    const token = res.json().accessToken as string;
    for (const url of ['/api/users', '/api/audit', '/api/me/tokens']) {
      expect(outcome(await t.inject({ method: 'GET', url, token })), url).toEqual([403, 'MFA_ENROLLMENT_REQUIRED']);
    }
    expect((await t.inject({ method: 'GET', url: '/api/me', token })).json()).toMatchObject({ mustEnrollMfa: true });
    const secret = (await t.inject({ method: 'POST', url: '/api/me/mfa/setup', token })).json().secret as string;
    expect(
      (await t.inject({ method: 'POST', url: '/api/me/mfa/enable', token, payload: { otp: totp(secret, clock.now()) } })).statusCode,
    ).toBe(200);
    // The same session goes on, now allowed everywhere.
    expect((await t.inject({ method: 'GET', url: '/api/users', token })).statusCode).toBe(200);
    expect((await t.inject({ method: 'GET', url: '/api/me', token })).json()).toMatchObject({ mustEnrollMfa: false, mfaEnabled: true });
    expect(outcome(await loginRaw(t, 'admin', ADMIN_PASSWORD))).toEqual([401, 'MFA_REQUIRED']);
  });

  it('asks a new user for the password change first, then for enrolment', async () => {
    clock.advance(STEP);
    const admin = await t.login('admin', ADMIN_PASSWORD, totp((await adminSecret()) ?? '', clock.now()));
    const created = await t.inject({
      method: 'POST',
      url: '/api/users',
      token: admin,
      payload: { username: 'vic', password: PW, roles: ['user'] },
    });
    expect(created.statusCode).toBe(201);
    const first = (await loginRaw(t, 'vic', PW)).json();
    expect(first.user).toMatchObject({ mustChangePassword: true, mustEnrollMfa: true });
    expect(outcome(await t.inject({ method: 'GET', url: '/api/notifications', token: first.accessToken }))).toEqual([
      403,
      'PASSWORD_CHANGE_REQUIRED',
    ]);
    const changed = await t.inject({
      method: 'POST',
      url: '/api/auth/password',
      token: first.accessToken,
      payload: { currentPassword: PW, newPassword: 'N3w#Passw0rd!' },
    });
    expect(changed.statusCode).toBe(200);
    const token = changed.json().accessToken;
    expect(outcome(await t.inject({ method: 'GET', url: '/api/notifications', token }))).toEqual([403, 'MFA_ENROLLMENT_REQUIRED']);
  });

  /** The admin's TOTP secret, opened from the database the way the server does. */
  async function adminSecret(): Promise<string | null> {
    const row = await userRow(t, 'admin');
    return row.mfa_secret ? t.gh.ctx.secrets.open(row.mfa_secret) : null;
  }
});
