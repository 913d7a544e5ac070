import type { AppContext } from '../../core/context.js';
import { isUniqueViolation } from '../../core/db/db.js';
import type { AuditActor, AuditService } from '../audit/index.js';
import { JenkinsClient, type JenkinsConnection } from './client/index.js';
import { NoServer, ServerFromConfig, ServerNameTaken, ServerNotFound } from './jenkins.errors.js';
import { CATALOG_CHANGED, type JenkinsTables, type ServerRow } from './jenkins.types.js';
import * as repo from './servers.repo.js';

export interface ServerView {
  id: number;
  name: string;
  url: string;
  username: string;
  hasToken: boolean;
  proxyUrl: string | null;
  isDefault: boolean;
  fromConfig: boolean;
  status: 'ok' | 'unavailable';
}

export interface ServerInput {
  name: string;
  url: string;
  username: string;
  token?: string;
  proxyUrl?: string | null;
}

/**
 * Jenkins servers and one long-lived client per server (keep-alive pool, retry, breaker). The
 * first server (JENKINS_URL…) is written from the config at every start; more can be added over
 * the API. Tokens are sealed at rest and never leave the server.
 */
export class ServersService {
  private readonly clients = new Map<number, { client: JenkinsClient; stamp: string }>();

  constructor(
    private readonly ctx: AppContext,
    private readonly audit: AuditService,
  ) {}

  private get db() {
    return this.ctx.db as import('kysely').Kysely<JenkinsTables>;
  }

  /** Write the server named by the config (or drop the config flag when it was removed). */
  async bootstrap(): Promise<void> {
    const c = this.ctx.config.get().jenkins;
    const existing = await repo.findConfigServer(this.db);
    const now = this.ctx.clock.now().toISOString();
    if (!c.url) {
      if (existing) await repo.updateServer(this.db, existing.id, { from_config: 0, updated_at: now });
      return;
    }
    const row = {
      url: c.url.replace(/\/+$/, ''),
      username: c.user,
      token_enc: this.ctx.secrets.seal(c.token),
      proxy_url: c.proxyUrl || null,
      from_config: 1,
      updated_at: now,
    };
    if (existing) await repo.updateServer(this.db, existing.id, row);
    else await repo.insertServer(this.db, { name: 'default', ...row, created_at: now });
    this.dropClients();
  }

  private connection(row: ServerRow): JenkinsConnection {
    return {
      name: row.name,
      url: row.url,
      username: row.username,
      token: this.ctx.secrets.open(row.token_enc),
      proxyUrl: row.proxy_url,
      timeoutMs: this.ctx.config.get().jenkins.timeoutMs,
    };
  }

  client(row: ServerRow): JenkinsClient {
    const cached = this.clients.get(row.id);
    if (cached && cached.stamp === row.updated_at) return cached.client;
    if (cached) void cached.client.close();
    const j = this.ctx.config.get().jenkins;
    const client = new JenkinsClient(this.connection(row), {
      breaker: { failureThreshold: j.breakerThreshold, resetMs: j.breakerResetSeconds * 1000 },
    });
    this.clients.set(row.id, { client, stamp: row.updated_at });
    return client;
  }

  async list(): Promise<ServerRow[]> {
    return repo.listServers(this.db);
  }

  async get(id: number): Promise<ServerRow> {
    const row = await repo.findServer(this.db, id);
    if (!row) throw new ServerNotFound();
    return row;
  }

  /** The server a project name without a `server:` prefix belongs to. */
  async defaultServer(): Promise<ServerRow> {
    const rows = await repo.listServers(this.db);
    const row = rows.find((r) => r.from_config === 1) ?? rows[0];
    if (!row) throw new NoServer();
    return row;
  }

  view(row: ServerRow, defaultId: number | null): ServerView {
    const cached = this.clients.get(row.id);
    return {
      id: row.id,
      name: row.name,
      url: row.url,
      username: row.username,
      hasToken: true,
      proxyUrl: row.proxy_url,
      isDefault: row.id === defaultId,
      fromConfig: row.from_config === 1,
      status: cached && cached.client.breakerState() === 'open' ? 'unavailable' : 'ok',
    };
  }

  /** True when any server's breaker is open: pages then say their data is stale. */
  anyUnavailable(): boolean {
    return [...this.clients.values()].some((c) => c.client.breakerState() === 'open');
  }

  async create(actor: AuditActor, input: ServerInput): Promise<ServerRow> {
    const now = this.ctx.clock.now().toISOString();
    try {
      const id = await this.db.transaction().execute(async (trx) => {
        const id = await repo.insertServer(trx, {
          name: input.name,
          url: input.url.replace(/\/+$/, ''),
          username: input.username,
          token_enc: this.ctx.secrets.seal(input.token ?? ''),
          proxy_url: input.proxyUrl || null,
          from_config: 0,
          created_at: now,
          updated_at: now,
        });
        await this.audit.record(trx, {
          actor,
          action: 'jenkins.server.create',
          resourceType: 'jenkins-server',
          resourceId: id,
          details: { name: input.name, url: input.url, username: input.username, proxyUrl: input.proxyUrl ?? null },
        });
        return id;
      });
      return this.get(id);
    } catch (e) {
      if (isUniqueViolation(e)) throw new ServerNameTaken();
      throw e;
    }
  }

  async update(actor: AuditActor, id: number, input: Partial<ServerInput>): Promise<ServerRow> {
    const row = await this.get(id);
    if (row.from_config) throw new ServerFromConfig();
    const patch: Partial<ServerRow> = { updated_at: this.ctx.clock.now().toISOString() };
    if (input.name !== undefined) patch.name = input.name;
    if (input.url !== undefined) patch.url = input.url.replace(/\/+$/, '');
    if (input.username !== undefined) patch.username = input.username;
    if (input.proxyUrl !== undefined) patch.proxy_url = input.proxyUrl || null;
    if (input.token !== undefined) patch.token_enc = this.ctx.secrets.seal(input.token);
    try {
      await this.db.transaction().execute(async (trx) => {
        await repo.updateServer(trx, id, patch);
        await this.audit.record(trx, {
          actor,
          action: 'jenkins.server.update',
          resourceType: 'jenkins-server',
          resourceId: id,
          details: { ...input, token: input.token !== undefined ? 'changed' : undefined },
        });
      });
    } catch (e) {
      if (isUniqueViolation(e)) throw new ServerNameTaken();
      throw e;
    }
    return this.get(id);
  }

  async remove(actor: AuditActor, id: number): Promise<void> {
    const row = await this.get(id);
    if (row.from_config) throw new ServerFromConfig();
    await this.db.transaction().execute(async (trx) => {
      await repo.deleteServer(trx, id);
      await this.audit.record(trx, {
        actor,
        action: 'jenkins.server.delete',
        resourceType: 'jenkins-server',
        resourceId: id,
        details: { name: row.name, url: row.url },
      });
    });
    await this.ctx.events.publish(CATALOG_CHANGED, {});
    const cached = this.clients.get(id);
    this.clients.delete(id);
    if (cached) await cached.client.close();
  }

  dropClients(): void {
    for (const c of this.clients.values()) void c.client.close();
    this.clients.clear();
  }

  async close(): Promise<void> {
    await Promise.all([...this.clients.values()].map((c) => c.client.close()));
    this.clients.clear();
  }
}
