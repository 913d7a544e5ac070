import { isUniqueViolation } from '../../core/db/db.js';
import type { RequestMeta } from '../../core/http/principal.js';
import type { ApprovalsRuntime } from './approvals-runtime.js';
import { notice } from './approvals-notices.js';
import { isProduction } from './approvals-patterns.js';
import { eligibleOn, requiredFor } from './approvals-state.js';
import { NoApprovers, NoPolicy, RequestInvalid } from './approvals.errors.js';
import * as repo from './approvals.repo.js';
import type { Approval, ApproverRow, FrozenLevel, Policy, ReminderSettings, RequestInput, RequestRow } from './approvals.types.js';
import { expandApprovers } from './approvers.js';
import type { PoliciesService } from './policies.service.js';

function check(input: RequestInput): void {
  const bad: string[] = [];
  if (!input.subject?.type?.trim() || input.subject.type.length > 64) bad.push('subject.type');
  if (!input.subject?.id?.trim() || input.subject.id.length > 1024) bad.push('subject.id');
  if (!input.project?.trim() || input.project.length > 512) bad.push('project');
  if (!input.environment?.trim() || input.environment.length > 255) bad.push('environment');
  if (!input.summary?.trim() || input.summary.length > 1000) bad.push('summary');
  if (input.timeoutMinutes !== undefined && !(input.timeoutMinutes > 0 && input.timeoutMinutes <= 43_200)) bad.push('timeoutMinutes');
  if (bad.length) throw new RequestInvalid({ fields: bad }, `These fields are missing or not valid: ${bad.join(', ')}.`);
}

/** The policy's levels expanded to user ids; refused when a level could never be passed. */
async function freezeLevels(rt: ApprovalsRuntime, policy: Policy, input: RequestInput) {
  const approvers: ApproverRow[] = [];
  const levels: FrozenLevel[] = [];
  for (const [i, level] of policy.levels.entries()) {
    const ids = await expandApprovers(rt.db, level.approvers, { project: input.project, environment: input.environment });
    for (const user_id of ids) approvers.push({ request_id: 0, level: i, user_id });
    const eligible = eligibleOn(approvers, i, input.requestedBy, policy.allowSelfApproval).length;
    const required = requiredFor(level.mode, eligible);
    const name = level.name ?? `L${i + 1}`;
    if (eligible === 0 || required > eligible) {
      throw new NoApprovers(
        { policy: policy.name, level: i, name, eligible, required },
        `Level ${name} of policy "${policy.name}" needs ${required || 1} approver(s) but only ${eligible} may approve this request.`,
      );
    }
    levels.push({ name, mode: level.mode, required, status: i === 0 ? 'pending' : 'waiting', decidedBy: null });
  }
  return { approvers, levels };
}

/** The request row: the policy's rules resolved against the config defaults, frozen on the request. */
function buildRow(rt: ApprovalsRuntime, policy: Policy, input: RequestInput, levels: FrozenLevel[]): Omit<RequestRow, 'id'> {
  const cfg = rt.ctx.config.get().approvals;
  const reminder: ReminderSettings = {
    firstMinutes: policy.reminder?.firstMinutes ?? cfg.reminderFirstMinutes,
    backoff: policy.reminder?.backoff ?? cfg.reminderBackoff,
    max: policy.reminder?.max ?? cfg.reminderMax,
  };
  const now = rt.now();
  const minutes = input.timeoutMinutes ?? policy.timeoutMinutes ?? cfg.timeoutMinutes;
  return {
    subject_type: input.subject.type,
    subject_id: input.subject.id,
    project: input.project,
    environment: input.environment,
    summary: input.summary,
    description: input.description ?? null,
    version: input.version ?? null,
    action: input.action ?? null,
    facts: JSON.stringify(input.facts ?? {}),
    policy_id: policy.id,
    policy_name: policy.name,
    levels: JSON.stringify(levels),
    current_level: 0,
    level_count: levels.length,
    status: 'pending',
    urgent: isProduction(cfg.productionPattern, input.environment) ? 1 : 0,
    allow_self_approval: policy.allowSelfApproval ? 1 : 0,
    timeout_action: policy.timeoutAction ?? cfg.timeoutAction,
    reminder: JSON.stringify(reminder),
    reminders_sent: 0,
    next_reminder_at: reminder.max > 0 ? new Date(now.getTime() + reminder.firstMinutes * 60_000).toISOString() : null,
    requested_by: input.requestedBy,
    dedupe_key: input.dedupeKey ?? null,
    created_at: now.toISOString(),
    deadline_at: new Date(now.getTime() + minutes * 60_000).toISOString(),
    decided_at: null,
    decided_by: null,
    comment: null,
    reason: null,
    follow_up: 'none',
    follow_up_error: null,
    work_started_at: null,
    updated_at: now.toISOString(),
  };
}

/** Create a request (or return the one with the same dedupe key). */
export async function createRequest(
  rt: ApprovalsRuntime,
  policies: PoliciesService,
  input: RequestInput,
  meta?: RequestMeta,
): Promise<{ approval: Approval; created: boolean }> {
  check(input);
  if (input.dedupeKey) {
    const existing = await repo.findByDedupeKey(rt.db, input.dedupeKey);
    if (existing) return { approval: await rt.approval(existing), created: false };
  }
  const policy = await policies.resolve(input.project, input.environment);
  if (!policy) {
    throw new NoPolicy(
      { project: input.project, environment: input.environment },
      `No enabled approval policy matches project ${input.project}, environment ${input.environment}.`,
    );
  }
  const { approvers, levels } = await freezeLevels(rt, policy, input);
  const row = buildRow(rt, policy, input, levels);
  let id: number;
  try {
    id = await insert(rt, row, approvers, meta);
  } catch (e) {
    // Two callers with the same dedupe key at once: the loser answers with the winner's request.
    const existing = isUniqueViolation(e) && input.dedupeKey ? await repo.findByDedupeKey(rt.db, input.dedupeKey) : undefined;
    if (existing) return { approval: await rt.approval(existing), created: false };
    throw e;
  }
  const approval = await rt.approval((await repo.findRequest(rt.db, id))!);
  const first = eligibleOn(approvers, 0, input.requestedBy, policy.allowSelfApproval);
  await rt.afterCommit(id, {
    events: [{ type: 'requested' }],
    notices: [notice('approval.requested', approval, first)],
    scheduleDue: true,
  });
  return { approval, created: true };
}

async function insert(rt: ApprovalsRuntime, row: Omit<RequestRow, 'id'>, approvers: ApproverRow[], meta?: RequestMeta): Promise<number> {
  const names = row.requested_by === null ? new Map() : await repo.usernames(rt.db, [row.requested_by]);
  const username = row.requested_by === null ? null : (names.get(row.requested_by)?.username ?? null);
  return rt.db.transaction().execute(async (trx) => {
    const id = await repo.insertRequest(trx, row);
    await repo.insertApprovers(
      trx,
      approvers.map((a) => ({ ...a, request_id: id })),
    );
    await rt.history(trx, id, 'requested', { userId: row.requested_by, username, comment: row.summary, level: 0 });
    await rt.audit.record(trx, {
      actor: rt.actor(row.requested_by, username ?? 'system', meta),
      action: 'approvals.request.create',
      resourceType: 'approval',
      resourceId: id,
      project: row.project,
      details: {
        subject: `${row.subject_type}:${row.subject_id}`,
        environment: row.environment,
        policy: row.policy_name,
        approvers: approvers.map((a) => [a.level, a.user_id]),
        deadlineAt: row.deadline_at,
      },
    });
    return id;
  });
}
