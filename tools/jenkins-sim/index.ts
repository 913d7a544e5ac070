/**
 * createJenkinsSim: a programmable in-memory Jenkins over real HTTP. Use it in-process from tests
 * (port 0) or standalone through main.ts. See README.md for the control API.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomBytes } from 'node:crypto';
import { Clock } from './clock.js';
import { type Sim, type SimOptions, hex8, versionAtLeast } from './context.js';
import { type Permission, type User, type UserSpec, UserStore } from './auth.js';
import { SessionStore } from './crumbs.js';
import { Queue } from './queue.js';
import {
  addBranch,
  createFolder,
  createJob,
  findBuild,
  findItem,
  newRoot,
  queueCommit,
  removeBranch,
  type FolderOptions,
  type JobOptions,
} from './jobs.js';
import { type Build, type Commit, type Folder, type Job, type ParamValue, type QueueItem, isJob } from './model.js';
import { addFinishedBuild, type HistorySpec, releaseHold, startBuild } from './builds.js';
import { Faults, type FaultMode, type Fault, type RequestLogEntry } from './faults.js';
import { handle } from './server.js';
import { defaultValue } from './params.js';

export type {
  SimOptions,
  Build,
  Job,
  Folder,
  QueueItem,
  RequestLogEntry,
  FaultMode,
  HistorySpec,
  JobOptions,
  FolderOptions,
  Permission,
  UserSpec,
};
export { encodeBranch, decodeBranch, rawEncode } from './names.js';
export { ansi, standardPipeline, longColouredLog, pipelineLine, type BuildStep } from './script.js';
export { hyperlink, note, NOTE_RE } from './console.js';
export { inputId } from './input.js';

export interface JenkinsSim {
  /** Base URL including the context path, without trailing slash, e.g. http://127.0.0.1:41234 */
  url: string;
  port: number;
  /** The model: root folder, queue, users, sessions, clock, options. */
  sim: Sim;
  /** Every request received, in order (including failed and faulted ones). */
  requests: RequestLogEntry[];
  faults: Faults;
  close(): Promise<void>;

  addUser(id: string, spec?: UserSpec): User;
  setAnonymousRead(on: boolean): void;
  createFolder(path: string, opts?: FolderOptions): Folder;
  createMultibranch(path: string, opts?: FolderOptions): Folder;
  /** An organization folder (jenkins.branch.OrganizationFolder); put multibranch projects in it. */
  createOrganizationFolder(path: string, opts?: FolderOptions): Folder;
  createJob(path: string, opts?: JobOptions): Job;
  addBranch(projectPath: string, branch: string, opts?: Omit<JobOptions, 'kind'>): Job;
  removeBranch(projectPath: string, branch: string, mode?: 'orphan' | 'delete'): void;
  /** A job by path: "a/b" with item names (branch jobs: encoded name), or an array whose items may be raw branch names. */
  job(path: string | string[]): Job;
  build(path: string | string[], number: number | string): Build;
  addHistory(path: string | string[], spec: HistorySpec): Build;
  /** The commit the next build of this job picks up. */
  pushCommit(path: string | string[], commit: Omit<Commit, 'id' | 'timestamp'> & Partial<Pick<Commit, 'id' | 'timestamp'>>): Commit;
  /** Schedules a build in-process (as the given user, default admin), bypassing HTTP. */
  trigger(path: string | string[], opts?: { params?: Record<string, string | boolean>; user?: string; delayMs?: number }): QueueItem;
  /** Resolves when the run has finished. */
  waitForBuild(path: string | string[], number: number): Promise<Build>;
  setLatency(ms: number, match?: RegExp): void;
  failNext(n: number, mode?: FaultMode, match?: Fault['match']): void;
  /** Every request fails with this mode until setDown(false). */
  setDown(mode: FaultMode | false): void;
  clearFaults(): void;
  clearRequests(): void;
  /** While paused, buildable items stay in the queue (BuildableItem) instead of leaving it. */
  pauseQueue(paused: boolean): void;
  /** While held, items that left the queue stay LeftItems with `executable: null` (no run yet). */
  holdStarts(held: boolean): void;
  /** Ends the quiet period (WaitingItem) of one queue item, or of all, now. */
  endQuietPeriod(queueId?: number): void;
  /** Lets the run pass its `{ hold: name }` step (now, or when it reaches it). */
  release(path: string | string[], number: number | string, name: string): void;
  /** A Jenkins restart: new X-Jenkins-Session and cookie name, sessions (and their crumbs) gone. */
  restart(): void;
}

export async function createJenkinsSim(options: SimOptions = {}): Promise<JenkinsSim> {
  const version = options.version ?? '2.516.3';
  const clock = new Clock(options.timeScale ?? 1);
  const sim = {
    opts: {
      prefix: (options.prefix ?? '').replace(/\/$/, ''),
      rootUrl: options.rootUrl ?? null,
      version,
      timeScale: options.timeScale ?? 1,
      quietPeriodMs: options.quietPeriodMs ?? 5000,
      queueRetentionMs: options.queueRetentionMs ?? 300_000,
      startGapMs: options.startGapMs ?? 100,
      executors: options.executors ?? 2,
      anonymousRead: options.anonymousRead ?? false,
      notesInProgressiveText: options.notesInProgressiveText ?? versionAtLeast(version, 2, 509),
    },
    root: newRoot(),
    clock,
    users: new UserStore(),
    sessions: new SessionStore(),
    instanceId: hex8(),
    cookieName: `JSESSIONID.${hex8()}`,
    salt: randomBytes(16).toString('hex'),
  } as Sim;
  sim.queue = new Queue(sim);
  sim.queue.setStarter((item) => startBuild(sim, item));
  sim.users.anonymousRead = sim.opts.anonymousRead;
  const admin = options.admin ?? {};
  sim.users.add(admin.user ?? 'admin', {
    fullName: admin.fullName ?? 'Admin',
    password: admin.password ?? 'admin',
    tokens: [admin.token ?? 'admin-token'],
    permissions: ['Overall/Administer'],
  });

  const faults = new Faults();
  const requests: RequestLogEntry[] = [];
  const server: Server = createServer((req, res) => {
    handle({ sim, faults, requests }, req, res).catch((e) => {
      res.statusCode = 500;
      res.end(String(e));
    });
  });
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, options.host ?? '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  const host = options.host && options.host !== '0.0.0.0' ? options.host : '127.0.0.1';
  return control(sim, { server, port, url: `http://${host}:${port}${sim.opts.prefix}`, faults, requests });
}

function control(sim: Sim, io: { server: Server; port: number; url: string; faults: Faults; requests: RequestLogEntry[] }): JenkinsSim {
  const job = (path: string | string[]): Job => {
    const item = findItem(sim.root, path);
    if (!item || !isJob(item)) throw new Error(`no job at ${String(path)}`);
    return item;
  };
  const build = (path: string | string[], n: number | string): Build => {
    const b = findBuild(job(path), String(n));
    if (!b) throw new Error(`no build ${n} of ${String(path)}`);
    return b;
  };
  return {
    url: io.url,
    port: io.port,
    sim,
    requests: io.requests,
    faults: io.faults,
    close: () =>
      new Promise<void>((resolve) => {
        sim.clock.dispose();
        io.server.closeAllConnections();
        io.server.close(() => resolve());
      }),
    addUser: (id, spec) => sim.users.add(id, spec),
    setAnonymousRead: (on) => (sim.users.anonymousRead = on),
    createFolder: (path, opts) => createFolder(sim.root, path, 'folder', opts),
    createMultibranch: (path, opts) => createFolder(sim.root, path, 'multibranch', opts),
    createOrganizationFolder: (path, opts) => createFolder(sim.root, path, 'organization', opts),
    createJob: (path, opts) => createJob(sim.root, path, opts),
    addBranch: (p, branch, opts) => addBranch(sim.root, p, branch, opts),
    removeBranch: (p, branch, mode) => removeBranch(sim.root, p, branch, mode),
    job,
    build,
    addHistory: (path, spec) => addFinishedBuild(sim, job(path), spec),
    pushCommit: (path, c) => {
      const commit: Commit = { id: c.id ?? randomBytes(20).toString('hex'), timestamp: c.timestamp ?? Date.now(), ...c } as Commit;
      queueCommit(job(path), commit);
      return commit;
    },
    trigger: (path, opts = {}) => {
      const j = job(path);
      const user = sim.users.users.get(opts.user ?? 'admin');
      const params: ParamValue[] | null = j.params
        ? j.params.map((d) => ({ type: d.type, name: d.name, value: opts.params?.[d.name] ?? defaultValue(d) }))
        : null;
      const causes = [{ kind: 'user' as const, userId: user?.id ?? null, userName: user?.fullName ?? 'anonymous' }];
      return sim.queue.schedule(j, { delayMs: opts.delayMs ?? 0, causes, params }).item;
    },
    waitForBuild: async (path, n) => {
      const b = build(path, n);
      await b.done;
      return b;
    },
    setLatency: (ms, match) => {
      io.faults.latencyMs = ms;
      io.faults.latencyMatch = match ?? null;
    },
    failNext: (n, mode, match) => io.faults.failNext(n, mode, match),
    setDown: (mode) => (io.faults.down = mode || null),
    clearFaults: () => io.faults.clear(),
    clearRequests: () => void io.requests.splice(0),
    pauseQueue: (paused) => {
      sim.queue.paused = paused;
      sim.queue.maintain();
    },
    holdStarts: (held) => sim.queue.holdStarts(held),
    endQuietPeriod: (id) => sim.queue.endQuietPeriod(id),
    release: (path, n, name) => releaseHold(build(path, n), name),
    restart: () => {
      sim.instanceId = hex8();
      sim.cookieName = `JSESSIONID.${hex8()}`;
      sim.sessions.clear();
    },
  };
}
