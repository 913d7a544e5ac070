import type { Clock } from '../clock.js';
import type { Database } from '../db/db.js';
import type { JobQueue } from './job-queue.js';
import type { PgBossQueueOptions } from './pgboss-job-queue.js';
import { SqliteJobQueue } from './sqlite-job-queue.js';

type Logger = { error: (obj: object, msg: string) => void };

/**
 * The durable table runner on SQLite; pg-boss on PostgreSQL. The queue comes back ready to enqueue
 * and drain (storage installed, work a dead process left behind recovered); start() begins polling.
 */
export async function createJobQueue(
  database: Database,
  clock: Clock,
  log: Logger,
  opts: PgBossQueueOptions & { pollMs?: number; concurrency?: number } = {},
): Promise<JobQueue> {
  if (database.dialect === 'postgres') {
    // pg-boss is loaded only in PostgreSQL mode.
    const { PgBossJobQueue } = await import('./pgboss-job-queue.js');
    const queue = new PgBossJobQueue(database.db, clock, log, opts);
    await queue.open();
    return queue;
  }
  const queue = new SqliteJobQueue(database.db, clock, log, opts);
  await queue.recover();
  return queue;
}
