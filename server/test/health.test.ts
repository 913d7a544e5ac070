import { afterAll, beforeAll, expect, it } from 'vitest';
import { createTestApp, describeDb, type TestApp } from './test-app.js';

describeDb('health, errors and the API document', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(async () => t?.close());

  it('reports ok with the database and job runner', async () => {
    const res = await t.inject({ method: 'GET', url: '/health' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ status: 'ok', database: 'ok', components: { jobs: { ok: true } } });
  });

  it('answers 503 when the database is gone', async () => {
    const ping = t.gh.ctx.database.ping;
    t.gh.ctx.database.ping = async () => {
      throw new Error('connection refused');
    };
    try {
      const res = await t.inject({ method: 'GET', url: '/health' });
      expect(res.statusCode).toBe(503);
      expect(res.json().status).toBe('unavailable');
    } finally {
      t.gh.ctx.database.ping = ping;
    }
  });

  it('uses one error shape for unknown routes and missing tokens', async () => {
    const nf = await t.inject({ method: 'GET', url: '/api/no-such-thing' });
    expect(nf.statusCode).toBe(404);
    expect(nf.json().error.code).toBe('ROUTE_NOT_FOUND');
    const un = await t.inject({ method: 'GET', url: '/api/audit' });
    expect(un.statusCode).toBe(401);
    expect(un.json().error.code).toBe('UNAUTHENTICATED');
  });

  it('serves an OpenAPI 3 document and Prometheus metrics', async () => {
    const doc = (await t.inject({ method: 'GET', url: '/api/openapi.json' })).json();
    expect(doc.openapi).toMatch(/^3\./);
    expect(Object.keys(doc.paths)).toContain('/api/audit');
    const m = await t.inject({ method: 'GET', url: '/metrics' });
    expect(m.body).toContain('gatehouse_http_request_duration_seconds');
  });
});
