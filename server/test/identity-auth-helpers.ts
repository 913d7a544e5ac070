import { expect } from 'vitest';
import type { LightMyRequestResponse } from 'fastify';
import type { TestApp } from './test-app.js';

/** Shared steps of the sign-in, MFA, token and access suites: what an admin and a user would do over HTTP. */

export const PW = 'Str0ng#Passw0rd';
export const MINUTE = 60_000;
export const HOUR = 3_600_000;
export const DAY = 86_400_000;

/** POST /api/auth/login with the raw response. */
export const loginRaw = (t: TestApp, username: string, password: string, extra: Record<string, unknown> = {}) =>
  t.inject({ method: 'POST', url: '/api/auth/login', payload: { username, password, ...extra } });

/** Status and error code of a response, for one-line assertions. */
export const outcome = (res: LightMyRequestResponse): [number, string | undefined] => [
  res.statusCode,
  res.statusCode >= 400 ? (res.json() as { error?: { code?: string } }).error?.code : undefined,
];

/** Create a user as an admin (201 asserted); roles default to ['user'], the forced change is off unless asked. */
export async function createUser(t: TestApp, adminToken: string, username: string, body: Record<string, unknown> = {}): Promise<number> {
  const res = await t.inject({
    method: 'POST',
    url: '/api/users',
    token: adminToken,
    payload: { username, password: PW, roles: ['user'], mustChangePassword: false, ...body },
  });
  expect(res.statusCode, res.body).toBe(201);
  return res.json().id as number;
}

/** The stored user row, read the way an operator would check the database. */
export const userRow = (t: TestApp, username: string) =>
  t.gh.ctx.db.selectFrom('identity_users').selectAll().where('username', '=', username).executeTakeFirstOrThrow();

/** Audit rows of one action, oldest first. */
export const auditRows = (t: TestApp, action: string) =>
  t.gh.ctx.db.selectFrom('audit_events').selectAll().where('action', '=', action).orderBy('id').execute();

/** Every audit row written after a given id. */
export const auditSince = (t: TestApp, afterId: number) =>
  t.gh.ctx.db.selectFrom('audit_events').selectAll().where('id', '>', afterId).orderBy('id').execute();

export async function lastAuditId(t: TestApp): Promise<number> {
  const r = await t.gh.ctx.db
    .selectFrom('audit_events')
    .select((eb) => eb.fn.max('id').as('m'))
    .executeTakeFirst();
  return Number(r?.m ?? 0);
}

export async function countRows(
  t: TestApp,
  table:
    | 'identity_users'
    | 'identity_sessions'
    | 'identity_api_tokens'
    | 'access_grants'
    | 'access_roles'
    | 'access_templates'
    | 'identity_groups',
): Promise<number> {
  const r = await t.gh.ctx.db
    .selectFrom(table)
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirstOrThrow();
  return Number(r.n);
}

/** GET with a token, returning the status code only. */
export const statusOf = async (t: TestApp, url: string, token?: string) => (await t.inject({ method: 'GET', url, token })).statusCode;
