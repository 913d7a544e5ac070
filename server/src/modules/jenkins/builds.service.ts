import type { Readable } from 'node:stream';
import type { Kysely } from 'kysely';
import type { AppContext } from '../../core/context.js';
import { Forbidden } from '../../core/http/errors.js';
import type { RateLimiter } from '../../core/http/rate-limiter.js';
import type { AuditActor, AuditService } from '../audit/index.js';
import type { JenkinsClient, JobPath, ParamDef } from './client/index.js';
import { maskParams, MASK, toParamView, validateParams } from './build-params.js';
import * as repo from './builds.repo.js';
import type { CatalogService } from './catalog.service.js';
import { jenkinsCall } from './jenkins-call.js';
import { ArtifactNotFound, BranchNotBuildable, BuildNotFound, QueueItemNotFound } from './jenkins.errors.js';
import type { BuildRow, JenkinsTables, ProjectRow, BranchRow } from './jenkins.types.js';
import type { ServersService } from './servers.service.js';

export const TRACK_JOB = 'jenkins.track-queue';
const PARAMS_TTL_MS = 60_000;
const TRACK_EVERY_MS = 2_000;
const TRACK_FOR_MS = 6 * 3_600_000;

export type Actor = AuditActor & { userId: number };

export interface BuildTarget {
  project: ProjectRow;
  branch: BranchRow;
  client: JenkinsClient;
  path: JobPath;
}

const iso = (ms: number) => new Date(ms).toISOString();

/** Builds of a branch through Gatehouse: every call is re-authorised here before Jenkins sees it. */
export class BuildsService {
  private readonly paramCache = new Map<string, { at: number; defs: ParamDef[] }>();

  constructor(
    private readonly ctx: AppContext,
    private readonly audit: AuditService,
    private readonly servers: ServersService,
    private readonly catalog: CatalogService,
    private readonly limiter: RateLimiter,
  ) {}

  private get db() {
    return this.ctx.db as Kysely<JenkinsTables>;
  }

  /** Resolve a visible branch (404 otherwise) to its Jenkins job; `build` also needs jenkins.build. */
  async target(actor: Actor, project: string, branch: string, need: 'view' | 'build', action?: string): Promise<BuildTarget> {
    const r = await this.catalog.visibleBranch(actor.userId, project, branch);
    if (need === 'build' && !this.catalog.canBuild(r.viewer, project, branch)) {
      await this.audit.record(this.db, {
        actor,
        action: action ?? 'jenkins.build.trigger',
        outcome: 'denied',
        project,
        details: { branch },
      });
      throw new Forbidden({ permission: 'jenkins.build', resource: { project, branch } }, `You may not build ${project} » ${branch}.`);
    }
    const server = await this.servers.get(r.project.server_id);
    const path = [...(JSON.parse(r.project.path) as string[]), ...(r.branch.item_name ? [r.branch.item_name] : [])];
    return { project: r.project, branch: r.branch, client: this.servers.client(server), path };
  }

  /** Calls that reach Jenkins for one user are rate limited. */
  private jenkins<T>(actor: { userId: number }, fn: () => Promise<T>, notFound?: () => Error): Promise<T> {
    this.limiter.take(actor.userId);
    return jenkinsCall(fn, notFound);
  }

  private async definitions(actor: Actor, t: BuildTarget): Promise<ParamDef[]> {
    const key = `${t.project.server_id}:${t.path.join('/')}`;
    const hit = this.paramCache.get(key);
    if (hit && Date.now() - hit.at < PARAMS_TTL_MS) return hit.defs;
    const defs = await this.jenkins(actor, () => t.client.getParameters(t.path));
    this.paramCache.set(key, { at: Date.now(), defs });
    return defs;
  }

  async parameters(actor: Actor, project: string, branch: string) {
    const t = await this.target(actor, project, branch, 'view');
    return (await this.definitions(actor, t)).map(toParamView);
  }

  async trigger(actor: Actor, project: string, branch: string, given: Record<string, unknown>): Promise<{ id: number; queueId: number }> {
    const t = await this.target(actor, project, branch, 'build');
    if (!t.branch.buildable) throw new BranchNotBuildable({ project, branch });
    const defs = await this.definitions(actor, t);
    const params = validateParams(defs, given);
    const recorded = maskParams(defs, params);
    let queueId: number;
    try {
      ({ queueId } = await this.jenkins(actor, () => t.client.trigger(t.path, defs.length ? params : null)));
    } catch (e) {
      await this.audit.record(this.db, {
        actor,
        action: 'jenkins.build.trigger',
        outcome: 'failure',
        project,
        details: { branch, parameters: recorded, error: (e as Error).message },
      });
      throw e;
    }
    const now = this.ctx.clock.now().toISOString();
    const id = await this.db.transaction().execute(async (trx) => {
      const id = await repo.insertBuild(trx, {
        server_id: t.project.server_id,
        project,
        branch,
        queue_id: queueId,
        number: null,
        status: 'queued',
        why: null,
        user_id: actor.userId,
        username: actor.username ?? null,
        parameters: JSON.stringify(recorded),
        queued_at: now,
        started_at: null,
      });
      await this.audit.record(trx, {
        actor,
        action: 'jenkins.build.trigger',
        resourceType: 'jenkins-build',
        resourceId: id,
        project,
        details: { branch, queueId, parameters: recorded },
      });
      return id;
    });
    await this.ctx.jobs.enqueue(TRACK_JOB, { buildId: id }, { runAt: new Date(Date.now() + 500), maxAttempts: 3 });
    return { id, queueId };
  }

  /** Ask Jenkins where a queued build is, and remember the answer. */
  private async refresh(row: BuildRow): Promise<BuildRow> {
    if (row.status !== 'queued') return row;
    const server = await this.servers.get(row.server_id);
    const q = await jenkinsCall(() => this.servers.client(server).getQueueItem(row.queue_id));
    const patch: Partial<BuildRow> = {};
    if (!q) patch.status = 'unknown';
    else if (q.executable)
      Object.assign(patch, { status: 'started', number: q.executable.number, started_at: this.ctx.clock.now().toISOString(), why: null });
    else if (q.cancelled) Object.assign(patch, { status: 'cancelled', why: q.why });
    else if (q.why !== row.why) patch.why = q.why;
    if (!Object.keys(patch).length) return row;
    await repo.updateBuild(this.db, row.id, patch);
    return { ...row, ...patch };
  }

  async queue(actor: Actor, queueId: number) {
    let row = await repo.findBuildByQueue(this.db, queueId);
    if (!row) throw new QueueItemNotFound({ queueId });
    await this.catalog.visibleBranch(actor.userId, row.project, row.branch).catch(() => {
      throw new QueueItemNotFound({ queueId });
    });
    row = await this.refresh(row);
    const end = row.started_at ? Date.parse(row.started_at) : this.ctx.clock.now().getTime();
    return {
      queueId,
      id: row.id,
      status: row.status === 'queued' ? 'waiting' : row.status,
      number: row.number,
      waitingMs: Math.max(0, end - Date.parse(row.queued_at)),
      why: row.why,
      project: row.project,
      branch: row.branch,
    };
  }

  /** The tracking job: poll until the queue item has a build number, then stop. */
  async track(buildId: number): Promise<void> {
    const row = await repo.findBuildRow(this.db, buildId);
    if (!row || row.status !== 'queued') return;
    const next = await this.refresh(row);
    const age = this.ctx.clock.now().getTime() - Date.parse(row.queued_at);
    if (next.status === 'queued' && age < TRACK_FOR_MS)
      await this.ctx.jobs.enqueue(TRACK_JOB, { buildId }, { runAt: new Date(Date.now() + TRACK_EVERY_MS), dedupeKey: `track:${buildId}` });
  }

  async history(actor: Actor, project: string, branch: string, page: number, pageSize: number) {
    const t = await this.target(actor, project, branch, 'view');
    const list = await this.jenkins(actor, () => t.client.listBuilds(t.path, (page - 1) * pageSize, pageSize + 1));
    const items = list.slice(0, pageSize);
    const ours = new Map(
      (
        await repo.buildsByNumber(
          this.db,
          project,
          branch,
          items.map((b) => b.number),
        )
      ).map((r) => [r.number, r]),
    );
    return {
      items: items.map((b) => ({
        number: b.number,
        result: b.result,
        building: b.building,
        startedAt: iso(b.timestamp),
        durationMs: b.durationMs,
        triggeredBy: ours.get(b.number)?.username ?? null,
        jenkinsCauses: b.causes,
      })),
      page,
      pageSize,
      hasMore: list.length > pageSize,
    };
  }

  async detail(actor: Actor, project: string, branch: string, n: number) {
    const t = await this.target(actor, project, branch, 'view');
    const b = await this.jenkins(actor, () => t.client.getBuild(t.path, n));
    if (!b) throw new BuildNotFound({ number: n });
    const [ours] = await repo.buildsByNumber(this.db, project, branch, [n]);
    const defs = await this.definitions(actor, t).catch(() => [] as ParamDef[]);
    const secret = new Set(defs.filter((d) => d.type === 'password').map((d) => d.name));
    return {
      number: b.number,
      result: b.result,
      building: b.building,
      startedAt: iso(b.timestamp),
      durationMs: b.durationMs,
      estimatedDurationMs: b.estimatedDurationMs,
      triggeredBy: ours?.username ?? null,
      jenkinsCauses: b.causes,
      parameters: b.parameters.map((p) => ({ name: p.name, value: secret.has(p.name) ? MASK : p.value })),
      artifacts: b.artifacts.map((a) => ({ path: a.relativePath, name: a.fileName })),
    };
  }

  async log(actor: Actor, project: string, branch: string, n: number, start: number) {
    const t = await this.target(actor, project, branch, 'view');
    return this.jenkins(
      actor,
      () => t.client.progressiveText(t.path, n, start),
      () => new BuildNotFound({ number: n }),
    );
  }

  async download(actor: Actor, project: string, branch: string, n: number): Promise<Readable> {
    const t = await this.target(actor, project, branch, 'view');
    const body = await this.jenkins(
      actor,
      () => t.client.consoleText(t.path, n),
      () => new BuildNotFound({ number: n }),
    );
    await this.audit.record(this.db, { actor, action: 'jenkins.log.download', project, details: { branch, number: n } });
    return body;
  }

  async artifact(actor: Actor, project: string, branch: string, n: number, path: string) {
    // Artifact paths are relative to the build's archive: no way up and out of it.
    if (path.split('/').some((seg) => seg === '..' || seg === '.' || seg === '')) throw new ArtifactNotFound({ path });
    const t = await this.target(actor, project, branch, 'view');
    const a = await this.jenkins(actor, () => t.client.artifact(t.path, n, path));
    if (!a) throw new ArtifactNotFound({ path });
    await this.audit.record(this.db, { actor, action: 'jenkins.artifact.download', project, details: { branch, number: n, path } });
    return a;
  }

  async stop(actor: Actor, project: string, branch: string, n: number): Promise<void> {
    const t = await this.target(actor, project, branch, 'build', 'jenkins.build.stop');
    await this.jenkins(
      actor,
      () => t.client.stop(t.path, n),
      () => new BuildNotFound({ number: n }),
    );
    await this.audit.record(this.db, { actor, action: 'jenkins.build.stop', project, details: { branch, number: n } });
  }
}
