/**
 * Jenkins emulator contract: authentication and CSRF crumbs (reference §§1, 2).
 */
import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_PASSWORD, ADMIN_TOKEN, basic, call, crumbFor, getJson, post, startSim, type JenkinsSim } from './jenkins-sim-helpers.js';

let sim: JenkinsSim;

beforeAll(async () => {
  sim = await startSim({ version: '2.516.3' });
  sim.createJob('deploy-api');
  sim.addUser('viewer', { password: 'viewer-pw', tokens: ['viewer-token'], permissions: ['Overall/Read', 'Item/Read'] });
  sim.addUser('nobody', { password: 'nobody-pw', tokens: ['nobody-token'], permissions: [] });
});
afterAll(async () => sim?.close());

/** Raw response headers, to see repeated header lines that fetch would join. */
function rawHeaders(path: string, auth: string): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const req = request(`${sim.url}${path}`, { headers: { Authorization: auth } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.rawHeaders));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('basic auth', () => {
  it('accepts the API token and the password', async () => {
    for (const auth of [ADMIN_TOKEN, ADMIN_PASSWORD]) {
      const me = await getJson(sim, '/whoAmI/api/json', { auth });
      expect(me).toEqual({
        _class: 'hudson.security.WhoAmI',
        anonymous: false,
        authenticated: true,
        authorities: ['authenticated'],
        name: 'admin',
      });
    }
    const requests = sim.requests.filter((r) => r.path === '/whoAmI/api/json').map((r) => r.via);
    expect(requests).toEqual(['token', 'password']);
  });

  it('answers 401 with a Basic challenge for a wrong token, password or user', async () => {
    for (const auth of [basic('admin', 'wrong'), basic('ghost', 'admin-token')]) {
      const res = await call(sim, '/api/json', { auth });
      expect(res.status).toBe(401);
      expect(res.headers.get('www-authenticate')).toBe('Basic realm="Jenkins"');
      expect(res.headers.get('content-type')).toMatch(/^text\/html/);
      expect(await res.text()).toMatch(/<html/i);
    }
  });

  it('answers anonymous callers without Overall/Read with a 403 login page, not a redirect', async () => {
    const res = await call(sim, '/api/json', { auth: null });
    expect(res.status).toBe(403);
    expect(res.headers.get('location')).toBeNull();
    expect(res.headers.get('www-authenticate')).toBeNull();
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    expect(res.headers.get('x-jenkins')).toBe('2.516.3');
    expect(res.headers.get('x-hudson')).toBeTruthy();
    expect(res.headers.get('x-jenkins-session')).toMatch(/^[0-9a-f]{8}$/);
    expect(await res.text()).toContain("http-equiv='refresh' content='1;url=/login?from=%2Fapi%2Fjson'");
  });

  it('answers an XMLHttpRequest from anonymous with a bare 403', async () => {
    const res = await call(sim, '/api/json', { auth: null, headers: { 'X-Requested-With': 'XMLHttpRequest' } });
    expect(res.status).toBe(403);
    expect(await res.text()).toBe('');
  });

  it('lets anonymous use whoAmI even without Overall/Read', async () => {
    const me = await getJson(sim, '/whoAmI/api/json', { auth: null });
    expect(me).toMatchObject({ anonymous: true, authenticated: true, authorities: ['anonymous'], name: 'anonymous' });
  });

  it('answers a missing permission with 403 and the AccessDeniedException3 headers', async () => {
    const res = await post(sim, '/job/deploy-api/build', { auth: basic('viewer', 'viewer-token') });
    expect(res.status).toBe(403);
    expect(res.headers.get('x-you-are-authenticated-as')).toBe('viewer');
    expect(res.headers.get('x-required-permission')).toBe('hudson.model.Item.Build');
    expect(res.headers.get('x-you-are-in-group-disabled')).toMatch(/^JENKINS-39402: /);
    expect(await res.text()).toMatch(/viewer is missing the Job\/Build permission/);
    const root = await call(sim, '/api/json', { auth: basic('nobody', 'nobody-token') });
    expect(root.status).toBe(403);
    expect(root.headers.get('x-required-permission')).toBe('hudson.model.Hudson.Read');
  });

  it('writes one X-Permission-Implied-By header per implying permission', async () => {
    const raw = await rawHeaders('/api/json', basic('nobody', 'nobody-token'));
    const implied = raw.filter((_, i) => i % 2 === 0 && raw[i].toLowerCase() === 'x-permission-implied-by').length;
    const values = raw.filter((_, i) => i % 2 === 1 && raw[i - 1].toLowerCase() === 'x-permission-implied-by');
    expect(implied).toBe(2);
    expect(values).toEqual(['hudson.security.Permission.GenericRead', 'hudson.model.Hudson.Administer']);
  });

  it('hides jobs the caller may not read (404)', async () => {
    sim.addUser('narrow', { tokens: ['narrow-token'], canSee: (name) => name !== 'deploy-api' });
    const res = await call(sim, '/job/deploy-api/api/json', { auth: basic('narrow', 'narrow-token') });
    expect(res.status).toBe(404);
    const root = await getJson(sim, '/api/json?tree=jobs[name]', { auth: basic('narrow', 'narrow-token') });
    expect(root.jobs).toEqual([]);
  });
});

describe('crumbs', () => {
  it('exempts POSTs authenticated with an API token', async () => {
    const res = await post(sim, '/job/deploy-api/build', { auth: ADMIN_TOKEN });
    expect(res.status).toBe(201);
  });

  it('issues a 64-hex crumb with a new JSESSIONID.<8hex> session cookie', async () => {
    const res = await call(sim, '/crumbIssuer/api/json', { auth: ADMIN_PASSWORD });
    expect(res.status).toBe(200);
    const cookies = res.headers.getSetCookie();
    expect(cookies).toHaveLength(1);
    expect(cookies[0]).toMatch(/^JSESSIONID\.[0-9a-f]{8}=node0[^;]+; Path=\/; HttpOnly$/);
    expect(await res.json()).toEqual({
      _class: 'hudson.security.csrf.DefaultCrumbIssuer',
      crumb: expect.stringMatching(/^[0-9a-f]{64}$/),
      crumbRequestField: 'Jenkins-Crumb',
    });
    // Set-Cookie only appears when a new session is created.
    const again = await call(sim, '/crumbIssuer/api/json', { auth: ADMIN_PASSWORD, headers: { Cookie: cookies[0].split(';')[0] } });
    expect(again.headers.getSetCookie()).toEqual([]);
  });

  it('needs Overall/Read for the crumb issuer', async () => {
    expect((await call(sim, '/crumbIssuer/api/json', { auth: null })).status).toBe(403);
  });

  it('offers the xpath shortcut as text/plain', async () => {
    const res = await call(sim, '/crumbIssuer/api/xml?xpath=concat(//crumbRequestField,":",//crumb)', { auth: ADMIN_PASSWORD });
    expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
    expect(await res.text()).toMatch(/^Jenkins-Crumb:[0-9a-f]{64}$/);
  });

  it('accepts a password POST with the crumb header and its session cookie', async () => {
    const { crumb, cookie } = await crumbFor(sim, ADMIN_PASSWORD);
    const res = await post(sim, '/job/deploy-api/build', { auth: ADMIN_PASSWORD, headers: { 'Jenkins-Crumb': crumb, Cookie: cookie } });
    expect(res.status).toBe(201);
  });

  it('accepts the crumb as a form field too', async () => {
    const { crumb, cookie } = await crumbFor(sim, ADMIN_PASSWORD);
    const res = await post(sim, '/job/deploy-api/build', {
      auth: ADMIN_PASSWORD,
      headers: { Cookie: cookie },
      form: { 'Jenkins-Crumb': crumb },
    });
    expect(res.status).toBe(201);
  });

  it('refuses a password POST without crumb, without its session or with another session', async () => {
    const { crumb, cookie } = await crumbFor(sim, ADMIN_PASSWORD);
    const other = await crumbFor(sim, ADMIN_PASSWORD);
    const attempts: Record<string, string>[] = [
      {},
      { 'Jenkins-Crumb': crumb },
      { 'Jenkins-Crumb': crumb, Cookie: other.cookie },
      { Cookie: cookie },
    ];
    for (const headers of attempts) {
      const res = await post(sim, '/job/deploy-api/build', { auth: ADMIN_PASSWORD, headers });
      expect(res.status).toBe(403);
      expect(res.headers.get('content-type')).toMatch(/^text\/html/);
      expect(await res.text()).toContain('No valid crumb was included in the request');
    }
  });

  it('binds the crumb to the user as well as the session', async () => {
    sim.setAnonymousRead(true);
    try {
      const anon = await crumbFor(sim, null);
      const headers = { 'Jenkins-Crumb': anon.crumb, Cookie: anon.cookie };
      expect((await post(sim, '/job/deploy-api/build', { auth: ADMIN_PASSWORD, headers })).status).toBe(403);
      // The same crumb is fine for the user it was issued to (anonymous; its Item/Build is missing → 403 login page).
      const res = await post(sim, '/job/deploy-api/build', { auth: null, headers });
      expect(res.status).toBe(403);
      expect(await res.text()).not.toContain('No valid crumb');
    } finally {
      sim.setAnonymousRead(false);
    }
  });

  it('never checks crumbs on GET', async () => {
    expect((await call(sim, '/job/deploy-api/api/json', { auth: ADMIN_PASSWORD })).status).toBe(200);
  });

  it('forgets sessions and crumbs on restart and changes the session header and cookie name', async () => {
    const { crumb, cookie } = await crumbFor(sim, ADMIN_PASSWORD);
    const before = (await call(sim, '/api/json')).headers.get('x-jenkins-session');
    sim.restart();
    const after = (await call(sim, '/api/json')).headers.get('x-jenkins-session');
    expect(after).toMatch(/^[0-9a-f]{8}$/);
    expect(after).not.toBe(before);
    const res = await post(sim, '/job/deploy-api/build', { auth: ADMIN_PASSWORD, headers: { 'Jenkins-Crumb': crumb, Cookie: cookie } });
    expect(res.status).toBe(403);
    const fresh = await crumbFor(sim, ADMIN_PASSWORD);
    expect(fresh.cookie.split('=')[0]).not.toBe(cookie.split('=')[0]);
  });
});
