import { afterAll, beforeAll, expect, it } from 'vitest';
import bcrypt from 'bcrypt';
import { buildApp } from '../src/app.js';
import { parseConfig } from '../src/core/config/config.loader.js';
import { passwordProblems } from '../src/modules/identity/password-policy.js';
import { ADMIN_PASSWORD, createTestApp, describeDb, type TestApp } from './test-app.js';
import { TEST_DIALECT } from './test-db.js';
import { auditRows, loginRaw, outcome, PW, userRow } from './identity-auth-helpers.js';

/** Start Gatehouse a second time on the same database and data directory, catching what it prints. */
async function restart(t: TestApp, env: Record<string, string>): Promise<string> {
  await t.gh.close();
  const config = parseConfig({ dataDir: t.db.dataDir, databaseUrl: t.db.databaseUrl, logLevel: 'silent', security: { bcryptCost: 4 } });
  let printed = '';
  const write = process.stdout.write.bind(process.stdout);
  process.stdout.write = ((chunk: string | Uint8Array) => {
    printed += String(chunk);
    return true;
  }) as typeof process.stdout.write;
  try {
    const gh = await buildApp({ config, env, logger: false });
    await gh.close();
  } finally {
    process.stdout.write = write;
  }
  return printed;
}

/** The first administrator (seed 004 and the acceptance checks). */
describeDb(`first admin from GATEHOUSE_ADMIN_PASSWORD (${TEST_DIALECT})`, () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(async () => t?.close());

  it('creates admin with that password, the super-admin role and no forced change', async () => {
    expect(t.generatedAdminPassword).toBeUndefined();
    const res = await loginRaw(t, 'admin', ADMIN_PASSWORD);
    expect(res.statusCode).toBe(200);
    expect(res.json().user).toMatchObject({ username: 'admin', mustChangePassword: false });
    const token = res.json().accessToken as string;
    expect((await t.inject({ method: 'GET', url: '/api/users', token })).statusCode).toBe(200);
    expect((await t.inject({ method: 'GET', url: '/api/me', token })).json().roles).toEqual(['super-admin']);
    const [event] = await auditRows(t, 'identity.bootstrap.admin');
    expect(event).toMatchObject({ username: 'system', resource_type: 'user', resource_id: String(res.json().user.id) });
    expect(JSON.parse(event.details!)).toEqual({ source: 'GATEHOUSE_ADMIN_PASSWORD' });
  });

  it('does nothing on a later start: the admin and its password stay', async () => {
    const printed = await restart(t, { GATEHOUSE_ADMIN_PASSWORD: 'Other#Pass456' });
    expect(printed).toBe('');
    // The test app is closed now; read the rows through a fresh one on the same database.
    const config = parseConfig({ dataDir: t.db.dataDir, databaseUrl: t.db.databaseUrl, logLevel: 'silent', security: { bcryptCost: 4 } });
    const gh = await buildApp({ config, env: {}, logger: false });
    try {
      const admins = await gh.ctx.db.selectFrom('identity_users').select(['username', 'password_hash']).execute();
      expect(admins.map((a) => a.username)).toEqual(['admin']);
      expect(await bcrypt.compare(ADMIN_PASSWORD, admins[0].password_hash)).toBe(true);
      const events = await gh.ctx.db.selectFrom('audit_events').select('id').where('action', '=', 'identity.bootstrap.admin').execute();
      expect(events).toHaveLength(1);
    } finally {
      await gh.close();
    }
  });
});

describeDb(`first admin without GATEHOUSE_ADMIN_PASSWORD (${TEST_DIALECT})`, () => {
  let t: TestApp;

  beforeAll(async () => {
    // An empty variable counts as not set.
    t = await createTestApp({ adminPassword: null, env: { GATEHOUSE_ADMIN_PASSWORD: '' } });
  });
  afterAll(async () => t?.close());

  it('prints a generated password once, which meets the policy and must be changed at first sign-in', async () => {
    const generated = t.generatedAdminPassword!;
    expect(generated).toBeTruthy();
    expect(passwordProblems(generated)).toEqual([]);
    expect(generated.length).toBeGreaterThanOrEqual(16);
    const row = await userRow(t, 'admin');
    expect(row.must_change_password).toBe(1);
    expect(await bcrypt.compare(generated, row.password_hash)).toBe(true);
    const [event] = await auditRows(t, 'identity.bootstrap.admin');
    expect(JSON.parse(event.details!)).toEqual({ source: 'generated' });
    // Shown only on stdout: never in the audit trail.
    expect(JSON.stringify(await t.gh.ctx.db.selectFrom('audit_events').selectAll().execute())).not.toContain(generated);

    const res = await loginRaw(t, 'admin', generated);
    expect(res.statusCode).toBe(200);
    expect(res.json().user.mustChangePassword).toBe(true);
    const token = res.json().accessToken as string;
    expect(outcome(await t.inject({ method: 'GET', url: '/api/users', token }))).toEqual([403, 'PASSWORD_CHANGE_REQUIRED']);
    const changed = await t.inject({
      method: 'POST',
      url: '/api/auth/password',
      token,
      payload: { currentPassword: generated, newPassword: PW },
    });
    expect(changed.statusCode).toBe(200);
    expect((await t.inject({ method: 'GET', url: '/api/users', token: changed.json().accessToken })).statusCode).toBe(200);
  });

  it('does not print a password again on the next start', async () => {
    expect(await restart(t, {})).toBe('');
  });
});

describeDb(`default password hashing (${TEST_DIALECT})`, () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp({ config: { security: { bcryptCost: 12 } } });
  });
  afterAll(async () => t?.close());

  it('is bcrypt with cost 12, for the first admin, new users and changed passwords', async () => {
    expect(parseConfig({}).security.bcryptCost).toBe(12);
    expect((await userRow(t, 'admin')).password_hash).toMatch(/^\$2b\$12\$/);
    const admin = await t.adminToken();
    const created = await t.inject({
      method: 'POST',
      url: '/api/users',
      token: admin,
      payload: { username: 'xena', password: PW, roles: ['user'] },
    });
    expect(created.statusCode).toBe(201);
    expect((await userRow(t, 'xena')).password_hash).toMatch(/^\$2b\$12\$/);
    const token = await t.login('xena', PW);
    const changed = await t.inject({
      method: 'POST',
      url: '/api/auth/password',
      token,
      payload: { currentPassword: PW, newPassword: 'N3w#Passw0rd!' },
    });
    expect(changed.statusCode).toBe(200);
    const hash = (await userRow(t, 'xena')).password_hash;
    expect(hash).toMatch(/^\$2b\$12\$/);
    expect(hash).not.toContain('N3w#Passw0rd!');
  });
});
