import { constants, generateKeyPairSync, publicEncrypt } from 'node:crypto';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { ADMIN_PASSWORD, createTestApp, describeDb, type TestApp } from './test-app.js';
import { TEST_DIALECT } from './test-db.js';
import { auditRows, createUser, lastAuditId, auditSince, outcome, PW, userRow } from './identity-auth-helpers.js';

const oaep = (publicKey: string, text: string, oaepHash = 'sha256') =>
  publicEncrypt({ key: publicKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash }, Buffer.from(text)).toString('base64');

/** The optional RSA-OAEP (SHA-256) encryption of the login password (seed 004). */
describeDb(`RSA-OAEP encrypted sign-in (${TEST_DIALECT})`, () => {
  let t: TestApp;
  let key: { enabled: boolean; algorithm: string; publicKey: string; keyId: string };

  const login = (payload: Record<string, unknown>) => t.inject({ method: 'POST', url: '/api/auth/login', payload });

  beforeAll(async () => {
    t = await createTestApp();
    const res = await t.inject({ method: 'GET', url: '/api/auth/public-key' });
    expect(res.statusCode).toBe(200);
    key = res.json();
  });
  afterAll(async () => t?.close());

  it('serves the public key without a token, and keeps the private key 0600 in the data directory', async () => {
    expect(key).toMatchObject({ enabled: true, algorithm: 'RSA-OAEP-256', keyId: expect.stringMatching(/^[0-9a-f]{16}$/) });
    expect(key.publicKey).toMatch(/^-----BEGIN PUBLIC KEY-----\n[\s\S]+\n-----END PUBLIC KEY-----\n$/);
    expect(JSON.stringify(key)).not.toContain('PRIVATE');
    const again = (await t.inject({ method: 'GET', url: '/api/auth/public-key' })).json();
    expect(again).toEqual(key);
    const mode = statSync(join(t.db.dataDir, 'keys', 'private.pem')).mode & 0o777;
    expect(mode).toBe(0o600);
  });

  it('signs in with the password encrypted under that key, and records that it was', async () => {
    const res = await login({ username: 'admin', encryptedPassword: oaep(key.publicKey, ADMIN_PASSWORD) });
    expect(res.statusCode).toBe(200);
    expect(res.json().user.username).toBe('admin');
    const last = (await auditRows(t, 'identity.login')).at(-1)!;
    expect([last.outcome, JSON.parse(last.details!).encrypted]).toEqual(['success', true]);
  });

  it('counts a wrong password that arrived encrypted like any other', async () => {
    await createUser(t, await t.adminToken(), 'wes');
    const res = await login({ username: 'wes', encryptedPassword: oaep(key.publicKey, 'Wr0ng#Secret!') });
    expect(outcome(res)).toEqual([401, 'INVALID_CREDENTIALS']);
    expect((await userRow(t, 'wes')).failed_login_attempts).toBe(1);
    expect((await login({ username: 'wes', encryptedPassword: oaep(key.publicKey, PW) })).statusCode).toBe(200);
  });

  it('answers 400 INVALID_ENCRYPTED_PASSWORD for anything that does not decrypt, counting nothing', async () => {
    const other = generateKeyPairSync('rsa', {
      modulusLength: 2048,
      publicKeyEncoding: { type: 'spki', format: 'pem' },
      privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
    }).publicKey;
    const pkcs1 = publicEncrypt({ key: key.publicKey, padding: constants.RSA_PKCS1_PADDING }, Buffer.from(PW)).toString('base64');
    const before = await lastAuditId(t);
    for (const encryptedPassword of [
      'AAAA',
      'not base64 at all!!',
      Buffer.from(PW).toString('base64'),
      oaep(other, PW),
      oaep(key.publicKey, PW, 'sha1'),
      pkcs1,
    ]) {
      const res = await login({ username: 'wes', encryptedPassword });
      expect(outcome(res), encryptedPassword.slice(0, 20)).toEqual([400, 'INVALID_ENCRYPTED_PASSWORD']);
    }
    expect((await userRow(t, 'wes')).failed_login_attempts).toBe(0);
    expect(await auditSince(t, before)).toEqual([]);
  });

  it('takes exactly one of "password" and "encryptedPassword"', async () => {
    const both = await login({ username: 'admin', password: ADMIN_PASSWORD, encryptedPassword: oaep(key.publicKey, ADMIN_PASSWORD) });
    expect(outcome(both)).toEqual([400, 'VALIDATION_FAILED']);
    expect(outcome(await login({ username: 'admin' }))).toEqual([400, 'VALIDATION_FAILED']);
    expect(outcome(await login({ username: 'admin', encryptedPassword: '' }))).toEqual([400, 'VALIDATION_FAILED']);
    expect(outcome(await login({ username: 'admin', encryptedPassword: 'A'.repeat(4097) }))).toEqual([400, 'VALIDATION_FAILED']);
  });
});

describeDb(`RSA sign-in turned off (${TEST_DIALECT})`, () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp({ config: { security: { rsaLogin: false } } });
  });
  afterAll(async () => t?.close());

  it('says so on the public-key route and refuses encrypted passwords with 400', async () => {
    const res = await t.inject({ method: 'GET', url: '/api/auth/public-key' });
    expect(res.json()).toEqual({ enabled: false });
    const enc = await t.inject({ method: 'POST', url: '/api/auth/login', payload: { username: 'admin', encryptedPassword: 'AAAA' } });
    expect(outcome(enc)).toEqual([400, 'VALIDATION_FAILED']);
    expect(
      (await t.inject({ method: 'POST', url: '/api/auth/login', payload: { username: 'admin', password: ADMIN_PASSWORD } })).statusCode,
    ).toBe(200);
  });
});
