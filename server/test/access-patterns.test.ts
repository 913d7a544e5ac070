import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compilePattern, permissionCovers, validatePattern } from '../src/modules/access/index.js';
import { createTestApp, describeDb, type TestApp } from './test-app.js';
import { TEST_DIALECT } from './test-db.js';
import { countRows, createUser, outcome } from './identity-auth-helpers.js';

const refused = (p: string) => {
  try {
    validatePattern('branch', p);
    return null;
  } catch (e) {
    return (e as { code?: string }).code;
  }
};

describe('scope patterns', () => {
  it("'*' matches anything, including a part that is not asked", () => {
    const m = compilePattern('*');
    for (const v of ['main', 'feature/x', '', undefined]) expect(m(v)).toBe(true);
  });

  it('an exact name matches only itself, case and all, and not a missing part', () => {
    const m = compilePattern('main');
    expect(m('main')).toBe(true);
    for (const v of ['Main', 'main2', 'xmain', 'feature/main', undefined]) expect(m(v), String(v)).toBe(false);
    // Regex characters in an exact name are literal.
    expect(compilePattern('release-1.2')('release-1x2')).toBe(false);
    expect(compilePattern('a+b')('a+b')).toBe(true);
  });

  it('a glob: * is any run of characters (slashes too), ? is one character, the rest literal', () => {
    const m = compilePattern('feature/*');
    for (const v of ['feature/login', 'feature/a/b', 'feature/']) expect(m(v), v).toBe(true);
    for (const v of ['feature', 'features/x', 'x/feature/y', 'bugfix/feature/x', undefined]) expect(m(v), String(v)).toBe(false);
    expect(compilePattern('release-1.?')('release-1.7')).toBe(true);
    expect(compilePattern('release-1.?')('release-1x7')).toBe(false);
    expect(compilePattern('release-1.?')('release-1.17')).toBe(false);
    expect(compilePattern('*-hotfix')('2024-hotfix')).toBe(true);
    expect(compilePattern('v(1)*')('v(1).0')).toBe(true);
    expect(compilePattern('v(1)*')('v1.0')).toBe(false);
  });

  it('a /regex/ in JavaScript syntax, matched as written', () => {
    const m = compilePattern('/^release-\\d+$/');
    for (const v of ['release-1', 'release-2024']) expect(m(v), v).toBe(true);
    for (const v of ['release-', 'release-x', 'prerelease-1', 'release-1-rc', undefined]) expect(m(v), String(v)).toBe(false);
    // Unanchored means "contains".
    expect(compilePattern('/hotfix/')('2024-hotfix-1')).toBe(true);
  });

  it('refuses invalid regexes, nested quantifiers and bad lengths with INVALID_PATTERN', () => {
    for (const p of ['/(/', '/[a-/', '/a{2,1}/', '/(?<n>a)(?<n>b)/']) expect(refused(p), p).toBe('INVALID_PATTERN');
    for (const p of ['/(a+)+$/', '/(a*)*b/', '/(.*a){20}/', '/((a+))+$/', '/((a+)b?)+$/', '/(a|a)+$/', '/(x+x+)+y/', '/(?:\\w+\\s?)*$/']) {
      expect(refused(p), p).toBe('INVALID_PATTERN');
    }
    expect(refused('')).toBe('INVALID_PATTERN');
    expect(refused('x'.repeat(201))).toBe('INVALID_PATTERN');
    // Fine: bounded repeats, one level of quantifiers, escaped or bracketed parentheses, alternation not repeated.
    for (const p of [
      '/^release-\\d+$/',
      '/^(release|hotfix)-\\d+$/',
      '/^v\\d{1,3}(\\.\\d{1,3}){2}$/',
      '/^feature\\/[a-z0-9-]+$/',
      '/^\\(x+\\)+$/',
      '/^[(a+)]+$/',
      'feature/*',
      'main',
      '*',
      'x'.repeat(200),
    ]) {
      expect(refused(p), p).toBeNull();
    }
  });

  it('permission lists cover codes exactly, by module wildcard, or by *', () => {
    expect(permissionCovers(['audit.read'], 'audit.read')).toBe(true);
    expect(permissionCovers(['audit.read'], 'audit.readers')).toBe(false);
    expect(permissionCovers(['identity.*'], 'identity.users.read')).toBe(true);
    expect(permissionCovers(['identity.*'], 'identityx.users.read')).toBe(false);
    expect(permissionCovers(['*'], 'anything.at.all')).toBe(true);
    expect(permissionCovers([], 'audit.read')).toBe(false);
  });
});

describeDb(`patterns over HTTP (${TEST_DIALECT})`, () => {
  let t: TestApp;
  let admin: string;
  let userId: number;

  beforeAll(async () => {
    t = await createTestApp();
    admin = await t.adminToken();
    t.gh.ctx.permissions.declare({ code: 'demo.build', module: 'demo', description: 'Build a branch (test code)', scoped: true });
    userId = await createUser(t, admin, 'pat');
  });
  afterAll(async () => t?.close());

  it('refuses grants and templates with a bad pattern (400 INVALID_PATTERN, field named) and stores nothing', async () => {
    const grants = await countRows(t, 'access_grants');
    const templates = await countRows(t, 'access_templates');
    for (const [field, pattern] of [
      ['branch', '/(a+)+$/'],
      ['branch', '/((a+))+$/'],
      ['project', '/(/'],
      ['environment', '/(a|a)*/'],
    ]) {
      const res = await t.inject({
        method: 'POST',
        url: '/api/access/grants',
        token: admin,
        payload: { subjectType: 'user', subjectId: userId, permission: 'demo.build', [field]: pattern },
      });
      expect(outcome(res), pattern).toEqual([400, 'INVALID_PATTERN']);
      expect(res.json().error.details).toEqual({ field, pattern });
      const tpl = await t.inject({
        method: 'POST',
        url: '/api/access/templates',
        token: admin,
        payload: { name: `bad ${pattern}`, grants: [{ permission: 'demo.build', [field]: pattern }] },
      });
      expect(outcome(tpl), pattern).toEqual([400, 'INVALID_PATTERN']);
    }
    const tooLong = await t.inject({
      method: 'POST',
      url: '/api/access/grants',
      token: admin,
      payload: { subjectType: 'user', subjectId: userId, permission: 'demo.build', branch: 'x'.repeat(201) },
    });
    expect(outcome(tooLong)).toEqual([400, 'VALIDATION_FAILED']);
    expect(await countRows(t, 'access_grants')).toBe(grants);
    expect(await countRows(t, 'access_templates')).toBe(templates);
  });

  it('matches stored glob and regex grants at check time', async () => {
    for (const branch of ['feature/*', '/^release-\\d+$/']) {
      const res = await t.inject({
        method: 'POST',
        url: '/api/access/grants',
        token: admin,
        payload: { subjectType: 'user', subjectId: userId, permission: 'demo.build', project: 'shop', branch },
      });
      expect(res.statusCode, res.body).toBe(201);
    }
    const can = (branch?: string) => t.gh.modules.access.policy.can(userId, 'demo.build', { project: 'shop', branch });
    expect(await can('feature/login')).toBe(true);
    expect(await can('release-42')).toBe(true);
    expect(await can('release-x')).toBe(false);
    expect(await can('main')).toBe(false);
    expect(await can(undefined)).toBe(false);
  });
});
