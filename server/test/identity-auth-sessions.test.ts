import { afterAll, beforeAll, expect, it } from 'vitest';
import { ManualClock } from '../src/core/clock.js';
import { sha256 } from '../src/core/crypto/secret-box.js';
import { ADMIN_PASSWORD, createTestApp, describeDb, type TestApp } from './test-app.js';
import { TEST_DIALECT } from './test-db.js';
import { auditRows, createUser, DAY, HOUR, loginRaw, MINUTE, outcome, PW } from './identity-auth-helpers.js';

type Pair = { accessToken: string; refreshToken: string };

/** Refresh-token rotation and replay, logout, expiry, the sessions list, and single-session mode. */
describeDb(`sessions: refresh, logout, expiry (${TEST_DIALECT})`, () => {
  let t: TestApp;
  let clock: ManualClock;
  let admin: string;

  const refresh = (refreshToken: string) => t.inject({ method: 'POST', url: '/api/auth/refresh', payload: { refreshToken } });
  const me = (token: string) => t.inject({ method: 'GET', url: '/api/me', token });
  const session = (refreshToken: string) =>
    t.gh.ctx.db
      .selectFrom('identity_sessions')
      .selectAll()
      .where((eb) => eb.or([eb('refresh_hash', '=', sha256(refreshToken)), eb('previous_refresh_hash', '=', sha256(refreshToken))]))
      .executeTakeFirstOrThrow();

  beforeAll(async () => {
    clock = new ManualClock('2031-07-01T09:00:00Z');
    t = await createTestApp({ clock });
    admin = await t.adminToken();
    await createUser(t, admin, 'sam');
  });
  afterAll(async () => t?.close());

  it('rotates the refresh token: a new pair each time, both working', async () => {
    const first = (await loginRaw(t, 'sam', PW)).json() as Pair;
    const res = await refresh(first.refreshToken);
    expect(res.statusCode).toBe(200);
    const second = res.json();
    expect(second).toMatchObject({
      accessToken: expect.any(String),
      refreshToken: expect.stringMatching(/^ghr_/),
      expiresIn: 28800,
      tokenType: 'Bearer',
    });
    expect(second.refreshToken).not.toBe(first.refreshToken);
    expect((await me(second.accessToken)).statusCode).toBe(200);
    const third = await refresh(second.refreshToken);
    expect(third.statusCode).toBe(200);
    expect((await me(third.json().accessToken)).statusCode).toBe(200);
    // One session row carried through the rotations.
    const row = await session(third.json().refreshToken);
    expect(row).toMatchObject({ revoked_at: null, previous_refresh_hash: sha256(second.refreshToken) });
  });

  it('ends the session when a rotated refresh token is presented again (a stolen copy)', async () => {
    const first = (await loginRaw(t, 'sam', PW)).json() as Pair;
    const second = (await refresh(first.refreshToken)).json() as Pair;
    const replay = await refresh(first.refreshToken);
    expect(outcome(replay)).toEqual([401, 'INVALID_REFRESH_TOKEN']);
    // The legitimate-looking new pair dies with it: whoever holds it must sign in again.
    expect(outcome(await me(second.accessToken))).toEqual([401, 'UNAUTHENTICATED']);
    expect(outcome(await refresh(second.refreshToken))).toEqual([401, 'INVALID_REFRESH_TOKEN']);
    const row = await session(second.refreshToken);
    expect(row).toMatchObject({ revoked_reason: 'refresh-reuse', revoked_at: clock.now().toISOString() });
    const audit = (await auditRows(t, 'identity.session.reuse-detected')).filter((r) => r.resource_id === String(row.id));
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({ outcome: 'denied', user_id: row.user_id });
    // Other sessions of the same user are untouched.
    expect((await loginRaw(t, 'sam', PW)).statusCode).toBe(200);
  });

  it('refuses unknown, malformed and missing refresh tokens with codes', async () => {
    expect(outcome(await refresh('ghr_not-a-real-token'))).toEqual([401, 'INVALID_REFRESH_TOKEN']);
    expect(outcome(await refresh("' OR 1=1 --"))).toEqual([401, 'INVALID_REFRESH_TOKEN']);
    for (const payload of [
      {},
      { refreshToken: '' },
      { refreshToken: null },
      { refreshToken: 'x'.repeat(201) },
      { refreshToken: 'a', extra: 1 },
    ]) {
      const res = await t.inject({ method: 'POST', url: '/api/auth/refresh', payload });
      expect(res.statusCode, JSON.stringify(payload)).toBe(400);
      expect(res.json().error.code).toBe('VALIDATION_FAILED');
    }
  });

  it('logs out: the access and refresh tokens of that session stop working, and it is audited', async () => {
    const s = (await loginRaw(t, 'sam', PW)).json() as Pair;
    const other = (await loginRaw(t, 'sam', PW)).json() as Pair;
    const out = await t.inject({
      method: 'POST',
      url: '/api/auth/logout',
      token: s.accessToken,
      payload: { refreshToken: s.refreshToken },
    });
    expect(out.statusCode).toBe(204);
    expect(outcome(await me(s.accessToken))).toEqual([401, 'UNAUTHENTICATED']);
    expect(outcome(await refresh(s.refreshToken))).toEqual([401, 'INVALID_REFRESH_TOKEN']);
    expect((await session(s.refreshToken)).revoked_reason).toBe('logout');
    // Only that session: the user's other sign-in goes on.
    expect((await me(other.accessToken)).statusCode).toBe(200);
    const audit = (await auditRows(t, 'identity.logout')).at(-1)!;
    expect(audit).toMatchObject({ username: 'sam', outcome: 'success', resource_id: String((await session(s.refreshToken)).id) });
    // A body-less logout works the same.
    expect((await t.inject({ method: 'POST', url: '/api/auth/logout', token: other.accessToken })).statusCode).toBe(204);
    expect((await me(other.accessToken)).statusCode).toBe(401);
  });

  it('expires access tokens after 8 hours; the refresh token still gets a new one', async () => {
    const s = (await loginRaw(t, 'sam', PW)).json() as Pair;
    clock.advance(8 * HOUR - MINUTE);
    expect((await me(s.accessToken)).statusCode).toBe(200);
    clock.advance(MINUTE + 1000);
    expect(outcome(await me(s.accessToken))).toEqual([401, 'UNAUTHENTICATED']);
    const next = await refresh(s.refreshToken);
    expect(next.statusCode).toBe(200);
    expect((await me(next.json().accessToken)).statusCode).toBe(200);
    admin = await t.login('admin', ADMIN_PASSWORD);
  });

  it('expires refresh tokens after 30 days without use', async () => {
    const s = (await loginRaw(t, 'sam', PW)).json() as Pair;
    clock.advance(29 * DAY);
    const kept = await refresh(s.refreshToken);
    expect(kept.statusCode).toBe(200);
    // Each refresh slides the 30 days; an unused one lapses.
    clock.advance(30 * DAY + 1000);
    expect(outcome(await refresh(kept.json().refreshToken))).toEqual([401, 'INVALID_REFRESH_TOKEN']);
    admin = await t.login('admin', ADMIN_PASSWORD);
  });

  it('refuses refresh for a disabled or locked-out account', async () => {
    const id = await createUser(t, admin, 'tina');
    const s = (await loginRaw(t, 'tina', PW)).json() as Pair;
    for (let i = 0; i < 5; i++) await loginRaw(t, 'tina', 'Wr0ng#Secret!');
    expect(outcome(await refresh(s.refreshToken))).toEqual([401, 'INVALID_REFRESH_TOKEN']);
    clock.advance(31 * MINUTE);
    const s2 = (await loginRaw(t, 'tina', PW)).json() as Pair;
    expect((await t.inject({ method: 'POST', url: `/api/users/${id}/disable`, token: admin })).statusCode).toBe(200);
    expect(outcome(await refresh(s2.refreshToken))).toEqual([401, 'INVALID_REFRESH_TOKEN']);
    expect((await me(s2.accessToken)).statusCode).toBe(401);
  });

  it('lists my open sessions and ends one of them; other users’ sessions are not found', async () => {
    const id = await createUser(t, admin, 'uma');
    const a = (
      await t.inject({
        method: 'POST',
        url: '/api/auth/login',
        headers: { 'user-agent': 'laptop' },
        payload: { username: 'uma', password: PW },
      })
    ).json();
    const b = (
      await t.inject({
        method: 'POST',
        url: '/api/auth/login',
        headers: { 'user-agent': 'phone' },
        payload: { username: 'uma', password: PW },
      })
    ).json();
    const list = await t.inject({ method: 'GET', url: '/api/me/sessions', token: a.accessToken });
    expect(list.statusCode).toBe(200);
    const items = list.json().items as Array<{ id: number; current: boolean; userAgent: string }>;
    expect(items).toHaveLength(2);
    expect(items.find((i) => i.current)?.userAgent).toBe('laptop');
    const phone = items.find((i) => !i.current)!;
    expect(phone.userAgent).toBe('phone');
    expect(JSON.stringify(list.json())).not.toContain(b.refreshToken);

    // Another user cannot end it (and cannot tell it exists).
    const sam = await t.login('sam', PW);
    expect(outcome(await t.inject({ method: 'DELETE', url: `/api/me/sessions/${phone.id}`, token: sam }))).toEqual([
      404,
      'SESSION_NOT_FOUND',
    ]);
    expect((await me(b.accessToken)).statusCode).toBe(200);

    expect((await t.inject({ method: 'DELETE', url: `/api/me/sessions/${phone.id}`, token: a.accessToken })).statusCode).toBe(204);
    expect((await me(b.accessToken)).statusCode).toBe(401);
    expect(outcome(await refresh(b.refreshToken))).toEqual([401, 'INVALID_REFRESH_TOKEN']);
    expect(outcome(await t.inject({ method: 'DELETE', url: `/api/me/sessions/${phone.id}`, token: a.accessToken }))).toEqual([
      404,
      'SESSION_NOT_FOUND',
    ]);
    const audit = (await auditRows(t, 'identity.session.end')).filter((r) => r.user_id === id);
    expect(audit).toHaveLength(1);
  });
});

describeDb(`single-session mode (${TEST_DIALECT})`, () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp({ config: { security: { singleSession: true, accessTokenTtl: '15m' } } });
  });
  afterAll(async () => t?.close());

  it('ends the earlier session when the same user signs in again', async () => {
    const admin = await t.adminToken();
    await createUser(t, admin, 'vera');
    const first = (await loginRaw(t, 'vera', PW)).json() as Pair & { expiresIn: number };
    expect(first.expiresIn).toBe(15 * 60);
    expect((await t.inject({ method: 'GET', url: '/api/me', token: first.accessToken })).statusCode).toBe(200);
    const second = (await loginRaw(t, 'vera', PW)).json() as Pair;
    expect(outcome(await t.inject({ method: 'GET', url: '/api/me', token: first.accessToken }))).toEqual([401, 'UNAUTHENTICATED']);
    expect(outcome(await t.inject({ method: 'POST', url: '/api/auth/refresh', payload: { refreshToken: first.refreshToken } }))).toEqual([
      401,
      'INVALID_REFRESH_TOKEN',
    ]);
    expect((await t.inject({ method: 'GET', url: '/api/me', token: second.accessToken })).statusCode).toBe(200);
    const rows = await t.gh.ctx.db
      .selectFrom('identity_sessions as s')
      .innerJoin('identity_users as u', 'u.id', 's.user_id')
      .select(['s.revoked_reason'])
      .where('u.username', '=', 'vera')
      .orderBy('s.id')
      .execute();
    expect(rows.map((r) => r.revoked_reason)).toEqual(['single-session', null]);
    // Other users keep their sessions.
    expect((await t.inject({ method: 'GET', url: '/api/me', token: admin })).statusCode).toBe(200);
  });
});
