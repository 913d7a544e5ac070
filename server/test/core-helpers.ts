import { openDatabase, type Database } from '../src/core/db/db.js';
import { migrateToLatest } from '../src/core/db/migrator.js';
import { createJobQueue } from '../src/core/jobs/create-job-queue.js';
import type { JobQueue } from '../src/core/jobs/job-queue.js';
import type { Clock } from '../src/core/clock.js';
import { migrations } from '../src/migrations/index.js';
import { TEST_DIALECT, type TestDatabase } from './test-db.js';
import { describeDb } from './test-app.js';

/** A logger that remembers what was logged, so tests can assert that failures were reported. */
export function memoryLog() {
  const errors: Array<{ obj: object; msg: string }> = [];
  return { errors, error: (obj: object, msg: string) => void errors.push({ obj, msg }) };
}

export interface OpenQueue {
  database: Database;
  queue: JobQueue;
  log: ReturnType<typeof memoryLog>;
  close(): Promise<void>;
}

/** A migrated database and a job queue on it, without the rest of the app (one per "instance"). */
export async function openQueue(tdb: TestDatabase, clock: Clock, opts: { pollMs?: number; concurrency?: number } = {}): Promise<OpenQueue> {
  const database = openDatabase({ databaseUrl: tdb.databaseUrl, dataDir: tdb.dataDir });
  await migrateToLatest(database.db, migrations);
  const log = memoryLog();
  const queue = await createJobQueue(database, clock, log, opts);
  return {
    database,
    queue,
    log,
    async close() {
      await queue.stop();
      await database.close();
    },
  };
}

/** Resolve when `check` is true, polling every 10 ms (for the live loops, which run on real time). */
export async function waitFor(check: () => boolean | Promise<boolean>, timeoutMs = 5000, what = 'condition'): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/**
 * `describe` for a block that only makes sense on one database. On the other database the block is
 * not declared at all rather than skipped: under CI a skipped test counts as a failure.
 */
export function describeOn(dialect: 'sqlite' | 'postgres'): (name: string, fn: () => void) => void {
  return dialect === TEST_DIALECT ? (name, fn) => describeDb(name, fn) : () => undefined;
}
