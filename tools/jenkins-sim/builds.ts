/**
 * Runs: creating them from queue items, executing their script over time, finishing them, stop /
 * term / kill, and finished history runs for fixtures (reference §8).
 */
import { createHash } from 'node:crypto';
import type { Sim } from './context.js';
import type { Principal } from './auth.js';
import { ConsoleLog, hyperlink } from './console.js';
import { type Build, type Cause, type Commit, type Job, type ParamValue, type QueueItem, type Result, RESULT_ORDER } from './model.js';
import { artifactBytes, type ArtifactContent, type BuildStep, pipelineLine } from './script.js';
import { asRecord } from './params.js';
import { awaitInput } from './input.js';
import { buildPath } from './jobs.js';

export function causeText(sim: Sim, cause: Cause, withNotes: boolean): string {
  switch (cause.kind) {
    case 'user': {
      if (cause.userId === null) return 'Started by user unknown or anonymous';
      const name = withNotes ? hyperlink(`${sim.opts.prefix}/user/${cause.userId}`, cause.userName) : cause.userName;
      return `Started by user ${name}`;
    }
    case 'remote':
      return `Started by remote host ${cause.addr}${cause.note ? ` with note: ${cause.note}` : ''}`;
    case 'timer':
      return 'Started by timer';
    case 'scm':
      return 'Started by an SCM change';
    case 'branch-indexing':
      return 'Branch indexing';
    case 'branch-event':
      return `Push event to branch ${cause.branch}`;
    case 'upstream':
      return `Started by upstream project "${cause.project}" build number ${cause.build}`;
  }
}

export const shaOf = (text: string): string => createHash('sha1').update(text).digest('hex');

function newBuild(
  job: Job,
  number: number,
  init: { queueId: number; causes: Cause[]; params: ParamValue[] | null; timestamp: number; log: ConsoleLog },
): Build {
  let markDone = () => {};
  const done = new Promise<void>((r) => (markDone = r));
  return {
    job,
    number,
    queueId: init.queueId,
    timestamp: init.timestamp,
    duration: 0,
    result: null,
    building: true,
    causes: init.causes,
    params: init.params,
    log: init.log,
    artifacts: [],
    commits: [],
    revision: null,
    description: null,
    keepLog: false,
    hadInput: false,
    pendingInputs: [],
    inputHistory: [],
    resistance: 0,
    stopLevel: 0,
    released: new Set(),
    holding: null,
    abort: new AbortController(),
    done,
    markDone,
  };
}

function header(sim: Sim, b: Build): string {
  let out = b.causes.map((c) => causeText(sim, c, true) + '\n').join('');
  const repo = b.job.parent.repoUrl;
  if (b.job.branch !== null && repo) out += `Obtained Jenkinsfile from git ${repo}\n`;
  if (b.revision && b.job.branch !== null) out += `Checking out Revision ${b.revision} (${b.job.branch})\n`;
  if (b.commits.length) out += `Commit message: "${b.commits[b.commits.length - 1].msg}"\n`;
  return out;
}

/** Queue → run: the run exists from here on (the queue item's `executable`). */
export function startBuild(sim: Sim, item: QueueItem): Build {
  const job = item.job;
  const b = newBuild(job, job.nextBuildNumber++, {
    queueId: item.id,
    causes: item.causes,
    params: item.params,
    timestamp: sim.clock.now(),
    log: new ConsoleLog(),
  });
  b.commits = job.pendingCommits.splice(0);
  b.revision = b.commits.length ? b.commits[b.commits.length - 1].id : (job.builds[job.builds.length - 1]?.revision ?? null);
  job.builds.push(b);
  b.log.append(header(sim, b));
  const script = typeof job.script === 'function' ? job.script({ params: asRecord(b.params), build: b }) : job.script;
  void run(sim, b, script);
  return b;
}

const worse = (a: Result | null, b: Result): Result => (a && RESULT_ORDER[a] >= RESULT_ORDER[b] ? a : b);

async function run(sim: Sim, b: Build, steps: BuildStep[]): Promise<void> {
  let forced: Result | null = null;
  for (const step of steps) {
    if (b.abort.signal.aborted) break;
    if ('log' in step) b.log.append(step.log);
    else if ('sleep' in step) await sim.clock.sleep(step.sleep, b.abort.signal);
    else if ('stage' in step) b.log.append(pipelineLine('stage') + pipelineLine(`{ (${step.stage})`));
    else if ('archive' in step) archive(b, step.archive.path, step.archive.content);
    else if ('result' in step) b.result = worse(b.result, step.result);
    else if ('fail' in step) {
      b.log.append(`ERROR: ${step.fail}\n`);
      forced = 'FAILURE';
      break;
    } else if ('hold' in step) {
      if (!(await hold(b, step.hold))) break;
    } else if ('input' in step) {
      const outcome = await awaitInput(sim, b, step.input);
      if (outcome.kind !== 'proceed') {
        forced = 'ABORTED';
        break;
      }
    }
  }
  if (b.abort.signal.aborted) forced = 'ABORTED';
  finish(sim, b, forced ?? b.result ?? 'SUCCESS');
}

/** Waits until the test releases `name` (see JenkinsSim.release); false when the run was stopped meanwhile. */
function hold(b: Build, name: string): Promise<boolean> {
  if (b.released.has(name)) return Promise.resolve(true);
  return new Promise((resolve) => {
    const signal = b.abort.signal;
    const onAbort = () => {
      b.holding = null;
      resolve(false);
    };
    b.holding = {
      name,
      release: () => {
        signal.removeEventListener('abort', onAbort);
        b.holding = null;
        resolve(true);
      },
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

/** JenkinsSim.release: lets a run pass its `hold` step `name` now or when it gets there. */
export function releaseHold(b: Build, name: string): void {
  b.released.add(name);
  if (b.holding?.name === name) b.holding.release();
}

export function archive(b: Build, path: string, content: ArtifactContent): void {
  b.artifacts = b.artifacts.filter((a) => a.relativePath !== path);
  b.artifacts.push({ relativePath: path, content: artifactBytes(content) });
}

export function finish(sim: Sim, b: Build, result: Result): void {
  if (!b.building) return;
  b.result = worse(b.result, result);
  b.log.append(`Finished: ${b.result}\n`);
  b.duration = Math.max(1, sim.clock.now() - b.timestamp);
  b.building = false;
  b.markDone();
  sim.queue.buildFinished(b);
}

/**
 * stop (level 1), term (2), kill (3). A run with `resistance` r ignores the first r escalations and
 * prints the link to the next one, as a stuck pipeline does (Jenkins shows it after ~15 s).
 */
export function requestStop(sim: Sim, b: Build, level: 1 | 2 | 3, who: Principal): void {
  if (!b.building || level <= b.stopLevel) return;
  b.stopLevel = level;
  const name = who.user?.fullName ?? 'anonymous';
  if (level === 1) b.log.append(`Aborted by ${name}\n`);
  if (level <= b.resistance && level < 3) {
    const next = level === 1 ? 'term' : 'kill';
    const words = level === 1 ? 'forcibly terminate running steps' : 'forcibly kill entire build';
    b.log.append(`Click here to ${hyperlink(`${buildPath(sim.opts.prefix, b)}${next}`, words, true)}\n`);
    return;
  }
  if (level === 3) b.log.append('Hard kill!\n');
  b.result = worse(b.result, 'ABORTED');
  for (const p of b.pendingInputs.splice(0)) p.resolve({ kind: 'interrupted' });
  b.abort.abort();
  // An interrupted sleep or input ends the script loop; a run stuck elsewhere is finished here.
  setImmediate(() => finish(sim, b, 'ABORTED'));
}

export interface HistorySpec {
  result: Result;
  /** Start time (ms); default: spaced out before now. */
  timestamp?: number;
  durationMs?: number;
  causes?: Cause[];
  params?: ParamValue[];
  commits?: Commit[];
  artifacts?: { path: string; content: ArtifactContent }[];
  /** Console body between the header and "Finished:"; a function is only called when the log is read. */
  log?: string | (() => string);
  description?: string;
}

/** A finished run for fixture history. Its log is produced lazily. */
export function addFinishedBuild(sim: Sim, job: Job, spec: HistorySpec): Build {
  const durationMs = spec.durationMs ?? 60_000;
  const timestamp = spec.timestamp ?? sim.clock.now() - durationMs - 3_600_000 * (10 - Math.min(job.builds.length, 9));
  const b = newBuild(job, job.nextBuildNumber++, {
    queueId: sim.queue.allocateId(),
    causes: spec.causes ?? [{ kind: 'branch-indexing' }],
    params: spec.params ?? null,
    timestamp,
    log: new ConsoleLog(
      () =>
        header(sim, b) +
        (typeof spec.log === 'function' ? spec.log() : (spec.log ?? defaultHistoryLog(spec.result))) +
        `Finished: ${spec.result}\n`,
    ),
  });
  b.commits = spec.commits ?? [];
  b.revision = b.commits.length ? b.commits[b.commits.length - 1].id : (job.builds[job.builds.length - 1]?.revision ?? null);
  for (const a of spec.artifacts ?? []) archive(b, a.path, a.content);
  b.result = spec.result;
  b.building = false;
  b.duration = durationMs;
  b.description = spec.description ?? null;
  b.markDone();
  job.builds.push(b);
  return b;
}

function defaultHistoryLog(result: Result): string {
  const body = pipelineLine('Start of Pipeline') + pipelineLine('stage') + pipelineLine('{ (Build)') + 'Building...\n';
  if (result === 'FAILURE') return body + '\u001b[31mERROR: script returned exit code 1\u001b[0m\n';
  if (result === 'UNSTABLE') return body + '\u001b[33mTests: 3 failed, 120 passed\u001b[0m\n';
  if (result === 'ABORTED') return body + 'Aborted by Admin\n';
  return body + pipelineLine('End of Pipeline');
}
