import pg from 'pg';
import { PG_ADMIN_URL, TEST_DIALECT } from './test-db.js';

/**
 * Checks the real services a run needs before any test starts. Missing PostgreSQL fails the run in
 * CI and is reported loudly (then skipped) on a developer machine.
 */
export default async function setup(): Promise<void> {
  if (TEST_DIALECT !== 'postgres') return;
  const c = new pg.Client({ connectionString: PG_ADMIN_URL, connectionTimeoutMillis: 3000 });
  try {
    await c.connect();
    await c.end();
  } catch (e) {
    const msg = `PostgreSQL is not reachable at ${PG_ADMIN_URL}: ${(e as Error).message}`;
    if (process.env.CI) throw new Error(`${msg} — CI must run every suite on PostgreSQL.`);
    console.warn(`\n${'!'.repeat(78)}\n!! SKIPPED: the PostgreSQL run. ${msg}\n${'!'.repeat(78)}\n`);
    process.env.GATEHOUSE_SKIP_ALL = 'PostgreSQL unavailable';
  }
}
