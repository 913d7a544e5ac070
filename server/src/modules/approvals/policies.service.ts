import type { Kysely } from 'kysely';
import type { AppContext } from '../../core/context.js';
import { isUniqueViolation } from '../../core/db/db.js';
import type { AuditActor, AuditService } from '../audit/index.js';
import { checkPattern, matchPattern, patternRank } from './approvals-patterns.js';
import { PolicyInvalid, PolicyNameTaken, PolicyNotFound, UnknownApprover } from './approvals.errors.js';
import { type ApprovalsTables, type Policy, type PolicyInput, type PolicyRow } from './approvals.types.js';
import { toPolicy } from './approvals.mappers.js';
import { unknownApprovers } from './approvers.js';
import * as repo from './policies.repo.js';

export type Actor = AuditActor & { userId: number | null; username: string | null };

const RES = 'approval-policy';

/** Rules a schema cannot say: patterns, quorum within the listed approvers, approvers that exist. */
async function validate(db: Kysely<any>, input: PolicyInput): Promise<void> {
  checkPattern('project', input.project);
  checkPattern('environment', input.environment);
  if (!input.levels.length) throw new PolicyInvalid({ field: 'levels' }, 'A policy needs at least one level.');
  const missing = { users: new Set<string>(), groups: new Set<string>(), roles: new Set<string>() };
  for (const [i, level] of input.levels.entries()) {
    const a = level.approvers;
    const named = (a.users?.length ?? 0) + (a.groups?.length ?? 0) + (a.roles?.length ?? 0);
    if (!named) throw new PolicyInvalid({ field: `levels[${i}].approvers` }, `Level ${i + 1} names no approvers.`);
    const m = level.mode;
    if (typeof m === 'object' && (!Number.isInteger(m.quorum) || m.quorum < 1))
      throw new PolicyInvalid({ field: `levels[${i}].mode` }, `Level ${i + 1}: quorum must be a whole number of at least 1.`);
    const u = await unknownApprovers(db, a);
    u.users.forEach((x) => missing.users.add(x));
    u.groups.forEach((x) => missing.groups.add(x));
    u.roles.forEach((x) => missing.roles.add(x));
  }
  if (missing.users.size + missing.groups.size + missing.roles.size) {
    const details = { users: [...missing.users], groups: [...missing.groups], roles: [...missing.roles] };
    const list = [...details.users, ...details.groups, ...details.roles].join(', ');
    throw new UnknownApprover(details, `These approvers do not exist: ${list}.`);
  }
}

function toRow(input: PolicyInput): Omit<PolicyRow, 'id' | 'created_by' | 'created_at' | 'updated_at'> {
  return {
    name: input.name,
    project: input.project,
    environment: input.environment,
    levels: JSON.stringify(input.levels),
    timeout_minutes: input.timeoutMinutes ?? null,
    timeout_action: input.timeoutAction ?? null,
    allow_self_approval: input.allowSelfApproval ? 1 : 0,
    reminder: input.reminder ? JSON.stringify(input.reminder) : null,
    enabled: input.enabled === false ? 0 : 1,
  };
}

/** Approval policies: which levels of approvers a request on (project, environment) needs. */
export class PoliciesService {
  constructor(
    private readonly ctx: AppContext,
    private readonly audit: AuditService,
  ) {}

  private get db() {
    return this.ctx.db as Kysely<ApprovalsTables>;
  }

  async list(): Promise<Policy[]> {
    return (await repo.listPolicies(this.db)).map(toPolicy);
  }

  async get(id: number): Promise<Policy> {
    const r = await repo.findPolicy(this.db, id);
    if (!r) throw new PolicyNotFound({ id });
    return toPolicy(r);
  }

  async findByName(name: string): Promise<Policy | null> {
    const r = await repo.findPolicyByName(this.db, name);
    return r ? toPolicy(r) : null;
  }

  async create(actor: Actor, input: PolicyInput): Promise<Policy> {
    await validate(this.db, input);
    const now = this.ctx.clock.now().toISOString();
    const id = await this.write(async (trx) => {
      const id = await repo.insertPolicy(trx, { ...toRow(input), created_by: actor.userId, created_at: now, updated_at: now });
      await this.audit.record(trx, { actor, action: 'approvals.policy.create', resourceType: RES, resourceId: id, details: { ...input } });
      return id;
    });
    return this.get(id);
  }

  async update(actor: Actor, id: number, input: PolicyInput): Promise<Policy> {
    const before = await this.get(id);
    await validate(this.db, input);
    await this.write(async (trx) => {
      await repo.updatePolicy(trx, id, { ...toRow(input), updated_at: this.ctx.clock.now().toISOString() });
      const details = { before: { ...before, createdAt: undefined, updatedAt: undefined }, after: { ...input } };
      await this.audit.record(trx, { actor, action: 'approvals.policy.update', resourceType: RES, resourceId: id, details });
    });
    return this.get(id);
  }

  async remove(actor: Actor, id: number): Promise<void> {
    const before = await this.get(id);
    await this.db.transaction().execute(async (trx) => {
      await repo.deletePolicy(trx, id);
      await this.audit.record(trx, {
        actor,
        action: 'approvals.policy.delete',
        resourceType: RES,
        resourceId: id,
        details: { name: before.name, project: before.project, environment: before.environment },
      });
    });
  }

  /**
   * The policy for a request: among enabled policies whose patterns match, the most specific
   * project pattern wins, then the most specific environment pattern, then the lowest id.
   */
  async resolve(project: string, environment: string): Promise<Policy | null> {
    const rows = (await repo.listEnabledPolicies(this.db)).filter((r) => {
      try {
        return matchPattern(r.project)(project) && matchPattern(r.environment)(environment);
      } catch {
        return false;
      }
    });
    rows.sort(
      (a, b) => patternRank(b.project) - patternRank(a.project) || patternRank(b.environment) - patternRank(a.environment) || a.id - b.id,
    );
    return rows.length ? toPolicy(rows[0]) : null;
  }

  private async write<T>(fn: (trx: Kysely<ApprovalsTables>) => Promise<T>): Promise<T> {
    try {
      return await this.db.transaction().execute(fn);
    } catch (e) {
      if (isUniqueViolation(e)) throw new PolicyNameTaken();
      throw e;
    }
  }
}
