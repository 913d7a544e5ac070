import type { Kysely } from 'kysely';
import type { AppContext } from '../../core/context.js';
import { isUniqueViolation } from '../../core/db/db.js';
import type { AuditService } from '../audit/index.js';
import { SEES, type AutomationAccess } from './automation-access.js';
import { JumpHostInUse, JumpHostNameTaken, JumpHostNotFound } from './automation.errors.js';
import { toJumpHost, type Actor, type AutomationTables, type JumpHost, type JumpHostRow } from './automation.types.js';
import { sealPrivateKey } from './host-chain.js';
import * as repo from './hosts.repo.js';

export interface JumpHostInput {
  name: string;
  host: string;
  port: number;
  username: string;
  /** null or absent: a global jump host, usable by targets of every project. */
  project?: string | null;
  privateKey?: string;
}

export type JumpHostPatch = Partial<Omit<JumpHostInput, 'project' | 'privateKey'>> & { privateKey?: string | null };

const RES = 'automation-jump-host';

/** The seed's proxy nodes: hosts a target is reached through (SSH port forwarding inside Gatehouse). */
export class JumpHostsService {
  constructor(
    private readonly ctx: AppContext,
    private readonly audit: AuditService,
    private readonly access: AutomationAccess,
  ) {}

  private get db() {
    return this.ctx.db as Kysely<AutomationTables>;
  }

  async list(actor: Actor, q: { page: number; pageSize: number; q?: string; project?: string }) {
    const { page, pageSize, ...filter } = q;
    const visible = await this.access.visible(actor, SEES.targets, () => repo.jumpHostProjects(this.db));
    const withGlobal = await this.access.anywhere(actor, SEES.targets);
    const { rows, total } = await repo.listJumpHosts(this.db, { ...filter, visible, withGlobal }, pageSize, (page - 1) * pageSize);
    return { items: rows.map(toJumpHost), total, page, pageSize };
  }

  private async visibleRow(actor: Actor, id: number): Promise<JumpHostRow> {
    const row = await repo.findJumpHost(this.db, id);
    const sees =
      row && (row.project === null ? this.access.anywhere(actor, SEES.targets) : this.access.canAny(actor, SEES.targets, row.project));
    if (!row || !(await sees)) throw new JumpHostNotFound({ id });
    return row;
  }

  async get(actor: Actor, id: number): Promise<JumpHost> {
    return toJumpHost(await this.visibleRow(actor, id));
  }

  private async manageable(actor: Actor, id: number, action: string): Promise<JumpHostRow> {
    const row = await this.visibleRow(actor, id);
    await this.access.require(actor, 'automation.targets.manage', row.project, { action, resourceType: RES, resourceId: id });
    return row;
  }

  async create(actor: Actor, input: JumpHostInput): Promise<JumpHost> {
    const project = input.project ?? null;
    await this.access.require(actor, 'automation.targets.manage', project, { action: 'automation.jump-host.create' });
    const keyEnc = input.privateKey !== undefined ? sealPrivateKey(this.ctx, input.privateKey) : null;
    const now = this.ctx.clock.now().toISOString();
    try {
      const id = await this.db.transaction().execute(async (trx) => {
        const id = await repo.insertJumpHost(trx, {
          name: input.name,
          host: input.host,
          port: input.port,
          username: input.username,
          project,
          auth_method: keyEnc ? 'private-key' : 'gatehouse-key',
          private_key_enc: keyEnc,
          host_fingerprint: null,
          created_by: actor.userId,
          created_by_name: actor.username,
          created_at: now,
          updated_at: now,
        });
        await this.audit.record(trx, {
          actor,
          action: 'automation.jump-host.create',
          resourceType: RES,
          resourceId: id,
          project,
          details: {
            name: input.name,
            host: input.host,
            port: input.port,
            username: input.username,
            authMethod: keyEnc ? 'private-key' : 'gatehouse-key',
          },
        });
        return id;
      });
      return toJumpHost((await repo.findJumpHost(this.db, id))!);
    } catch (e) {
      if (isUniqueViolation(e)) throw new JumpHostNameTaken({ name: input.name });
      throw e;
    }
  }

  async update(actor: Actor, id: number, patch: JumpHostPatch): Promise<JumpHost> {
    const row = await this.manageable(actor, id, 'automation.jump-host.update');
    const set: Partial<JumpHostRow> = { updated_at: this.ctx.clock.now().toISOString() };
    for (const k of ['name', 'host', 'port', 'username'] as const)
      if (patch[k] !== undefined) (set as Record<string, unknown>)[k] = patch[k];
    // Another address is another machine: its host key is pinned afresh on the next contact.
    if ((patch.host !== undefined && patch.host !== row.host) || (patch.port !== undefined && patch.port !== row.port))
      set.host_fingerprint = null;
    if (patch.privateKey === null) Object.assign(set, { auth_method: 'gatehouse-key', private_key_enc: null });
    else if (patch.privateKey !== undefined)
      Object.assign(set, { auth_method: 'private-key', private_key_enc: sealPrivateKey(this.ctx, patch.privateKey) });
    const { privateKey, ...shown } = patch;
    try {
      await this.db.transaction().execute(async (trx) => {
        await repo.updateJumpHost(trx, id, set);
        await this.audit.record(trx, {
          actor,
          action: 'automation.jump-host.update',
          resourceType: RES,
          resourceId: id,
          project: row.project,
          details: { ...shown, ...(privateKey !== undefined ? { authMethod: set.auth_method } : {}) },
        });
      });
    } catch (e) {
      if (isUniqueViolation(e)) throw new JumpHostNameTaken({ name: patch.name });
      throw e;
    }
    return toJumpHost((await repo.findJumpHost(this.db, id))!);
  }

  async remove(actor: Actor, id: number): Promise<void> {
    const row = await this.manageable(actor, id, 'automation.jump-host.delete');
    await this.db.transaction().execute(async (trx) => {
      const behind = await repo.targetsBehind(trx, id);
      if (behind.length) throw new JumpHostInUse({ targets: behind.slice(0, 20) });
      await repo.deleteJumpHost(trx, id);
      await this.audit.record(trx, {
        actor,
        action: 'automation.jump-host.delete',
        resourceType: RES,
        resourceId: id,
        project: row.project,
        details: { name: row.name, host: row.host },
      });
    });
  }

  /** Forget the pinned host key: the next contact pins whatever the host presents then. */
  async acceptHostKey(actor: Actor, id: number): Promise<JumpHost> {
    const row = await this.manageable(actor, id, 'automation.jump-host.accept-host-key');
    await this.db.transaction().execute(async (trx) => {
      await repo.updateJumpHost(trx, id, { host_fingerprint: null, updated_at: this.ctx.clock.now().toISOString() });
      await this.audit.record(trx, {
        actor,
        action: 'automation.jump-host.accept-host-key',
        resourceType: RES,
        resourceId: id,
        project: row.project,
        details: { name: row.name, previousFingerprint: row.host_fingerprint },
      });
    });
    return toJumpHost((await repo.findJumpHost(this.db, id))!);
  }

  /** Pin a jump host's key on first contact (used by checks and runs). */
  async pin(id: number, fingerprint: string): Promise<boolean> {
    return repo.pinHostKey(this.db, 'automation_jump_hosts', id, fingerprint);
  }
}
