import type {
  Approval,
  Facts,
  FrozenLevel,
  Policy,
  PolicyLevel,
  PolicyRow,
  ReminderSettings,
  RequestRow,
  TimeoutAction,
  UserRef,
} from './approvals.types.js';

/** Rows (snake_case, JSON as text) to the shapes the API and the service return. */
const json = <T>(s: string | null, fallback: T): T => (s ? (JSON.parse(s) as T) : fallback);

export function toPolicy(r: PolicyRow): Policy {
  return {
    id: r.id,
    name: r.name,
    project: r.project,
    environment: r.environment,
    levels: json<PolicyLevel[]>(r.levels, []),
    timeoutMinutes: r.timeout_minutes === null ? null : Number(r.timeout_minutes),
    timeoutAction: (r.timeout_action as TimeoutAction | null) ?? null,
    allowSelfApproval: r.allow_self_approval === 1,
    reminder: json<Partial<ReminderSettings> | null>(r.reminder, null),
    enabled: r.enabled === 1,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

export const frozenLevels = (r: Pick<RequestRow, 'levels'>): FrozenLevel[] => json<FrozenLevel[]>(r.levels, []);
export const factsOf = (r: Pick<RequestRow, 'facts'>): Facts => json<Facts>(r.facts, {});

const str = (v: string | number | null | undefined): string | null => (v === null || v === undefined ? null : String(v));

function outcomeOf(r: RequestRow): Approval['outcome'] {
  if (r.status === 'approved') return 'approved';
  if (r.status === 'rejected' || r.status === 'withdrawn') return 'rejected';
  if (r.status === 'timeout') return r.timeout_action === 'approve' ? 'approved' : 'rejected';
  return null;
}

/** users: id → username, for requestedBy/decidedBy. */
export function toApproval(r: RequestRow, users: Map<number, string>): Approval {
  const facts = factsOf(r);
  const ref = (id: number | null): UserRef | null => (id === null ? null : { id, username: users.get(id) ?? `#${id}` });
  const build = facts.build ?? null;
  return {
    id: r.id,
    subjectType: r.subject_type,
    subjectId: r.subject_id,
    project: r.project,
    env: r.environment,
    environment: r.environment,
    build: typeof build === 'string' && /^\d+$/.test(build) ? Number(build) : build,
    job: str(facts.job),
    version: r.version,
    description: r.description,
    action: r.action,
    inputId: str(facts.inputId),
    summary: r.summary,
    facts,
    status: r.status,
    outcome: outcomeOf(r),
    timeoutAction: r.timeout_action,
    currentLevel: r.current_level,
    levelCount: r.level_count,
    urgent: r.urgent === 1,
    policyId: r.policy_id,
    requestedBy: ref(r.requested_by),
    createdAt: r.created_at,
    deadlineAt: r.deadline_at,
    decidedAt: r.decided_at,
    decidedBy: ref(r.decided_by),
    comment: r.comment,
    reason: r.reason,
    followUp: r.follow_up,
    followUpError: r.follow_up_error,
    workStartedAt: r.work_started_at,
  };
}
