import { afterAll, beforeAll, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildApp, type Gatehouse } from '../src/app.js';
import { parseConfig } from '../src/core/config/config.loader.js';
import { describeDb } from './test-app.js';
import { createTestDatabase, TEST_DIALECT, type TestDatabase } from './test-db.js';

const PASSWORD = 'Admin#Pass123';

/**
 * What start-up does later than Fastify would by default: route schemas are compiled on a route's
 * first request (lazySchemaCompilers), and the web app's files are found per request instead of
 * being registered one route each. Users must not be able to tell the difference.
 */
async function start(opts: { eagerSchemas?: boolean; webDist?: string } = {}): Promise<{ gh: Gatehouse; db: TestDatabase }> {
  const db = await createTestDatabase();
  const config = parseConfig({ dataDir: db.dataDir, databaseUrl: db.databaseUrl, logLevel: 'silent', security: { bcryptCost: 4 } });
  const gh = await buildApp({ config, env: { GATEHOUSE_ADMIN_PASSWORD: PASSWORD }, logger: false, ...opts });
  return { gh, db };
}

async function stop(...apps: Array<{ gh: Gatehouse; db: TestDatabase } | undefined>) {
  for (const a of apps) {
    await a?.gh.close();
    await a?.db.drop();
  }
}

/** Timestamps and ids of rows differ between two databases; everything else must match. */
const normalised = (body: string) => body.replace(/"\d{4}-\d\d-\d\dT[\d:.]+Z"/g, '"<time>"');

describeDb(`start-up work done on demand (${TEST_DIALECT})`, () => {
  let eager: { gh: Gatehouse; db: TestDatabase };
  let lazy: { gh: Gatehouse; db: TestDatabase };
  beforeAll(async () => {
    eager = await start({ eagerSchemas: true });
    lazy = await start();
  });
  afterAll(async () => stop(eager, lazy));

  it('compiles every route schema when asked to, as Fastify does at start', async () => {
    // ready() rejects (FST_ERR_SCH_*_BUILD) if any route's validator or serializer does not compile.
    await expect(eager.gh.app.ready()).resolves.toBeDefined();
    expect(eager.gh.app.printRoutes().split('\n').length).toBeGreaterThan(50);
  });

  it('rejects bad input with the same 400 on a route compiled on demand', async () => {
    for (const payload of [{}, { username: 'admin' }, { username: ['a', 'b'], password: 'x' }]) {
      const a = await eager.gh.app.inject({ method: 'POST', url: '/api/auth/login', payload });
      const b = await lazy.gh.app.inject({ method: 'POST', url: '/api/auth/login', payload });
      expect(b.statusCode).toBe(400);
      expect(b.json().error.code).toBe('VALIDATION_FAILED');
      expect(b.json()).toEqual(a.json());
    }
  });

  it('serializes responses exactly as the eagerly compiled serializer does', async () => {
    const bodies: string[] = [];
    for (const app of [eager.gh.app, lazy.gh.app]) {
      const login = await app.inject({ method: 'POST', url: '/api/auth/login', payload: { username: 'admin', password: PASSWORD } });
      expect(login.statusCode).toBe(200);
      const me = await app.inject({ method: 'GET', url: '/api/me', headers: { authorization: `Bearer ${login.json().accessToken}` } });
      expect(me.statusCode).toBe(200);
      bodies.push(normalised(me.body));
    }
    expect(bodies[1]).toBe(bodies[0]);
    expect(JSON.parse(bodies[1])).toMatchObject({ username: 'admin' });
  });
});

describeDb(`schemas compiled on demand: headers and broken schemas (${TEST_DIALECT})`, () => {
  let app: { gh: Gatehouse; db: TestDatabase };
  beforeAll(async () => {
    app = await start();
    const headers = { type: 'object', properties: { 'X-Probe': { type: 'string', minLength: 3 } }, required: ['X-Probe'] };
    app.gh.app.get('/api/test/probe', { config: { auth: 'public' }, schema: { headers } }, async () => ({ ok: true }));
    const broken = { type: 'object', properties: { n: { type: 'no-such-type' } } };
    app.gh.app.post('/api/test/broken', { config: { auth: 'public' }, schema: { body: broken } }, async () => ({ ok: true }));
  });
  afterAll(async () => stop(app));

  it('matches header names case-insensitively, as Fastify does for its own compiler', async () => {
    expect((await app.gh.app.inject({ method: 'GET', url: '/api/test/probe', headers: { 'x-probe': 'abc' } })).statusCode).toBe(200);
    const short = await app.gh.app.inject({ method: 'GET', url: '/api/test/probe', headers: { 'X-Probe': 'ab' } });
    expect(short.statusCode).toBe(400);
    expect(short.json().error.code).toBe('VALIDATION_FAILED');
    expect((await app.gh.app.inject({ method: 'GET', url: '/api/test/probe' })).statusCode).toBe(400);
  });

  it('answers 500, never a client error, when a route schema does not compile', async () => {
    const res = await app.gh.app.inject({ method: 'POST', url: '/api/test/broken', payload: { n: 1 } });
    expect(res.statusCode).toBe(500);
    expect(res.json().error.code).toBe('INTERNAL_ERROR');
  });
});

describeDb(`the web app's files (${TEST_DIALECT})`, () => {
  let app: { gh: Gatehouse; db: TestDatabase };
  let dist: string;
  beforeAll(async () => {
    dist = mkdtempSync(join(tmpdir(), 'gatehouse-web-'));
    mkdirSync(join(dist, 'assets'));
    writeFileSync(join(dist, 'index.html'), '<!doctype html><title>Gatehouse test</title>');
    writeFileSync(join(dist, 'favicon.svg'), '<svg xmlns="http://www.w3.org/2000/svg"/>');
    writeFileSync(join(dist, 'assets', 'app-1a2b3c.js'), 'console.log(1);');
    app = await start({ webDist: dist });
  });
  afterAll(async () => {
    await stop(app);
    rmSync(dist, { recursive: true, force: true });
  });

  const get = (url: string, method: 'GET' | 'HEAD' = 'GET') => app.gh.app.inject({ method, url });

  it('serves hashed assets as immutable and other files as they are', async () => {
    const asset = await get('/assets/app-1a2b3c.js');
    expect(asset.statusCode).toBe(200);
    expect(asset.body).toBe('console.log(1);');
    expect(asset.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    const icon = await get('/favicon.svg');
    expect(icon.statusCode).toBe(200);
    expect(icon.headers['content-type']).toContain('image/svg+xml');
    expect((await get('/favicon.svg', 'HEAD')).statusCode).toBe(200);
    expect((await get('/assets/app-1a2b3c.js', 'HEAD')).statusCode).toBe(200);
  });

  it('answers client routes with the app and unknown API paths with the JSON 404', async () => {
    for (const url of ['/', '/users/7', '/assets/missing.js']) {
      const res = await get(url);
      expect(res.statusCode).toBe(200);
      expect(res.body).toContain('Gatehouse test');
      expect(res.headers['cache-control']).toBe('no-cache');
    }
    const api = await get('/api/no-such-thing');
    expect(api.statusCode).toBe(404);
    expect(api.json().error.code).toBe('ROUTE_NOT_FOUND');
    expect((await get('/users/7', 'HEAD')).statusCode).toBe(404);
  });
});
