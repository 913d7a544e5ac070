export * from './job-queue.js';
export * from './sqlite-job-queue.js';
// Type only: pg-boss is loaded by createJobQueue in PostgreSQL mode, never by importing this index.
export type { PgBossQueueOptions } from './pgboss-job-queue.js';
export * from './cron-scheduler.js';
export * from './create-job-queue.js';
