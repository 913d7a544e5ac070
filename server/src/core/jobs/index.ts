export * from './job-queue.js';
export * from './sqlite-job-queue.js';
export * from './pgboss-job-queue.js';
export * from './cron-scheduler.js';
export * from './create-job-queue.js';
