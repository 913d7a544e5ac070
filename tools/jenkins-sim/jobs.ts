/**
 * Items: creating folders, multibranch projects, pipeline and freestyle jobs and branch jobs;
 * resolving URL segments to items; colours, permalinks and URLs (reference §§0, 3, 4).
 */
import { encodeBranch, rawEncode } from './names.js';
import {
  type Build,
  type Commit,
  type Folder,
  type FolderKind,
  type Item,
  type Job,
  type JobKind,
  type ParamDef,
  type Result,
  type ScriptSource,
  completedBuilds,
  isFolder,
  isJob,
} from './model.js';
import { standardPipeline } from './script.js';

export function newRoot(): Folder {
  return { kind: 'root', name: '', parent: null, description: '', displayName: null, children: new Map() };
}

export interface FolderOptions {
  description?: string;
  displayName?: string;
  repoUrl?: string;
}

export interface JobOptions {
  kind?: JobKind;
  description?: string;
  displayName?: string;
  disabled?: boolean;
  concurrentBuild?: boolean;
  quietPeriodMs?: number;
  authToken?: string;
  params?: ParamDef[];
  script?: ScriptSource;
}

/** Splits "platform/deploy-api" into its item names (plain names; branch jobs are addressed by the raw branch). */
export const splitPath = (path: string): string[] => path.split('/').filter((s) => s !== '');

export function findItem(root: Folder, path: string | string[]): Item | null {
  let cur: Item = root;
  for (const name of Array.isArray(path) ? path : splitPath(path)) {
    if (!isFolder(cur)) return null;
    const next = childByUrlName(cur, name);
    if (!next) return null;
    cur = next;
  }
  return cur;
}

/** MultiBranchProject.getItem also accepts the raw branch name ("feature/login" or its single-encoded form). */
export function childByUrlName(folder: Folder, name: string): Item | null {
  const direct = folder.children.get(name);
  if (direct) return direct;
  if (folder.kind === 'multibranch') return folder.children.get(encodeBranch(name)) ?? null;
  return null;
}

function parentFolder(root: Folder, path: string[]): Folder {
  const parent = findItem(root, path.slice(0, -1));
  if (!parent || !isFolder(parent)) throw new Error(`no folder at ${path.slice(0, -1).join('/') || '(root)'}`);
  return parent;
}

function addChild(parent: Folder, item: Item): void {
  if (parent.children.has(item.name)) throw new Error(`A job already exists with the name ‘${item.name}’`);
  parent.children.set(item.name, item);
}

export function createFolder(root: Folder, path: string, kind: Exclude<FolderKind, 'root'> = 'folder', opts: FolderOptions = {}): Folder {
  const parts = splitPath(path);
  const parent = parentFolder(root, parts);
  // An organization folder holds one multibranch project per repository, nothing else.
  if (parent.kind === 'organization' && kind !== 'multibranch')
    throw new Error('an organization folder only contains multibranch projects');
  if (parent.kind === 'multibranch') throw new Error('a multibranch project only contains branch jobs');
  const folder: Folder = {
    kind,
    name: parts[parts.length - 1],
    parent,
    description: opts.description ?? '',
    displayName: opts.displayName ?? null,
    children: new Map(),
    repoUrl: opts.repoUrl,
  };
  addChild(parent, folder);
  return folder;
}

function makeJob(parent: Folder, name: string, branch: string | null, opts: JobOptions): Job {
  return {
    kind: opts.kind ?? 'pipeline',
    name,
    parent,
    description: opts.description ?? '',
    displayName: opts.displayName ?? null,
    disabled: opts.disabled ?? false,
    concurrentBuild: opts.concurrentBuild ?? (opts.kind ?? 'pipeline') === 'pipeline',
    quietPeriodMs: opts.quietPeriodMs ?? null,
    authToken: opts.authToken ?? null,
    params: opts.params ?? null,
    builds: [],
    nextBuildNumber: 1,
    script: opts.script ?? standardPipeline(),
    branch,
    orphaned: false,
    pendingCommits: [],
  };
}

export function createJob(root: Folder, path: string, opts: JobOptions = {}): Job {
  const parts = splitPath(path);
  const parent = parentFolder(root, parts);
  if (parent.kind === 'multibranch') throw new Error('use addBranch for jobs inside a multibranch project');
  if (parent.kind === 'organization') throw new Error('an organization folder only contains multibranch projects');
  const job = makeJob(parent, parts[parts.length - 1], null, opts);
  addChild(parent, job);
  return job;
}

/** A branch job inside a multibranch project: item name = NameEncoder(branch), display name = the branch. */
export function addBranch(root: Folder, projectPath: string, branch: string, opts: Omit<JobOptions, 'kind'> = {}): Job {
  const project = findItem(root, projectPath);
  if (!project || !isFolder(project) || project.kind !== 'multibranch') throw new Error(`${projectPath} is not a multibranch project`);
  const job = makeJob(project, encodeBranch(branch), branch, { ...opts, kind: 'pipeline', concurrentBuild: opts.concurrentBuild ?? false });
  addChild(project, job);
  return job;
}

/** A branch gone from the repository: the job stays (orphaned, not buildable) or is deleted. */
export function removeBranch(root: Folder, projectPath: string, branch: string, mode: 'orphan' | 'delete' = 'delete'): void {
  const project = findItem(root, projectPath);
  if (!project || !isFolder(project)) throw new Error(`${projectPath} is not a folder`);
  const job = project.children.get(encodeBranch(branch));
  if (!job || !isJob(job)) throw new Error(`no branch ${branch} in ${projectPath}`);
  if (mode === 'orphan') job.orphaned = true;
  else project.children.delete(job.name);
}

export function queueCommit(job: Job, commit: Commit): void {
  job.pendingCommits.push(commit);
}

// ---------------------------------------------------------------- URLs

export function itemPath(item: Item): string {
  let path = '';
  for (let i: Item | null = item; i && i.kind !== 'root'; i = i.parent) path = `job/${rawEncode(i.name)}/` + path;
  return path;
}

/** Absolute URL of an item; `base` is the root URL without trailing slash (it includes the context path). */
export const itemUrl = (base: string, item: Item): string => `${base}/${itemPath(item)}`;
export const buildUrl = (base: string, b: Build): string => `${itemUrl(base, b.job)}${b.number}/`;
export const buildPath = (prefix: string, b: Build): string => `${prefix}/${itemPath(b.job)}${b.number}/`;

export function allJobs(folder: Folder): Job[] {
  const out: Job[] = [];
  for (const child of folder.children.values()) {
    if (isJob(child)) out.push(child);
    else out.push(...allJobs(child));
  }
  return out;
}

// ---------------------------------------------------------------- colours and permalinks

const BALL: Record<Result, string> = { SUCCESS: 'blue', UNSTABLE: 'yellow', FAILURE: 'red', NOT_BUILT: 'notbuilt', ABORTED: 'aborted' };

/** BallColor: the last completed run's colour (or disabled), with `_anime` while a run is building. */
export function jobColor(job: Job): string {
  const last = job.builds[job.builds.length - 1];
  const completed = lastCompleted(job);
  const base = job.disabled ? 'disabled' : completed?.result ? BALL[completed.result] : 'notbuilt';
  return last?.building ? `${base}_anime` : base;
}

function lastCompleted(job: Job): Build | null {
  for (let i = job.builds.length - 1; i >= 0; i--) if (!job.builds[i].building) return job.builds[i];
  return null;
}

const PERMALINKS: Record<string, (b: Build) => boolean> = {
  lastBuild: () => true,
  lastCompletedBuild: (b) => !b.building,
  lastSuccessfulBuild: (b) => !b.building && (b.result === 'SUCCESS' || b.result === 'UNSTABLE'),
  lastStableBuild: (b) => !b.building && b.result === 'SUCCESS',
  lastUnstableBuild: (b) => !b.building && b.result === 'UNSTABLE',
  lastFailedBuild: (b) => !b.building && b.result === 'FAILURE',
  lastUnsuccessfulBuild: (b) => !b.building && b.result !== 'SUCCESS',
};

export const PERMALINK_NAMES = Object.keys(PERMALINKS);

export function permalink(job: Job, name: string): Build | null {
  const test = PERMALINKS[name];
  if (!test) return null;
  for (let i = job.builds.length - 1; i >= 0; i--) if (test(job.builds[i])) return job.builds[i];
  return null;
}

/** A run by number, id or permalink name. */
export function findBuild(job: Job, segment: string): Build | null {
  if (/^[0-9]+$/.test(segment)) {
    const n = Number.parseInt(segment, 10);
    return job.builds.find((b) => b.number === n) ?? null;
  }
  return permalink(job, segment);
}

/** Job.getEstimatedDuration, simplified: mean of the last 3 successful-ish completed runs, -1 without history. */
export function estimatedDuration(job: Job): number {
  const good = completedBuilds(job)
    .filter((b) => b.result === 'SUCCESS' || b.result === 'UNSTABLE')
    .slice(-3);
  const pool = good.length ? good : completedBuilds(job).slice(-3);
  if (!pool.length) return -1;
  return Math.round(pool.reduce((s, b) => s + b.duration, 0) / pool.length);
}
