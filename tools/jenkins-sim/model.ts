/**
 * The in-memory Jenkins model: items (folders, multibranch projects, pipeline and freestyle jobs),
 * builds, queue items, parameters and causes. Plain data; behaviour lives in jobs.ts, queue.ts,
 * builds.ts, console.ts and input.ts.
 */
import type { ConsoleLog } from './console.js';
import type { BuildStep } from './script.js';

export type Result = 'SUCCESS' | 'UNSTABLE' | 'FAILURE' | 'NOT_BUILT' | 'ABORTED';
export const RESULT_ORDER: Record<Result, number> = { SUCCESS: 0, UNSTABLE: 1, FAILURE: 2, NOT_BUILT: 3, ABORTED: 4 };

export type ParamType = 'string' | 'text' | 'boolean' | 'choice' | 'password';

export interface ParamDef {
  type: ParamType;
  name: string;
  description?: string | null;
  /** string/text/password: a string; boolean: a boolean; choice: ignored (first choice is the default). */
  default?: string | boolean;
  choices?: string[];
}

export interface ParamValue {
  type: ParamType;
  name: string;
  value: string | boolean;
}

export type Cause =
  | { kind: 'user'; userId: string | null; userName: string }
  | { kind: 'remote'; addr: string; note: string | null }
  | { kind: 'timer' }
  | { kind: 'scm' }
  | { kind: 'branch-indexing' }
  | { kind: 'branch-event'; branch: string }
  | { kind: 'upstream'; project: string; build: number; url: string };

export interface Commit {
  id: string;
  msg: string;
  author: string;
  email?: string;
  timestamp: number;
  paths?: string[];
}

export interface Artifact {
  relativePath: string;
  content: Buffer;
}

export interface InputSpec {
  id?: string;
  message: string;
  ok?: string;
  submitter?: string;
  parameters?: ParamDef[];
}

export interface PendingInput {
  id: string;
  message: string;
  ok: string;
  submitter: string | null;
  parameters: ParamDef[];
  resolve: (outcome: InputOutcome) => void;
}

export type InputOutcome =
  { kind: 'proceed'; by: string; values: Record<string, string | boolean> } | { kind: 'abort'; by: string } | { kind: 'interrupted' };

export interface InputRecord {
  id: string;
  message: string;
  outcome: 'proceeded' | 'aborted';
  by: string;
  values: Record<string, string | boolean>;
}

export interface Build {
  job: Job;
  number: number;
  queueId: number;
  timestamp: number;
  duration: number;
  result: Result | null;
  building: boolean;
  causes: Cause[];
  params: ParamValue[] | null;
  log: ConsoleLog;
  artifacts: Artifact[];
  commits: Commit[];
  revision: string | null;
  description: string | null;
  keepLog: boolean;
  /** Whether the run ever reached an input step (then /input/ exists). */
  hadInput: boolean;
  pendingInputs: PendingInput[];
  inputHistory: InputRecord[];
  /** How many escalations (stop, term) the running build ignores before it ends. */
  resistance: number;
  stopLevel: number;
  /** `hold` steps: names released by the test (a hold passes at once when already released). */
  released: Set<string>;
  /** The hold step the run is waiting at, if any. */
  holding: { name: string; release: () => void } | null;
  abort: AbortController;
  /** Set when the run finishes; resolves waiters. */
  done: Promise<void>;
  markDone: () => void;
}

export type JobKind = 'pipeline' | 'freestyle';
export type FolderKind = 'root' | 'folder' | 'multibranch' | 'organization';

export interface Folder {
  kind: FolderKind;
  name: string;
  parent: Folder | null;
  description: string;
  displayName: string | null;
  children: Map<string, Item>;
  /** Multibranch only: the repository the branches come from. */
  repoUrl?: string;
}

export type ScriptSource = BuildStep[] | ((ctx: { params: Record<string, string | boolean>; build: Build }) => BuildStep[]);

export interface Job {
  kind: JobKind;
  name: string;
  parent: Folder;
  description: string;
  displayName: string | null;
  disabled: boolean;
  concurrentBuild: boolean;
  quietPeriodMs: number | null;
  authToken: string | null;
  params: ParamDef[] | null;
  /** Builds by number (ascending). */
  builds: Build[];
  nextBuildNumber: number;
  script: ScriptSource;
  /** Multibranch branch jobs: the raw SCM branch name. */
  branch: string | null;
  /** Orphaned branch job (branch removed from SCM): kept but not buildable. */
  orphaned: boolean;
  /** Commits a new build of this job picks up (consumed by the next build). */
  pendingCommits: Commit[];
}

export type Item = Folder | Job;

export const isJob = (i: Item): i is Job => i.kind === 'pipeline' || i.kind === 'freestyle';
export const isFolder = (i: Item): i is Folder => !isJob(i);

export type QueueState = 'waiting' | 'blocked' | 'buildable' | 'left';

export interface QueueItem {
  id: number;
  job: Job;
  state: QueueState;
  inQueueSince: number;
  /** When the quiet period ends (WaitingItem.timestamp). */
  runnableAt: number;
  buildableSince: number | null;
  causes: Cause[];
  params: ParamValue[] | null;
  cancelled: boolean;
  build: Build | null;
  leftAt: number | null;
}

// ---------------------------------------------------------------- small derived facts

export function fullName(item: Item): string {
  const parts: string[] = [];
  for (let i: Item | null = item; i && i.kind !== 'root'; i = i.parent) parts.unshift(i.name);
  return parts.join('/');
}

export function displayNameOf(item: Item): string {
  if (item.displayName) return item.displayName;
  if (isJob(item) && item.branch !== null) return item.branch;
  return item.name;
}

export function fullDisplayName(item: Item): string {
  const parts: string[] = [];
  for (let i: Item | null = item; i && i.kind !== 'root'; i = i.parent) parts.unshift(displayNameOf(i));
  return parts.join(' » ');
}

export const isBuildable = (job: Job): boolean => !job.disabled && !job.orphaned;

export const completedBuilds = (job: Job): Build[] => job.builds.filter((b) => !b.building);
