import type { Kysely } from 'kysely';
import type { AppContext } from '../../core/context.js';
import { isUniqueViolation } from '../../core/db/db.js';
import type { AuditService } from '../audit/index.js';
import { SEES, type AutomationAccess } from './automation-access.js';
import { PasswordNotApplicable, TargetInUse, TargetNameTaken, TargetNotFound } from './automation.errors.js';
import { toTarget, type Actor, type AutomationTables, type JumpHostRow, type Target, type TargetRow } from './automation.types.js';
import { sealPrivateKey, validateChain } from './host-chain.js';
import * as repo from './hosts.repo.js';
import type { TargetConnect } from './target-connect.service.js';
import { tasksNamingTarget } from './tasks.repo.js';

export interface TargetInput {
  name: string;
  host: string;
  port: number;
  username: string;
  project: string;
  labels?: string[];
  privateKey?: string;
  /** One-time: installs Gatehouse's public key on the target; never stored, logged or audited. */
  password?: string;
  jumpHostIds?: number[];
}

export type TargetPatch = Partial<Omit<TargetInput, 'project' | 'privateKey'>> & { privateKey?: string | null };

export interface TargetQuery {
  page: number;
  pageSize: number;
  q?: string;
  label?: string;
  project?: string;
}

const RES = 'automation-target';

/** What the audit trail keeps of a change: never a key or a password. */
function shownFields(p: TargetPatch, authMethod?: string) {
  const { privateKey, password, ...rest } = p;
  return { ...rest, ...(privateKey !== undefined ? { authMethod } : {}), ...(password !== undefined ? { keyInstalled: true } : {}) };
}

function newRow(input: TargetInput, actor: Actor, keyEnc: string | null, now: string): Omit<TargetRow, 'id'> {
  return {
    name: input.name,
    host: input.host,
    port: input.port,
    username: input.username,
    labels: JSON.stringify(input.labels ?? []),
    project: input.project,
    auth_method: keyEnc ? 'private-key' : 'gatehouse-key',
    private_key_enc: keyEnc,
    jump_host_ids: JSON.stringify(input.jumpHostIds ?? []),
    host_fingerprint: null,
    last_check_status: null,
    last_check_at: null,
    last_check_message: null,
    created_by: actor.userId,
    created_by_name: actor.username,
    created_at: now,
    updated_at: now,
  };
}

/** Targets: the hosts scripts run on. Keys are sealed and write-only; passwords are never kept. */
export class TargetsService {
  constructor(
    private readonly ctx: AppContext,
    private readonly audit: AuditService,
    private readonly access: AutomationAccess,
    private readonly connect: TargetConnect,
  ) {}

  private get db() {
    return this.ctx.db as Kysely<AutomationTables>;
  }

  async list(actor: Actor, q: TargetQuery) {
    const { page, pageSize, ...filter } = q;
    const visible = await this.access.visible(actor, SEES.targets, () => repo.targetProjects(this.db));
    const { rows, total } = await repo.listTargets(this.db, { ...filter, visible }, pageSize, (page - 1) * pageSize);
    return { items: rows.map(toTarget), total, page, pageSize };
  }

  async visibleRow(actor: Actor, id: number): Promise<TargetRow> {
    const row = await repo.findTarget(this.db, id);
    if (!row || !(await this.access.canAny(actor, SEES.targets, row.project))) throw new TargetNotFound({ id });
    return row;
  }

  async manageable(actor: Actor, id: number, action: string): Promise<TargetRow> {
    const row = await this.visibleRow(actor, id);
    await this.access.require(actor, 'automation.targets.manage', row.project, { action, resourceType: RES, resourceId: id });
    return row;
  }

  async get(actor: Actor, id: number): Promise<Target> {
    return toTarget(await this.visibleRow(actor, id));
  }

  private async byId(id: number): Promise<Target> {
    return toTarget((await repo.findTarget(this.db, id))!);
  }

  async create(actor: Actor, input: TargetInput): Promise<Target> {
    await this.access.require(actor, 'automation.targets.manage', input.project, { action: 'automation.target.create' });
    if (input.password !== undefined && input.privateKey !== undefined) throw new PasswordNotApplicable();
    const jumps = await validateChain(this.db, input.project, input.jumpHostIds ?? []);
    const keyEnc = input.privateKey !== undefined ? sealPrivateKey(this.ctx, input.privateKey) : null;
    if (await this.nameTaken(input.project, input.name)) throw new TargetNameTaken({ name: input.name });
    const row = newRow(input, actor, keyEnc, this.ctx.clock.now().toISOString());
    // The key goes on the host before anything is saved: a failed install leaves no target behind.
    if (input.password !== undefined) {
      row.host_fingerprint = await this.installKey(actor, 'automation.target.create', { ...row, id: 0 }, jumps, input.password);
    }
    try {
      const id = await this.db.transaction().execute(async (trx) => {
        const id = await repo.insertTarget(trx, row);
        const { password: _p, privateKey: _k, ...shown } = input;
        await this.audit.record(trx, {
          actor,
          action: 'automation.target.create',
          resourceType: RES,
          resourceId: id,
          project: input.project,
          details: { ...shown, authMethod: row.auth_method, keyInstalled: input.password !== undefined },
        });
        return id;
      });
      return this.byId(id);
    } catch (e) {
      if (isUniqueViolation(e)) throw new TargetNameTaken({ name: input.name });
      throw e;
    }
  }

  /** Install Gatehouse's key with the password; a failed attempt is audited (without the password). */
  private async installKey(actor: Actor, action: string, row: TargetRow, jumps: JumpHostRow[], password: string) {
    try {
      return await this.connect.installKey(row, jumps, password);
    } catch (e) {
      const details = { name: row.name, host: row.host, port: row.port, username: row.username, error: (e as Error).message };
      await this.audit.record(this.db, {
        actor,
        action,
        outcome: 'failure',
        resourceType: RES,
        project: row.project,
        ...(row.id ? { resourceId: row.id } : {}),
        details,
      });
      throw e;
    }
  }

  private async nameTaken(project: string, name: string, except?: number): Promise<boolean> {
    const r = await repo.findTargetByName(this.db, project, name);
    return !!r && r.id !== except;
  }

  async update(actor: Actor, id: number, patch: TargetPatch): Promise<Target> {
    const row = await this.manageable(actor, id, 'automation.target.update');
    const set: Partial<TargetRow> = { updated_at: this.ctx.clock.now().toISOString() };
    for (const k of ['name', 'host', 'port', 'username'] as const)
      if (patch[k] !== undefined) (set as Record<string, unknown>)[k] = patch[k];
    if (patch.labels !== undefined) set.labels = JSON.stringify(patch.labels);
    const jumpIds = patch.jumpHostIds ?? (JSON.parse(row.jump_host_ids) as number[]);
    const jumps = await validateChain(this.db, row.project, jumpIds);
    if (patch.jumpHostIds !== undefined) set.jump_host_ids = JSON.stringify(patch.jumpHostIds);
    if (patch.privateKey === null) Object.assign(set, { auth_method: 'gatehouse-key', private_key_enc: null });
    else if (patch.privateKey !== undefined)
      Object.assign(set, { auth_method: 'private-key', private_key_enc: sealPrivateKey(this.ctx, patch.privateKey) });
    // Another address is another machine: forget its pinned key and its last check.
    if ((patch.host !== undefined && patch.host !== row.host) || (patch.port !== undefined && patch.port !== row.port)) {
      Object.assign(set, { host_fingerprint: null, last_check_status: null, last_check_at: null, last_check_message: null });
    }
    const next: TargetRow = { ...row, ...set };
    if (patch.password !== undefined) {
      if (next.auth_method === 'private-key') throw new PasswordNotApplicable();
      if (patch.name !== undefined && (await this.nameTaken(row.project, patch.name, id))) throw new TargetNameTaken({ name: patch.name });
      const seen = await this.installKey(actor, 'automation.target.update', next, jumps, patch.password);
      if (!next.host_fingerprint && seen) set.host_fingerprint = seen;
    }
    try {
      await this.db.transaction().execute(async (trx) => {
        await repo.updateTarget(trx, id, set);
        await this.audit.record(trx, {
          actor,
          action: 'automation.target.update',
          resourceType: RES,
          resourceId: id,
          project: row.project,
          details: shownFields(patch, set.auth_method),
        });
      });
    } catch (e) {
      if (isUniqueViolation(e)) throw new TargetNameTaken({ name: patch.name });
      throw e;
    }
    return this.byId(id);
  }

  async remove(actor: Actor, id: number): Promise<void> {
    const row = await this.manageable(actor, id, 'automation.target.delete');
    await this.db.transaction().execute(async (trx) => {
      const tasks = await tasksNamingTarget(trx, row.project, id);
      if (tasks.length) throw new TargetInUse({ tasks: tasks.slice(0, 20) });
      await repo.deleteTarget(trx, id);
      await this.audit.record(trx, {
        actor,
        action: 'automation.target.delete',
        resourceType: RES,
        resourceId: id,
        project: row.project,
        details: { name: row.name, host: row.host, port: row.port },
      });
    });
  }

  /** Try to log in now; pins the host key on first contact and keeps the outcome as the last check. */
  async check(actor: Actor, id: number) {
    return this.connect.check(actor, await this.manageable(actor, id, 'automation.target.check'));
  }

  /** An admin accepts a changed host key: the pin is cleared and the next contact pins the new one. */
  async acceptHostKey(actor: Actor, id: number): Promise<Target> {
    await this.connect.acceptHostKey(actor, await this.manageable(actor, id, 'automation.target.accept-host-key'));
    return this.byId(id);
  }
}
