/** The emulator's shared state, handed to every route and engine function. */
import { randomBytes } from 'node:crypto';
import type { Clock } from './clock.js';
import type { Folder } from './model.js';
import type { Queue } from './queue.js';
import type { UserStore } from './auth.js';
import type { SessionStore } from './crumbs.js';

export interface SimOptions {
  /** Port to listen on; 0 (default) = random. */
  port?: number;
  host?: string;
  /** Context path such as "/jenkins" (default: served at the root). */
  prefix?: string;
  /** Root URL used in `url` fields; default: from the request's Host header, as an unconfigured Jenkins does. */
  rootUrl?: string;
  /** Value of X-Jenkins (default 2.516.3). Versions ≥ 2.509 keep console notes in progressiveText. */
  version?: string;
  /** Scale for all simulated delays (quiet period, script sleeps, executor pick-up). 0.01 = 100× faster. */
  timeScale?: number;
  /** Global quiet period in ms (Jenkins default 5000). */
  quietPeriodMs?: number;
  /** How long a left queue item stays readable (Jenkins: 5 minutes). Real time, not scaled. */
  queueRetentionMs?: number;
  /** The short window where a left item has `executable: null` before the run exists (simulated ms). */
  startGapMs?: number;
  /** Executors for freestyle builds (pipelines run on flyweight executors and never wait). */
  executors?: number;
  /** Anonymous users get Overall/Read and Item/Read. */
  anonymousRead?: boolean;
  /** Keep hidden console notes in progressiveText (default: from `version`, true from 2.509). */
  notesInProgressiveText?: boolean;
  /** The admin user (default admin / password "admin" / token "admin-token"). */
  admin?: { user?: string; password?: string; token?: string; fullName?: string };
}

export interface Sim {
  opts: Required<Omit<SimOptions, 'rootUrl' | 'admin' | 'port' | 'host'>> & { rootUrl: string | null };
  root: Folder;
  clock: Clock;
  queue: Queue;
  users: UserStore;
  sessions: SessionStore;
  /** X-Jenkins-Session: 8 hex, changes on restart. */
  instanceId: string;
  /** JSESSIONID.<8 hex>, random per start. */
  cookieName: string;
  /** Secret mixed into crumbs. */
  salt: string;
}

export const hex8 = (): string => randomBytes(4).toString('hex');

export function versionAtLeast(version: string, major: number, minor: number): boolean {
  const [a, b] = version.split('.').map((x) => Number.parseInt(x, 10));
  return a > major || (a === major && (b ?? 0) >= minor);
}
