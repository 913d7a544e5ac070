import { expect } from 'vitest';
import { createTestApp, type TestApp } from './test-app.js';

/** Shared steps of the user and group administration tests. */
export const STRONG = 'Str0ng#Passw0rd';

export interface AdminFixture {
  t: TestApp;
  /** An access token of the bootstrap admin. */
  admin: string;
  adminId: number;
}

export async function adminFixture(opts: Parameters<typeof createTestApp>[0] = {}): Promise<AdminFixture> {
  const t = await createTestApp(opts);
  const admin = await t.adminToken();
  const me = await t.gh.ctx.db.selectFrom('identity_users').select('id').where('username', '=', 'admin').executeTakeFirstOrThrow();
  return { t, admin, adminId: me.id as number };
}

/** Create a user through the API (201 expected) and return the answer. */
export async function createUser(f: AdminFixture, body: Record<string, unknown>) {
  const res = await f.t.inject({ method: 'POST', url: '/api/users', token: f.admin, payload: { password: STRONG, ...body } });
  expect(res.statusCode, res.body).toBe(201);
  return res.json();
}

/** A signed-in user with the plain "user" role (no administration rights). */
export async function plainUserToken(f: AdminFixture, username: string): Promise<{ id: number; token: string }> {
  const u = await createUser(f, { username, roles: ['user'], mustChangePassword: false });
  return { id: u.id, token: await f.t.login(username, STRONG) };
}

export async function auditRows(f: AdminFixture, action: string) {
  const rows: Record<string, any>[] = await f.t.gh.ctx.db
    .selectFrom('audit_events')
    .selectAll()
    .where('action', '=', action)
    .orderBy('id')
    .execute();
  return rows.map((r): Record<string, any> => ({ ...r, details: r.details ? JSON.parse(r.details as string) : null }));
}

export async function userRow(f: AdminFixture, username: string) {
  return f.t.gh.ctx.db.selectFrom('identity_users').selectAll().where('username', '=', username).executeTakeFirst();
}

export async function countRows(f: AdminFixture, table: string): Promise<number> {
  const r = await f.t.gh.ctx.db
    .selectFrom(table)
    .select((eb) => eb.fn.countAll().as('n'))
    .executeTakeFirstOrThrow();
  return Number(r.n);
}

export function expectError(res: { statusCode: number; body: string; json(): any }, status: number, code: string) {
  expect(res.statusCode, res.body).toBe(status);
  expect(res.json().error.code).toBe(code);
}
