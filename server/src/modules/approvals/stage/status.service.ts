import type { Readable } from 'node:stream';
import type { AppContext } from '../../../core/context.js';
import type { AccessModule } from '../../access/index.js';
import { JenkinsError } from '../../jenkins/index.js';
import { ServiceUnavailable } from '../../../core/http/errors.js';
import { scopeAllows } from '../../../core/http/principal.js';
import { jenkinsReason, targetOf, PermanentFollowUpError, type Target } from './jenkins-target.js';
import type { Approval, Approvals, Servers } from './stage-deps.js';
import { StageNoLog, StageNotFound } from './stage.errors.js';
import { stageRefOf } from './stage-ref.js';

const PROBE_MS = 3_000;

export interface JenkinsServerStatus {
  name: string;
  url: string;
  reachable: boolean;
  version: string | null;
  message: string;
}

/** Who asks: the user and, for an API token, its scopes. */
export interface Viewer {
  userId: number;
  scopes?: string[];
}

export interface ComponentHealth {
  ok: boolean;
  detail?: string;
  [k: string]: unknown;
}

/** A component (the Telegram bot) reports its health here; until it registers, it shows as unknown. */
export type HealthProbe = () => Promise<ComponentHealth> | ComponentHealth;

function bounded<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const t = new Promise<never>((_, rej) => {
    timer = setTimeout(() => rej(new Error(`${what}: no answer within ${ms / 1000} s`)), ms);
    timer.unref();
  });
  return Promise.race([p, t]).finally(() => clearTimeout(timer));
}

/** /api/status, the Jenkins servers' state (/jenkins in Telegram), and the build log of an approval. */
export class StatusService {
  private readonly probes = new Map<string, HealthProbe>();

  constructor(
    private readonly ctx: AppContext,
    private readonly approvals: Approvals,
    private readonly servers: Servers,
    private readonly access: AccessModule,
  ) {}

  registerHealth(name: string, probe: HealthProbe): void {
    this.probes.set(name, probe);
  }

  async jenkinsStatus(): Promise<JenkinsServerStatus[]> {
    const rows = await this.servers.list();
    return Promise.all(
      rows.map(async (row) => {
        const base = { name: row.name, url: row.url };
        try {
          const me = await bounded(this.servers.client(row).whoAmI(), PROBE_MS, row.name);
          const who = me.anonymous ? 'anonymous' : me.name;
          return { ...base, reachable: true, version: me.version, message: `connected as ${who}` };
        } catch (e) {
          // A 401/403 still proves Jenkins is there; the credentials are what is wrong.
          const answered = e instanceof JenkinsError && e.kind === 'auth';
          return { ...base, reachable: answered, version: null, message: jenkinsReason(e) };
        }
      }),
    );
  }

  async status() {
    const [stats, database, jenkins, telegram] = await Promise.all([
      this.approvals.stats(),
      this.database(),
      this.jenkinsStatus(),
      this.probe('telegram'),
    ]);
    const jobs = this.ctx.jobs.health();
    return { ...stats, components: { database, jobs, jenkins, telegram } };
  }

  private async database(): Promise<ComponentHealth> {
    try {
      await bounded(this.ctx.database.ping(), 2_000, 'database');
      return { ok: true, dialect: this.ctx.dialect };
    } catch (e) {
      return { ok: false, dialect: this.ctx.dialect, detail: (e as Error).message };
    }
  }

  private async probe(name: string): Promise<ComponentHealth> {
    const p = this.probes.get(name);
    if (!p) {
      const on = name === 'telegram' && this.ctx.config.get().telegram.token !== '';
      return { ok: !on, enabled: on, detail: on ? 'not started' : 'off (telegram.token is empty)' };
    }
    try {
      return await bounded(Promise.resolve(p()), PROBE_MS, name);
    } catch (e) {
      return { ok: false, detail: (e as Error).message };
    }
  }

  /** The approval, when the caller may see it: approvals.view on its scope, or approver/requester. */
  async visible(v: Viewer, id: number): Promise<Approval> {
    const a = await this.approvals.get(id);
    if (!a) throw new StageNotFound({ id });
    if (a.requestedBy?.id === v.userId) return a;
    const resource = { project: a.project, environment: a.environment };
    // A token scoped to other permissions reads only what its owner takes part in.
    if (scopeAllows(v.scopes, 'approvals.view') && (await this.access.policy.can(v.userId, 'approvals.view', resource))) return a;
    const detail = await this.approvals.detail(id);
    if (detail?.levels.some((l) => l.approvers.some((u) => u.id === v.userId))) return a;
    throw new StageNotFound({ id });
  }

  private async logTarget(v: Viewer, id: number): Promise<Target & { build: number }> {
    const a = await this.visible(v, id);
    const ref = stageRefOf(a);
    if (!ref) throw new StageNoLog({ id });
    try {
      return { ...(await targetOf(this.servers, ref)), build: ref.build };
    } catch (e) {
      if (e instanceof PermanentFollowUpError) throw new StageNoLog({ id, reason: e.message }, e.message);
      throw e;
    }
  }

  async log(v: Viewer, id: number): Promise<Readable> {
    const t = await this.logTarget(v, id);
    return this.jenkins(id, () => t.client.consoleText(t.path, t.build));
  }

  async logChunk(v: Viewer, id: number, start: number) {
    const t = await this.logTarget(v, id);
    return this.jenkins(id, () => t.client.progressiveText(t.path, t.build, start));
  }

  private async jenkins<T>(id: number, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (e) {
      if (e instanceof JenkinsError && e.kind === 'not-found') throw new StageNoLog({ id }, 'Jenkins has no such build (any more).');
      if (e instanceof JenkinsError)
        throw new ServiceUnavailable({ reason: jenkinsReason(e) }, `Jenkins cannot give the log now: ${jenkinsReason(e)}`);
      throw e;
    }
  }
}
