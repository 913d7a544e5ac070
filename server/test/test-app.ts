import type { InjectOptions, LightMyRequestResponse } from 'fastify';
import { buildApp, type Gatehouse } from '../src/app.js';
import { parseConfig } from '../src/core/config/config.loader.js';
import { readEnv } from '../src/core/config/config.env.js';
import { ManualClock, type Clock } from '../src/core/clock.js';
import { createTestDatabase, type TestDatabase } from './test-db.js';

export const ADMIN_PASSWORD = 'Admin#Pass123';

export interface TestApp {
  gh: Gatehouse;
  /** The first admin's password when createTestApp({ adminPassword: null }) let Gatehouse generate it. */
  generatedAdminPassword?: string;
  db: TestDatabase;
  clock: Clock;
  inject(opts: InjectOptions & { token?: string }): Promise<LightMyRequestResponse>;
  /** Log in and return the access token (fails the test on anything but 200). */
  login(username: string, password: string, otp?: string): Promise<string>;
  adminToken(): Promise<string>;
  close(): Promise<void>;
}

/**
 * The whole real server (routes, services, real database) built for one test file and driven with
 * app.inject(). Background loops are not started: tests call gh.ctx.jobs.drain() and
 * gh.ctx.scheduler.tick() when they want work to happen, with a ManualClock if time matters.
 */
export async function createTestApp(
  opts: {
    clock?: ManualClock;
    config?: Record<string, unknown>;
    env?: Record<string, string>;
    /** null: start without GATEHOUSE_ADMIN_PASSWORD, so a password is generated and printed once. */
    adminPassword?: string | null;
  } = {},
): Promise<TestApp> {
  const db = await createTestDatabase();
  // Settings named by environment variables (JENKINS_URL, SMTP_HOST…) apply as they would in production.
  const fromEnv = readEnv(opts.env ?? {}).values;
  const config = parseConfig({
    dataDir: db.dataDir,
    databaseUrl: db.databaseUrl,
    logLevel: 'silent',
    ...fromEnv,
    ...opts.config,
    ...Object.fromEntries(
      ['jenkins', 'telegram', 'smtp', 'approvals', 'notify'].map((k) => [
        k,
        { ...((fromEnv[k] as object) ?? {}), ...((opts.config?.[k] as object) ?? {}) },
      ]),
    ),
    security: { bcryptCost: 4, ...((opts.config?.security as object) ?? {}) },
  });
  const clock = opts.clock ?? new ManualClock(new Date());
  const env: Record<string, string> = {
    ...(opts.adminPassword === null ? {} : { GATEHOUSE_ADMIN_PASSWORD: opts.adminPassword ?? ADMIN_PASSWORD }),
    ...opts.env,
  };
  // The generated first-admin password is printed once on stdout: catch it as an operator would.
  let printed = '';
  const write = process.stdout.write.bind(process.stdout);
  if (opts.adminPassword === null) {
    process.stdout.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
      printed += String(chunk);
      return (write as (...a: unknown[]) => boolean)(chunk, ...rest);
    }) as typeof process.stdout.write;
  }
  let gh: Gatehouse;
  try {
    gh = await buildApp({ config, clock, env, logger: false });
  } finally {
    process.stdout.write = write;
  }
  const generatedAdminPassword = /password: (\S+)/.exec(printed)?.[1];
  let admin: string | undefined;
  const t: TestApp = {
    gh,
    generatedAdminPassword,
    db,
    clock,
    inject({ token, headers, ...rest }) {
      return gh.app.inject({ ...rest, headers: { ...headers, ...(token ? { authorization: `Bearer ${token}` } : {}) } });
    },
    async login(username, password, otp) {
      const res = await gh.app.inject({ method: 'POST', url: '/api/auth/login', payload: { username, password, ...(otp ? { otp } : {}) } });
      if (res.statusCode !== 200) throw new Error(`login ${username} → ${res.statusCode} ${res.body}`);
      return res.json().accessToken as string;
    },
    async adminToken() {
      admin ??= await t.login('admin', ADMIN_PASSWORD);
      return admin;
    },
    async close() {
      await gh.close();
      await db.drop();
    },
  };
  return t;
}

import { describe } from 'vitest';
/**
 * `describe` for suites that need the test database: skipped (loudly, by global setup) only when
 * the PostgreSQL run was asked for on a machine without PostgreSQL, never in CI.
 */
export const describeDb = (process.env.GATEHOUSE_SKIP_ALL ? describe.skip : describe) as typeof describe;
