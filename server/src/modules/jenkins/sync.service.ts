import type { Kysely } from 'kysely';
import type { AppContext } from '../../core/context.js';
import type { AuditActor, AuditService } from '../audit/index.js';
import type { BranchInfo, JenkinsItem, ProjectInfo } from './client/index.js';
import { JenkinsError } from './client/index.js';
import * as builds from './builds.repo.js';
import { applySnapshot, type FetchedProject } from './sync-apply.js';
import { SyncNeverRun } from './jenkins.errors.js';
import { CATALOG_CHANGED, toSyncStatus, type JenkinsTables, type ServerRow, type SyncStatus } from './jenkins.types.js';
import type { ServersService } from './servers.service.js';

export const SYNC_JOB = 'jenkins.sync';
export const SYNC_EVENT = 'jenkins.sync.progress';
// A sync row still "running" after this long belongs to an instance that died mid-sync.
const STALE_RUNNING_MS = 30 * 60_000;
const PROGRESS_EVERY_MS = 200;

/** Run `fn` over `items` with at most `limit` in flight, keeping the order of results. */
export async function mapLimit<T, R>(items: T[], limit: number, fn: (t: T) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

/** The Gatehouse name of a Jenkins item: its path on the default server, `server:path` elsewhere. */
export function projectName(server: ServerRow, isDefault: boolean, item: JenkinsItem): string {
  const path = item.path.map((s) => decodeURIComponent(s)).join('/');
  return isDefault ? path : `${server.name}:${path}`;
}

/**
 * Jenkins → catalogue. One request lists the items (folders walked with nested `tree` queries), then
 * one request per project fetches its branches with their last build; the result replaces the
 * catalogue in one transaction, so a failed sync changes nothing and the last good data stays.
 */
export class SyncService {
  constructor(
    private readonly ctx: AppContext,
    private readonly audit: AuditService,
    private readonly servers: ServersService,
  ) {}

  private get db() {
    return this.ctx.db as Kysely<JenkinsTables>;
  }

  /** Start a sync unless one is running (then that one is returned). */
  async request(actor: AuditActor | null, trigger: 'manual' | 'schedule'): Promise<SyncStatus> {
    await this.servers.defaultServer();
    const running = await builds.runningSync(this.db);
    const now = this.ctx.clock.now();
    if (running && now.getTime() - Date.parse(running.started_at) < STALE_RUNNING_MS) return toSyncStatus(running);
    if (running) await builds.updateSync(this.db, running.id, { status: 'failed', finished_at: now.toISOString(), error: 'interrupted' });
    const id = await this.db.transaction().execute(async (trx) => {
      const id = await builds.insertSync(trx, {
        status: 'running',
        trigger,
        started_by: actor?.userId ?? null,
        started_at: now.toISOString(),
        finished_at: null,
        done: 0,
        total: 0,
        projects: 0,
        branches: 0,
        changes: null,
        error: null,
      });
      if (actor) await this.audit.record(trx, { actor, action: 'jenkins.sync.start', resourceType: 'jenkins-sync', resourceId: id });
      return id;
    });
    await this.ctx.jobs.enqueue(SYNC_JOB, { syncId: id }, { maxAttempts: 1 });
    await this.publish(id);
    return this.status(id);
  }

  async status(id: number): Promise<SyncStatus> {
    const row = await builds.findSync(this.db, id);
    if (!row) throw new SyncNeverRun();
    return toSyncStatus(row);
  }

  async latest(): Promise<SyncStatus> {
    const row = await builds.latestSync(this.db);
    if (!row) throw new SyncNeverRun();
    return toSyncStatus(row);
  }

  async latestOrNull(): Promise<SyncStatus | null> {
    const row = await builds.latestSync(this.db);
    return row ? toSyncStatus(row) : null;
  }

  /** Whether pages should warn that they show old data: Jenkins down, or the last sync failed. */
  async freshness(): Promise<{ stale: boolean; syncedAt: string | null }> {
    const { lastStatus, syncedAt } = await builds.syncFreshness(this.db);
    return { stale: this.servers.anyUnavailable() || lastStatus === 'failed', syncedAt };
  }

  private publish(id: number): Promise<void> {
    return this.ctx.events.publish(SYNC_EVENT, { id });
  }

  /** The job: fetch every server, then apply. Errors are stored on the sync row, never thrown. */
  async run(syncId: number): Promise<void> {
    const progress = { done: 0, total: 0, last: 0 };
    const tick = async (force = false) => {
      const t = Date.now();
      if (!force && t - progress.last < PROGRESS_EVERY_MS) return;
      progress.last = t;
      await builds.updateSync(this.db, syncId, { done: progress.done, total: progress.total });
      await this.publish(syncId);
    };
    try {
      const servers = await this.servers.list();
      const def = await this.servers.defaultServer();
      const fetched: { server: ServerRow; projects: FetchedProject[] }[] = [];
      for (const server of servers) {
        fetched.push({ server, projects: await this.fetchServer(server, server.id === def.id, progress, tick) });
      }
      const at = this.ctx.clock.now().toISOString();
      const result = await this.db.transaction().execute(async (trx) => {
        const totals = {
          projects: 0,
          branches: 0,
          changes: { added: { projects: [], branches: [] }, removed: { projects: [], branches: [] } },
        };
        for (const f of fetched) {
          const r = await applySnapshot(trx, f.server.id, f.projects, at);
          totals.projects += r.projects;
          totals.branches += r.branches;
          for (const k of ['added', 'removed'] as const) {
            (totals.changes[k].projects as string[]).push(...r.changes[k].projects);
            (totals.changes[k].branches as string[]).push(...r.changes[k].branches);
          }
        }
        await builds.updateSync(trx, syncId, {
          status: 'succeeded',
          finished_at: at,
          done: progress.done,
          total: progress.total,
          projects: totals.projects,
          branches: totals.branches,
          changes: JSON.stringify(totals.changes),
        });
        return totals;
      });
      await this.ctx.events.publish(CATALOG_CHANGED, {});
      this.ctx.log.info({ syncId, projects: result.projects, branches: result.branches }, 'jenkins sync finished');
    } catch (e) {
      const error = e instanceof JenkinsError ? `${e.message}` : (e as Error).message;
      this.ctx.log.warn({ syncId, err: e }, 'jenkins sync failed; keeping the last synced data');
      await builds.updateSync(this.db, syncId, {
        status: 'failed',
        finished_at: this.ctx.clock.now().toISOString(),
        done: progress.done,
        total: progress.total,
        error: `${error} — the last synced data stays in use; check the server under Jenkins → Servers and sync again.`,
      });
    }
    await tick(true);
  }

  private async fetchServer(
    server: ServerRow,
    isDefault: boolean,
    progress: { done: number; total: number },
    tick: () => Promise<void>,
  ): Promise<FetchedProject[]> {
    const client = this.servers.client(server);
    const items = await client.listItems();
    progress.total += items.length;
    await tick();
    const concurrency = this.ctx.config.get().jenkins.syncConcurrency;
    const out = await mapLimit(items, concurrency, async (item) => {
      let info: ProjectInfo | null;
      try {
        info = await client.getProject(item.path);
      } catch (e) {
        // Deleted between the listing and now: it simply is not there any more.
        if (e instanceof JenkinsError && e.kind === 'not-found') info = null;
        else throw e;
      }
      progress.done++;
      await tick();
      return info ? { name: projectName(server, isDefault, item), item, info } : null;
    });
    return out.filter((p): p is FetchedProject => p !== null);
  }
}

export type { BranchInfo };
