import { afterAll, beforeAll, expect, it } from 'vitest';
import bcrypt from 'bcrypt';
import { ManualClock } from '../src/core/clock.js';
import { createTestApp, describeDb, type TestApp } from './test-app.js';
import { TEST_DIALECT } from './test-db.js';
import { auditRows, createUser, DAY, loginRaw, outcome, PW, userRow } from './identity-auth-helpers.js';

const NEW_PW = 'N3w#Passw0rd!';

/** Forced password change (first sign-in, admin reset, expiry) and the rules of POST /api/auth/password. */
describeDb(`password change: forced, expired, reset (${TEST_DIALECT})`, () => {
  let t: TestApp;
  let clock: ManualClock;
  let admin: string;

  const change = (token: string, currentPassword: unknown, newPassword: unknown) =>
    t.inject({ method: 'POST', url: '/api/auth/password', token, payload: { currentPassword, newPassword } });

  beforeAll(async () => {
    clock = new ManualClock('2031-06-01T09:00:00Z');
    t = await createTestApp({ clock });
    admin = await t.adminToken();
  });
  afterAll(async () => t?.close());

  it('makes a new account change its password first (the default), then lets it in', async () => {
    // No mustChangePassword in the body: the default is a forced change.
    const created = await t.inject({
      method: 'POST',
      url: '/api/users',
      token: admin,
      payload: { username: 'newbie', password: PW, roles: ['user'] },
    });
    expect(created.statusCode).toBe(201);
    expect(created.json().mustChangePassword).toBe(true);

    const first = await loginRaw(t, 'newbie', PW);
    expect(first.statusCode).toBe(200);
    expect(first.json().user.mustChangePassword).toBe(true);
    const { accessToken, refreshToken } = first.json();

    // Everything but the few pending-allowed routes answers 403 PASSWORD_CHANGE_REQUIRED.
    for (const url of ['/api/notifications', '/api/me/tokens', '/api/me/sessions', '/api/roles']) {
      expect(outcome(await t.inject({ method: 'GET', url, token: accessToken })), url).toEqual([403, 'PASSWORD_CHANGE_REQUIRED']);
    }
    const mint = await t.inject({ method: 'POST', url: '/api/me/tokens', token: accessToken, payload: { name: 'sneaky' } });
    expect(outcome(mint)).toEqual([403, 'PASSWORD_CHANGE_REQUIRED']);
    const me = await t.inject({ method: 'GET', url: '/api/me', token: accessToken });
    expect(me.statusCode).toBe(200);
    expect(me.json()).toMatchObject({ username: 'newbie', mustChangePassword: true });
    expect((await t.inject({ method: 'GET', url: '/api/access/me', token: accessToken })).statusCode).toBe(200);

    const changed = await change(accessToken, PW, NEW_PW);
    expect(changed.statusCode).toBe(200);
    const next = changed.json();
    expect(next).toMatchObject({ accessToken: expect.any(String), refreshToken: expect.any(String), user: { mustChangePassword: false } });
    expect(next.accessToken).not.toBe(accessToken);

    // The old pair is dead, the new one works everywhere.
    expect(outcome(await t.inject({ method: 'GET', url: '/api/me', token: accessToken }))).toEqual([401, 'UNAUTHENTICATED']);
    const oldRefresh = await t.inject({ method: 'POST', url: '/api/auth/refresh', payload: { refreshToken } });
    expect(outcome(oldRefresh)).toEqual([401, 'INVALID_REFRESH_TOKEN']);
    expect((await t.inject({ method: 'GET', url: '/api/notifications', token: next.accessToken })).statusCode).toBe(200);
    expect((await t.inject({ method: 'POST', url: '/api/auth/refresh', payload: { refreshToken: next.refreshToken } })).statusCode).toBe(
      200,
    );

    const row = await userRow(t, 'newbie');
    expect(row.must_change_password).toBe(0);
    expect(await bcrypt.compare(NEW_PW, row.password_hash)).toBe(true);
    expect(row.password_changed_at).toBe(clock.now().toISOString());
    expect(row.password_expires_at).toBe(new Date(clock.now().getTime() + 180 * DAY).toISOString());
    const revoked = await t.gh.ctx.db.selectFrom('identity_sessions').selectAll().where('user_id', '=', row.id).orderBy('id').execute();
    expect(revoked[0]).toMatchObject({ revoked_reason: 'password-change' });
    const audit = (await auditRows(t, 'identity.password.change')).filter((r) => r.user_id === row.id);
    expect(audit).toHaveLength(1);
    expect(audit[0].details ?? '').not.toContain(NEW_PW);

    expect((await loginRaw(t, 'newbie', PW)).statusCode).toBe(401);
    expect((await loginRaw(t, 'newbie', NEW_PW)).json().user.mustChangePassword).toBe(false);
  });

  it('refuses weak, reused and wrongly-confirmed passwords with their codes and changes nothing', async () => {
    await createUser(t, admin, 'olga');
    const token = await t.login('olga', PW);
    const hashBefore = (await userRow(t, 'olga')).password_hash;

    const weak = await change(token, PW, 'password');
    expect(outcome(weak)).toEqual([400, 'WEAK_PASSWORD']);
    expect(
      weak
        .json()
        .error.details.problems.map((p: { rule: string }) => p.rule)
        .sort(),
    ).toEqual(['digit', 'special', 'upper']);
    for (const pw of ['Sh0rt#', 'alllower#123', 'ALLUPPER#123', 'NoDigits#here', 'NoSpecial123', `Aa1#${'x'.repeat(80)}`]) {
      expect(outcome(await change(token, PW, pw)), pw).toEqual([400, 'WEAK_PASSWORD']);
    }
    expect(outcome(await change(token, PW, PW))).toEqual([400, 'PASSWORD_REUSED']);
    expect(outcome(await change(token, 'Wr0ng#Current', NEW_PW))).toEqual([400, 'WRONG_CURRENT_PASSWORD']);
    // A wrong current password is a failed sign-in for the lockout count.
    expect((await userRow(t, 'olga')).failed_login_attempts).toBe(1);
    for (const body of [
      {},
      { currentPassword: PW },
      { newPassword: NEW_PW },
      { currentPassword: PW, newPassword: null },
      { currentPassword: { $ne: '' }, newPassword: NEW_PW },
      { currentPassword: PW, newPassword: '' },
    ]) {
      const res = await t.inject({ method: 'POST', url: '/api/auth/password', token, payload: body });
      expect(outcome(res), JSON.stringify(body)).toEqual([400, 'VALIDATION_FAILED']);
    }
    expect(
      outcome(await t.inject({ method: 'POST', url: '/api/auth/password', payload: { currentPassword: PW, newPassword: NEW_PW } })),
    ).toEqual([401, 'UNAUTHENTICATED']);
    expect((await userRow(t, 'olga')).password_hash).toBe(hashBefore);
    expect((await t.inject({ method: 'GET', url: '/api/me', token })).statusCode).toBe(200);
  });

  it('locks the account when the current password is guessed wrong 5 times', async () => {
    await createUser(t, admin, 'pete');
    const token = await t.login('pete', PW);
    for (let i = 0; i < 4; i++) expect(outcome(await change(token, `Wr0ng#Guess${i}`, NEW_PW))).toEqual([400, 'WRONG_CURRENT_PASSWORD']);
    expect(outcome(await change(token, 'Wr0ng#Guess5', NEW_PW))).toEqual([423, 'ACCOUNT_LOCKED']);
    expect((await loginRaw(t, 'pete', PW)).statusCode).toBe(423);
  });

  it('treats an expired password as a forced change: sign-in works, everything else waits', async () => {
    const id = await createUser(t, admin, 'quinn');
    const row = await userRow(t, 'quinn');
    expect(row.password_expires_at).toBe(new Date(clock.now().getTime() + 180 * DAY).toISOString());
    // Move quinn's clock past expiry without expiring everyone: set the stored date 1 s in the past.
    const saved = clock.now();
    clock.set(new Date(Date.parse(row.password_expires_at) + 1000));
    try {
      const res = await loginRaw(t, 'quinn', PW);
      expect(res.statusCode).toBe(200);
      expect(res.json().user).toMatchObject({ id, mustChangePassword: true, passwordExpired: true });
      const token = res.json().accessToken;
      expect(outcome(await t.inject({ method: 'GET', url: '/api/notifications', token }))).toEqual([403, 'PASSWORD_CHANGE_REQUIRED']);
      expect((await t.inject({ method: 'GET', url: '/api/me', token })).json()).toMatchObject({ passwordExpired: true });
      const changed = await change(token, PW, NEW_PW);
      expect(changed.statusCode).toBe(200);
      expect(changed.json().user).toMatchObject({ mustChangePassword: false, passwordExpired: false });
      expect((await t.inject({ method: 'GET', url: '/api/notifications', token: changed.json().accessToken })).statusCode).toBe(200);
    } finally {
      clock.set(saved);
    }
  });

  it('forces a change again after an admin reset, ending the sessions the user had', async () => {
    const id = await createUser(t, admin, 'rosa');
    const s = (await loginRaw(t, 'rosa', PW)).json();
    const reset = await t.inject({
      method: 'POST',
      url: `/api/users/${id}/reset-password`,
      token: admin,
      payload: { newPassword: 'Reset#Pass123' },
    });
    expect(reset.statusCode).toBe(200);
    expect(reset.json()).toMatchObject({ mustChangePassword: true });
    expect(reset.json().temporaryPassword).toBeUndefined();
    expect((await t.inject({ method: 'GET', url: '/api/me', token: s.accessToken })).statusCode).toBe(401);
    expect((await t.inject({ method: 'POST', url: '/api/auth/refresh', payload: { refreshToken: s.refreshToken } })).statusCode).toBe(401);

    expect((await loginRaw(t, 'rosa', PW)).statusCode).toBe(401);
    const again = await loginRaw(t, 'rosa', 'Reset#Pass123');
    expect(again.json().user.mustChangePassword).toBe(true);
    const token = again.json().accessToken;
    expect(outcome(await t.inject({ method: 'GET', url: '/api/notifications', token }))).toEqual([403, 'PASSWORD_CHANGE_REQUIRED']);
    expect((await change(token, 'Reset#Pass123', NEW_PW)).statusCode).toBe(200);

    // Without a body the server generates a temporary password that meets the policy, shown once.
    const generated = await t.inject({ method: 'POST', url: `/api/users/${id}/reset-password`, token: admin });
    expect(generated.statusCode).toBe(200);
    const temp = generated.json().temporaryPassword as string;
    expect(temp).toMatch(/^(?=.*[A-Z])(?=.*[a-z])(?=.*\d)(?=.*[^A-Za-z0-9]).{12,}$/);
    expect((await loginRaw(t, 'rosa', temp)).json().user.mustChangePassword).toBe(true);
    const audit = (await auditRows(t, 'identity.user.password-reset')).filter((r) => r.resource_id === String(id));
    expect(audit.map((a) => JSON.parse(a.details!).generated)).toEqual([false, true]);
    expect(audit.map((a) => a.details).join()).not.toContain(temp);

    const weak = await t.inject({ method: 'POST', url: `/api/users/${id}/reset-password`, token: admin, payload: { newPassword: 'weak' } });
    expect(outcome(weak)).toEqual([400, 'WEAK_PASSWORD']);
    const unknown = await t.inject({ method: 'POST', url: '/api/users/999999/reset-password', token: admin, payload: {} });
    expect(outcome(unknown)).toEqual([404, 'USER_NOT_FOUND']);
    const userToken = await t.login('rosa', temp);
    const notAdmin = await t.inject({ method: 'POST', url: `/api/users/${id}/reset-password`, token: userToken, payload: {} });
    expect(outcome(notAdmin)).toEqual([403, 'PASSWORD_CHANGE_REQUIRED']);
  });
});
