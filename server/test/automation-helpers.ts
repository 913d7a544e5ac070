import { createServer } from 'node:net';
import type { LightMyRequestResponse } from 'fastify';
import { expect } from 'vitest';
import { generateKeyPair } from '../src/modules/automation/ssh/index.js';
import { createTestApp, type TestApp } from './test-app.js';
import type { ManualClock } from '../src/core/clock.js';

export interface AutomationTestApp {
  t: TestApp;
  admin: string;
  close(): Promise<void>;
}

export async function createAutomationTestApp(opts: { clock?: ManualClock } = {}): Promise<AutomationTestApp> {
  const t = await createTestApp(opts);
  const admin = await t.adminToken();
  return { t, admin, close: () => t.close() };
}

export const PW = 'Auto#Pass1234';
let seq = 0;

/**
 * A fresh user (role "user": no permission of its own) with the given grants, each
 * [permission, project] — project '*' for a global grant — and their access token.
 */
export async function userWith(
  a: AutomationTestApp,
  grants: [string, string][] = [],
  name = `ops${++seq}`,
): Promise<{ id: number; token: string; username: string }> {
  const res = await a.t.inject({
    method: 'POST',
    url: '/api/users',
    token: a.admin,
    payload: { username: name, password: PW, roles: ['user'], mustChangePassword: false },
  });
  expect(res.statusCode, res.body).toBe(201);
  const id = res.json().id as number;
  for (const [permission, project] of grants) {
    const g = await a.t.inject({
      method: 'POST',
      url: '/api/access/grants',
      token: a.admin,
      payload: { subjectType: 'user', subjectId: id, permission, project },
    });
    expect(g.statusCode, g.body).toBe(201);
  }
  return { id, token: await a.t.login(name, PW), username: name };
}

/** Small JSON client over app.inject for one token. */
export function client(a: AutomationTestApp, token: string) {
  const call = (method: 'GET' | 'POST' | 'PUT' | 'DELETE', url: string, payload?: unknown) =>
    a.t.inject({ method, url, token, ...(payload !== undefined ? { payload: payload as Record<string, unknown> } : {}) });
  return {
    get: (url: string) => call('GET', url),
    post: (url: string, body: unknown = {}) => call('POST', url, body),
    put: (url: string, body: unknown) => call('PUT', url, body),
    del: (url: string) => call('DELETE', url),
  };
}

export const outcome = (res: LightMyRequestResponse): [number, string | undefined] => [
  res.statusCode,
  res.statusCode >= 400 ? res.json().error?.code : undefined,
];

export const enc = encodeURIComponent;

/** An unencrypted ed25519 private key, as a user would upload one. */
export const samplePrivateKey = () => generateKeyPair('uploaded@test').privateKey;

/** A loopback port with nothing listening on it (bound, then released). */
export async function closedPort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const port = (srv.address() as { port: number }).port;
  await new Promise<void>((r) => srv.close(() => r()));
  return port;
}

export const auditOf = (a: AutomationTestApp, action: string) =>
  a.t.gh.ctx.db.selectFrom('audit_events').selectAll().where('action', '=', action).orderBy('id').execute();

export async function countRows(a: AutomationTestApp, table: string): Promise<number> {
  const r = await a.t.gh.ctx.db
    .selectFrom(table)
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirstOrThrow();
  return Number(r.n);
}
