import type { FastifyBaseLogger } from 'fastify';
import type { Kysely } from 'kysely';
import type { Clock } from './clock.js';
import type { ConfigStore } from './config/config.loader.js';
import type { SecretBox } from './crypto/secret-box.js';
import type { Dialect, Database } from './db/db.js';
import type { EventBus } from './events/event-bus.js';
import type { CronScheduler } from './jobs/cron-scheduler.js';
import type { JobQueue } from './jobs/job-queue.js';
import type { PermissionRegistry } from './permissions.js';
import type { LiveHub } from './live/live-hub.js';
import type { RunStore } from './runs/run-store.js';
import type { RunTopic } from './runs/run-topic.js';

/** What every module is built from; app.ts makes one and hands it down. */
export interface AppContext {
  db: Kysely<any>;
  dialect: Dialect;
  database: Database;
  config: ConfigStore;
  clock: Clock;
  jobs: JobQueue;
  scheduler: CronScheduler;
  events: EventBus;
  secrets: SecretBox;
  masterKey: Buffer;
  permissions: PermissionRegistry;
  log: FastifyBaseLogger;
  dataDir: string;
  /** Runs and their logs, shared by every module that executes something. */
  runs: RunStore;
  /** Who may watch a run of each kind over `run:<id>`. */
  runTopic: RunTopic;
  /** The WebSocket hub at /api/ws where modules register topics. */
  hub: LiveHub;
}
