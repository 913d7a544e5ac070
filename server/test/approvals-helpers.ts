import type { LightMyRequestResponse } from 'fastify';
import { expect } from 'vitest';
import { ManualClock } from '../src/core/clock.js';
import type { ApprovalsService, Approval, RequestInput } from '../src/modules/approvals/approvals-core.js';
import { createTestApp, type TestApp } from './test-app.js';

/** A test server with an admin token and a ManualClock (for reminders and timeouts). */
export interface ApprovalsTestApp {
  t: TestApp;
  admin: string;
  clock: ManualClock;
  service: ApprovalsService;
  close(): Promise<void>;
}

export async function createApprovalsTestApp(
  opts: { config?: Record<string, unknown>; clock?: ManualClock } = {},
): Promise<ApprovalsTestApp> {
  const clock = opts.clock ?? new ManualClock('2026-03-02T08:00:00.000Z');
  const t = await createTestApp({ clock, config: opts.config });
  const admin = await t.adminToken();
  return { t, admin, clock, service: t.gh.modules.approvals.service, close: () => t.close() };
}

export const PW = 'Appr#Pass1234';
let seq = 0;

export interface TestUser {
  id: number;
  username: string;
  token: string;
}

/** A fresh user (role "user") with grants [permission-or-role, project, environment?]; role grants start with "role:". */
export async function makeUser(
  a: ApprovalsTestApp,
  opts: { name?: string; grants?: Array<[string, string, string?]> } = {},
): Promise<TestUser> {
  const username = opts.name ?? `appr${++seq}${Math.floor(Math.random() * 1e4)}`;
  const res = await a.t.inject({
    method: 'POST',
    url: '/api/users',
    token: a.admin,
    payload: { username, password: PW, roles: ['user'], mustChangePassword: false, email: `${username}@example.test` },
  });
  expect(res.statusCode, res.body).toBe(201);
  const id = res.json().id as number;
  for (const g of opts.grants ?? []) await grant(a, 'user', id, g);
  return { id, username, token: await a.t.login(username, PW) };
}

export async function grant(
  a: ApprovalsTestApp,
  subjectType: 'user' | 'group',
  subjectId: number,
  [what, project, environment]: [string, string, string?],
) {
  const spec = what.startsWith('role:') ? { role: what.slice(5) } : { permission: what };
  const res = await a.t.inject({
    method: 'POST',
    url: '/api/access/grants',
    token: a.admin,
    payload: { subjectType, subjectId, ...spec, project, ...(environment ? { environment } : {}) },
  });
  expect(res.statusCode, res.body).toBe(201);
}

export async function makeGroup(a: ApprovalsTestApp, name: string, members: TestUser[]): Promise<number> {
  const res = await a.t.inject({ method: 'POST', url: '/api/groups', token: a.admin, payload: { name } });
  expect(res.statusCode, res.body).toBe(201);
  const id = res.json().id as number;
  const m = await a.t.inject({
    method: 'PUT',
    url: `/api/groups/${id}/members`,
    token: a.admin,
    payload: { userIds: members.map((u) => u.id) },
  });
  expect(m.statusCode, m.body).toBe(200);
  return id;
}

export async function makeRole(a: ApprovalsTestApp, name: string, permissions: string[] = []): Promise<void> {
  const res = await a.t.inject({ method: 'POST', url: '/api/roles', token: a.admin, payload: { name, permissions } });
  expect(res.statusCode, res.body).toBe(201);
}

export interface PolicyBody {
  name?: string;
  project?: string;
  environment?: string;
  levels: Array<{
    name?: string;
    approvers: { users?: string[]; groups?: string[]; roles?: string[] };
    mode: 'any' | 'all' | { quorum: number };
  }>;
  timeoutMinutes?: number;
  timeoutAction?: 'reject' | 'approve';
  allowSelfApproval?: boolean;
  reminder?: { firstMinutes?: number; backoff?: number; max?: number };
  enabled?: boolean;
}

/** POST /api/approval-policies as admin; project P / environment prod unless given. */
export async function makePolicy(a: ApprovalsTestApp, body: PolicyBody): Promise<{ id: number }> {
  const res = await a.t.inject({
    method: 'POST',
    url: '/api/approval-policies',
    token: a.admin,
    payload: { name: `policy-${++seq}`, project: 'P', environment: 'prod', ...body } as never,
  });
  expect(res.statusCode, res.body).toBe(201);
  return res.json();
}

/** A request through the service (as the Jenkins stage makes them). */
export async function makeRequest(a: ApprovalsTestApp, input: Partial<RequestInput> = {}): Promise<Approval> {
  const n = ++seq;
  const { approval } = await a.service.request({
    subject: { type: 'test', id: `t-${n}` },
    project: 'P',
    environment: 'prod',
    summary: `Deploy ${n}`,
    requestedBy: null,
    facts: { job: 'platform/deploy', build: n },
    ...input,
  });
  return approval;
}

export function approve(
  a: ApprovalsTestApp,
  id: number,
  token: string,
  body: Record<string, unknown> = {},
): Promise<LightMyRequestResponse> {
  return a.t.inject({ method: 'POST', url: `/api/approve/${id}`, token, payload: body });
}

export function reject(
  a: ApprovalsTestApp,
  id: number,
  token: string,
  body: Record<string, unknown> = {},
): Promise<LightMyRequestResponse> {
  return a.t.inject({ method: 'POST', url: `/api/reject/${id}`, token, payload: body });
}

export async function detail(a: ApprovalsTestApp, id: number, token = a.admin) {
  const res = await a.t.inject({ method: 'GET', url: `/api/approvals/${id}`, token });
  expect(res.statusCode, res.body).toBe(200);
  return res.json();
}

/** In-app notifications a user got about one approval (what the notification centre shows). */
export async function noticesAbout(
  a: ApprovalsTestApp,
  userId: number,
  approvalId: number,
): Promise<Array<{ kind: string; title: string; severity: string }>> {
  return a.t.gh.ctx.db
    .selectFrom('notify_notifications')
    .select(['kind', 'title', 'severity'])
    .where('user_id', '=', userId)
    .where('link', 'like', `%/approvals/${approvalId}`)
    .orderBy('id')
    .execute();
}

export const MINUTE = 60_000;
