import bcrypt from 'bcrypt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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

describeDb('user administration: create, read, change, delete', () => {
  let f: AdminFixture;
  beforeAll(async () => {
    f = await adminFixture();
  });
  afterAll(async () => f?.t.close());

  const post = (url: string, payload?: unknown, token = f.admin) =>
    f.t.inject({ method: 'POST', url, token, ...(payload === undefined ? {} : { payload: payload as object }) });

  /** Give a user an open session row, so tests can see it revoked. */
  async function openSession(userId: number) {
    const now = f.t.clock.now().toISOString();
    await f.t.gh.ctx.db
      .insertInto('identity_sessions')
      .values({
        user_id: userId,
        refresh_hash: `h-${userId}-${Math.random()}`,
        created_at: now,
        refreshed_at: now,
        expires_at: '2999-01-01T00:00:00.000Z',
      })
      .execute();
  }
  async function openSessions(userId: number) {
    const rows = await f.t.gh.ctx.db.selectFrom('identity_sessions').selectAll().where('user_id', '=', userId).execute();
    return rows.filter((r) => !r.revoked_at);
  }

  describe('POST /api/users', () => {
    it('creates a user: lower-case name, bcrypt hash, forced change, expiry, roles, groups, audit', async () => {
      const g = await f.t.inject({ method: 'POST', url: '/api/groups', token: f.admin, payload: { name: 'ops' } });
      expect(g.statusCode).toBe(201);
      const u = await createUser(f, {
        username: 'Alice.Liu',
        displayName: '刘爱丽',
        email: 'alice@example.com',
        roles: ['user'],
        groups: ['ops'],
      });
      expect(u).toMatchObject({
        username: 'alice.liu',
        displayName: '刘爱丽',
        email: 'alice@example.com',
        status: 'active',
        mustChangePassword: true,
        roles: ['user'],
      });
      expect(u.groups).toEqual([{ id: g.json().id, name: 'ops' }]);
      expect(u).not.toHaveProperty('passwordHash');
      const row = (await userRow(f, 'alice.liu'))!;
      expect(row.password_hash).toMatch(/^\$2b\$04\$/);
      expect(await bcrypt.compare(STRONG, row.password_hash)).toBe(true);
      expect(row.must_change_password).toBe(1);
      const days = (Date.parse(row.password_expires_at) - f.t.clock.now().getTime()) / 86_400_000;
      expect(days).toBeCloseTo(180, 3);
      const [ev] = (await auditRows(f, 'identity.user.create')).filter((e) => e.resource_id === String(u.id));
      expect(ev).toMatchObject({ user_id: f.adminId, username: 'admin', resource_type: 'user', outcome: 'success' });
      expect(JSON.stringify(ev.details)).not.toContain(STRONG);
    });

    it('lets the admin skip the forced change', async () => {
      const u = await createUser(f, { username: 'bob', mustChangePassword: false });
      expect(u.mustChangePassword).toBe(false);
      expect((await userRow(f, 'bob'))!.must_change_password).toBe(0);
    });

    it('refuses a taken username, in any case, with 409 USERNAME_TAKEN', async () => {
      expectError(await post('/api/users', { username: 'BOB', password: STRONG }), 409, 'USERNAME_TAKEN');
    });

    it('refuses a weak password with the broken rules', async () => {
      const before = await countRows(f, 'identity_users');
      const res = await post('/api/users', { username: 'weak', password: 'password' });
      expectError(res, 400, 'WEAK_PASSWORD');
      const rules = res.json().error.details.problems.map((p: { rule: string }) => p.rule);
      expect(rules).toEqual(expect.arrayContaining(['upper', 'digit', 'special']));
      expect(await countRows(f, 'identity_users')).toBe(before);
    });

    it('refuses unknown roles and groups, storing nothing', async () => {
      const before = await countRows(f, 'identity_users');
      const r1 = await post('/api/users', { username: 'carol', password: STRONG, roles: ['no-such-role'] });
      expect(r1.statusCode).toBe(400);
      expectError(
        await post('/api/users', { username: 'carol', password: STRONG, groups: ['no-such-group', 999999] }),
        400,
        'UNKNOWN_GROUPS',
      );
      expect(await countRows(f, 'identity_users')).toBe(before);
      expect(await userRow(f, 'carol')).toBeUndefined();
    });

    it.each([
      ['missing password', { username: 'dave' }],
      ['missing username', { password: STRONG }],
      ['username too short', { username: 'd', password: STRONG }],
      ['username with a space', { username: 'da ve', password: STRONG }],
      ['username with a quote', { username: "o'neil", password: STRONG }],
      ['username too long', { username: 'x'.repeat(51), password: STRONG }],
      ['object as username', { username: { $ne: '' }, password: STRONG }],
      ['list as password', { username: 'dave', password: [STRONG, STRONG] }],
      ['text as mustChangePassword', { username: 'dave', password: STRONG, mustChangePassword: 'maybe' }],
      ['bad e-mail', { username: 'dave', password: STRONG, email: 'not-an-address' }],
      ['roles not a list', { username: 'dave', password: STRONG, roles: { role: 'user' } }],
      ['group given as object', { username: 'dave', password: STRONG, groups: [{ id: 1 }] }],
      ['unknown field', { username: 'dave', password: STRONG, isAdmin: true }],
      ['NUL in display name', { username: 'dave', password: STRONG, displayName: 'a\u0000b' }],
    ])('answers 400 VALIDATION_FAILED for %s', async (_name, body) => {
      expectError(await post('/api/users', body), 400, 'VALIDATION_FAILED');
      expect(await userRow(f, 'dave')).toBeUndefined();
    });

    it('answers 400 for a body that is not JSON', async () => {
      const res = await f.t.inject({
        method: 'POST',
        url: '/api/users',
        token: f.admin,
        headers: { 'content-type': 'application/json' },
        payload: '{"username":',
      });
      expectError(res, 400, 'INVALID_JSON');
    });
  });

  describe('GET and PATCH /api/users/{id}', () => {
    it('reads one user; 404 for an unknown id and 400 for a malformed one', async () => {
      const bob = (await userRow(f, 'bob'))!;
      const res = await f.t.inject({ method: 'GET', url: `/api/users/${bob.id}`, token: f.admin });
      expect(res.statusCode).toBe(200);
      expect(res.json()).toMatchObject({ id: bob.id, username: 'bob' });
      expectError(await f.t.inject({ method: 'GET', url: '/api/users/987654', token: f.admin }), 404, 'USER_NOT_FOUND');
      for (const bad of ['abc', '1.5', '-1', '0', '99999999999', "1'%20OR%20'1'='1"]) {
        expectError(await f.t.inject({ method: 'GET', url: `/api/users/${bad}`, token: f.admin }), 400, 'VALIDATION_FAILED');
      }
    });

    it('changes profile, roles and groups, with an audit event', async () => {
      const bob = (await userRow(f, 'bob'))!;
      const res = await f.t.inject({
        method: 'PATCH',
        url: `/api/users/${bob.id}`,
        token: f.admin,
        payload: { displayName: 'Bob B.', email: 'bob@example.com', locale: 'zh-CN', roles: ['user'], groups: ['ops'] },
      });
      expect(res.statusCode, res.body).toBe(200);
      expect(res.json()).toMatchObject({ displayName: 'Bob B.', email: 'bob@example.com', locale: 'zh-CN', groups: [{ name: 'ops' }] });
      expect(res.json().roles).toContain('user');
      const row = (await userRow(f, 'bob'))!;
      expect(row).toMatchObject({ display_name: 'Bob B.', email: 'bob@example.com', locale: 'zh-CN' });
      const ev = (await auditRows(f, 'identity.user.update')).at(-1)!;
      expect(ev.resource_id).toBe(String(bob.id));
      expect(ev.details.before.displayName).toBe('');

      const cleared = await f.t.inject({
        method: 'PATCH',
        url: `/api/users/${bob.id}`,
        token: f.admin,
        payload: { email: null, groups: [] },
      });
      expect(cleared.json()).toMatchObject({ email: null, groups: [] });
    });

    it('refuses an empty or invalid change and unknown ids', async () => {
      const bob = (await userRow(f, 'bob'))!;
      const patch = (payload: unknown, id: number | string = bob.id) =>
        f.t.inject({ method: 'PATCH', url: `/api/users/${id}`, token: f.admin, payload: payload as object });
      expectError(await patch({}), 400, 'VALIDATION_FAILED');
      expectError(await patch({ email: 'x' }), 400, 'VALIDATION_FAILED');
      expectError(await patch({ locale: 'klingon-xx' }), 400, 'VALIDATION_FAILED');
      expectError(await patch({ username: 'renamed' }), 400, 'VALIDATION_FAILED');
      expectError(await patch({ groups: ['nope'] }), 400, 'UNKNOWN_GROUPS');
      expectError(await patch({ displayName: 'x' }, 424242), 404, 'USER_NOT_FOUND');
      expect((await userRow(f, 'bob'))!.display_name).toBe('Bob B.');
    });
  });

  describe('status changes', () => {
    it('disables (revoking sessions) and enables again', async () => {
      const u = await createUser(f, { username: 'erin' });
      await openSession(u.id);
      const res = await post(`/api/users/${u.id}/disable`);
      expect(res.statusCode).toBe(200);
      expect(res.json().status).toBe('disabled');
      expect((await userRow(f, 'erin'))!.status).toBe('disabled');
      expect(await openSessions(u.id)).toHaveLength(0);
      const ev = (await auditRows(f, 'identity.user.disable')).at(-1)!;
      expect(ev).toMatchObject({ resource_id: String(u.id), user_id: f.adminId });
      expect(ev.details.sessionsRevoked).toBe(1);
      expect((await post(`/api/users/${u.id}/enable`)).json().status).toBe('active');
      expect((await auditRows(f, 'identity.user.enable')).length).toBe(1);
    });

    it('locks (admin lock) and unlocks, also clearing an automatic lockout', async () => {
      const u = await createUser(f, { username: 'frank' });
      await openSession(u.id);
      expect((await post(`/api/users/${u.id}/lock`)).json()).toMatchObject({ status: 'locked', lockedUntil: null });
      expect((await userRow(f, 'frank'))!.status).toBe('locked');
      expect(await openSessions(u.id)).toHaveLength(0);
      expect((await post(`/api/users/${u.id}/unlock`)).json().status).toBe('active');

      const until = new Date(f.t.clock.now().getTime() + 30 * 60_000).toISOString();
      await f.t.gh.ctx.db
        .updateTable('identity_users')
        .set({ locked_until: until, failed_login_attempts: 5 })
        .where('id', '=', u.id)
        .execute();
      expect((await f.t.inject({ method: 'GET', url: `/api/users/${u.id}`, token: f.admin })).json()).toMatchObject({
        status: 'locked',
        lockedUntil: until,
      });
      expect((await post(`/api/users/${u.id}/unlock`)).json()).toMatchObject({ status: 'active', lockedUntil: null });
      expect(await userRow(f, 'frank')).toMatchObject({ status: 'active', locked_until: null, failed_login_attempts: 0 });
      expect((await auditRows(f, 'identity.user.unlock')).length).toBe(2);
    });

    it('will not lock a disabled account', async () => {
      const u = await createUser(f, { username: 'gina' });
      await post(`/api/users/${u.id}/disable`);
      expectError(await post(`/api/users/${u.id}/lock`), 409, 'USER_DISABLED');
    });

    it('refuses to disable, lock, reset or delete yourself', async () => {
      for (const a of ['disable', 'lock', 'reset-password'])
        expectError(await post(`/api/users/${f.adminId}/${a}`, {}), 409, 'CANNOT_MODIFY_SELF');
      expectError(await f.t.inject({ method: 'DELETE', url: `/api/users/${f.adminId}`, token: f.admin }), 409, 'CANNOT_MODIFY_SELF');
      expect((await userRow(f, 'admin'))!.status).toBe('active');
    });

    it('answers 404 and 400 for unknown and malformed ids', async () => {
      for (const a of ['disable', 'enable', 'lock', 'unlock', 'reset-password']) {
        expectError(await post(`/api/users/777777/${a}`, {}), 404, 'USER_NOT_FOUND');
        expectError(await post(`/api/users/x/${a}`, {}), 400, 'VALIDATION_FAILED');
      }
    });
  });

  describe('password reset', () => {
    it('generates a temporary password shown once, forces a change and revokes sessions', async () => {
      const u = await createUser(f, { username: 'hank', mustChangePassword: false });
      await openSession(u.id);
      const res = await post(`/api/users/${u.id}/reset-password`, {});
      expect(res.statusCode).toBe(200);
      const { temporaryPassword } = res.json();
      expect(temporaryPassword).toMatch(/^.{16}$/);
      const row = (await userRow(f, 'hank'))!;
      expect(await bcrypt.compare(temporaryPassword, row.password_hash)).toBe(true);
      expect(row.must_change_password).toBe(1);
      expect(await openSessions(u.id)).toHaveLength(0);
      const ev = (await auditRows(f, 'identity.user.password-reset')).at(-1)!;
      expect(ev.details.generated).toBe(true);
      const events = await f.t.gh.ctx.db.selectFrom('audit_events').select('details').execute();
      expect(JSON.stringify(events)).not.toContain(temporaryPassword);
    });

    it('accepts a reset without any body', async () => {
      const hank = (await userRow(f, 'hank'))!;
      const res = await f.t.inject({ method: 'POST', url: `/api/users/${hank.id}/reset-password`, token: f.admin });
      expect(res.statusCode, res.body).toBe(200);
      expect(res.json().temporaryPassword).toEqual(expect.any(String));
    });

    it('sets a given password, and refuses a weak one', async () => {
      const hank = (await userRow(f, 'hank'))!;
      const given = 'Given#Passw0rd';
      const res = await post(`/api/users/${hank.id}/reset-password`, { newPassword: given });
      expect(res.statusCode).toBe(200);
      expect(res.json().temporaryPassword).toBeUndefined();
      expect(await bcrypt.compare(given, (await userRow(f, 'hank'))!.password_hash)).toBe(true);
      expectError(await post(`/api/users/${hank.id}/reset-password`, { newPassword: 'short' }), 400, 'WEAK_PASSWORD');
      expect(await bcrypt.compare(given, (await userRow(f, 'hank'))!.password_hash)).toBe(true);
    });
  });

  describe('DELETE /api/users/{id}', () => {
    it('deletes the user, runs the removal hooks in the transaction and audits', async () => {
      const u = await createUser(f, { username: 'ivan', groups: ['ops'] });
      const seen: number[] = [];
      f.t.gh.modules.identity.service.addRemovalHook(async (trx, kind, id) => {
        if (kind !== 'user') return;
        // The hook sees the user still present inside the deleting transaction.
        const still = await trx.selectFrom('identity_users').select('id').where('id', '=', id).executeTakeFirst();
        if (still) seen.push(id);
      });
      const changed: unknown[] = [];
      const off = f.t.gh.ctx.events.subscribe('identity.membership.changed', (p) => changed.push(p));
      const res = await f.t.inject({ method: 'DELETE', url: `/api/users/${u.id}`, token: f.admin });
      off();
      expect(res.statusCode).toBe(204);
      expect(seen).toEqual([u.id]);
      expect(changed).toEqual([{ userIds: [u.id] }]);
      expect(await userRow(f, 'ivan')).toBeUndefined();
      const members = await f.t.gh.ctx.db.selectFrom('identity_group_members').selectAll().where('user_id', '=', u.id).execute();
      expect(members).toHaveLength(0);
      expect((await auditRows(f, 'identity.user.delete')).at(-1)).toMatchObject({
        resource_id: String(u.id),
        details: { username: 'ivan' },
      });
      expectError(await f.t.inject({ method: 'DELETE', url: `/api/users/${u.id}`, token: f.admin }), 404, 'USER_NOT_FOUND');
    });

    it('rolls the delete back when a removal hook fails', async () => {
      const u = await createUser(f, { username: 'judy' });
      f.t.gh.modules.identity.service.addRemovalHook(async (_trx, kind, id) => {
        if (kind === 'user' && id === u.id) throw new Error('hook failed');
      });
      const before = (await auditRows(f, 'identity.user.delete')).length;
      expect((await f.t.inject({ method: 'DELETE', url: `/api/users/${u.id}`, token: f.admin })).statusCode).toBe(500);
      expect(await userRow(f, 'judy')).toBeDefined();
      expect((await auditRows(f, 'identity.user.delete')).length).toBe(before);
    });
  });

  it('documents every route in the OpenAPI document', async () => {
    const doc = (await f.t.inject({ method: 'GET', url: '/api/openapi.json' })).json();
    for (const p of [
      '/api/users',
      '/api/users/{id}',
      '/api/users/{id}/disable',
      '/api/users/{id}/reset-password',
      '/api/users/import',
      '/api/users/export',
      '/api/groups',
      '/api/groups/{id}/members',
      '/api/groups/{id}/members/{userId}',
    ]) {
      expect(Object.keys(doc.paths), p).toContain(p);
    }
    expect(doc.paths['/api/users'].post.requestBody).toBeDefined();
  });

  describe('access rules', () => {
    it('answers 401 without a token and 403 FORBIDDEN to a plain user on every route', async () => {
      expectError(await f.t.inject({ method: 'GET', url: '/api/users' }), 401, 'UNAUTHENTICATED');
      const plain = await plainUserToken(f, 'plain');
      const bob = (await userRow(f, 'bob'))!;
      const calls: [string, string, unknown?][] = [
        ['GET', '/api/users'],
        ['GET', `/api/users/${bob.id}`],
        ['GET', '/api/users/export?format=csv'],
        ['POST', '/api/users', { username: 'sneaky', password: STRONG }],
        ['PATCH', `/api/users/${bob.id}`, { displayName: 'hacked' }],
        ['POST', `/api/users/${bob.id}/disable`],
        ['POST', `/api/users/${bob.id}/reset-password`, {}],
        ['DELETE', `/api/users/${bob.id}`],
        ['POST', '/api/users/import', { csv: 'username\nsneaky2' }],
      ];
      for (const [method, url, payload] of calls) {
        const res = await f.t.inject({
          method: method as 'GET',
          url,
          token: plain.token,
          ...(payload ? { payload: payload as object } : {}),
        });
        expectError(res, 403, 'FORBIDDEN');
      }
      expect(await userRow(f, 'sneaky')).toBeUndefined();
      expect((await userRow(f, 'bob'))!).toMatchObject({ display_name: 'Bob B.', status: 'active' });
    });
  });
});
