/** Rows as stored (snake_case), domain objects as returned (camelCase). */

export type ApprovalStatus = 'pending' | 'approved' | 'rejected' | 'timeout' | 'withdrawn';
export type FollowUpState = 'none' | 'pending' | 'running' | 'done' | 'failed';
export type LevelMode = 'any' | 'all' | { quorum: number };
export type Decision = 'approve' | 'reject';
export type Via = 'web' | 'api' | 'telegram';
export type TimeoutAction = 'reject' | 'approve';

export interface ApproverSpec {
  users?: string[];
  groups?: string[];
  roles?: string[];
}

export interface PolicyLevel {
  name?: string;
  approvers: ApproverSpec;
  mode: LevelMode;
}

export interface ReminderSettings {
  firstMinutes: number;
  backoff: number;
  max: number;
}

export interface PolicyInput {
  name: string;
  project: string;
  environment: string;
  levels: PolicyLevel[];
  timeoutMinutes?: number | null;
  timeoutAction?: TimeoutAction | null;
  allowSelfApproval?: boolean;
  reminder?: Partial<ReminderSettings> | null;
  enabled?: boolean;
}

export interface Policy {
  id: number;
  name: string;
  project: string;
  environment: string;
  levels: PolicyLevel[];
  timeoutMinutes: number | null;
  timeoutAction: TimeoutAction | null;
  allowSelfApproval: boolean;
  reminder: Partial<ReminderSettings> | null;
  enabled: boolean;
  createdAt: string;
  updatedAt: string;
}

export interface PolicyRow {
  id: number;
  name: string;
  project: string;
  environment: string;
  levels: string;
  timeout_minutes: number | null;
  timeout_action: string | null;
  allow_self_approval: number;
  reminder: string | null;
  enabled: number;
  created_by: number | null;
  created_at: string;
  updated_at: string;
}

/** A level frozen on a request: its rule and, once decided, who decided it. */
export interface FrozenLevel {
  name: string;
  mode: LevelMode;
  required: number;
  status: 'waiting' | 'pending' | 'approved' | 'rejected';
  decidedBy: number | null;
}

export interface RequestRow {
  id: number;
  subject_type: string;
  subject_id: string;
  project: string;
  environment: string;
  summary: string;
  description: string | null;
  version: string | null;
  action: string | null;
  facts: string;
  policy_id: number | null;
  policy_name: string | null;
  levels: string;
  current_level: number;
  level_count: number;
  status: ApprovalStatus;
  urgent: number;
  allow_self_approval: number;
  timeout_action: TimeoutAction;
  reminder: string;
  reminders_sent: number;
  next_reminder_at: string | null;
  requested_by: number | null;
  dedupe_key: string | null;
  created_at: string;
  deadline_at: string;
  decided_at: string | null;
  decided_by: number | null;
  comment: string | null;
  reason: string | null;
  follow_up: FollowUpState;
  follow_up_error: string | null;
  work_started_at: string | null;
  updated_at: string;
}

export interface ApproverRow {
  request_id: number;
  level: number;
  user_id: number;
}

export interface VoteRow {
  id: number;
  request_id: number;
  level: number;
  user_id: number;
  decision: Decision;
  comment: string | null;
  via: Via;
  at: string;
}

export type HistoryAction =
  | 'requested'
  | 'voted'
  | 'level-passed'
  | 'approved'
  | 'rejected'
  | 'reminded'
  | 'timeout'
  | 'changed'
  | 'withdrawn'
  | 'follow-up-started'
  | 'follow-up-done'
  | 'follow-up-failed';

export interface HistoryRow {
  id: number;
  request_id: number;
  action: HistoryAction;
  user_id: number | null;
  username: string | null;
  via: string | null;
  comment: string | null;
  level: number | null;
  at: string;
}

export interface ApprovalsTables {
  approvals_policies: PolicyRow;
  approvals_requests: RequestRow;
  approvals_approvers: ApproverRow;
  approvals_votes: VoteRow;
  approvals_history: HistoryRow;
  identity_users: { id: number; username: string; display_name: string };
}

export interface UserRef {
  id: number;
  username: string;
}

export type Facts = Record<string, string | number | null>;

export interface Approval {
  id: number;
  subjectType: string;
  subjectId: string;
  project: string;
  env: string;
  environment: string;
  build: number | string | null;
  job: string | null;
  version: string | null;
  description: string | null;
  action: string | null;
  inputId: string | null;
  summary: string;
  facts: Facts;
  status: ApprovalStatus;
  /** approved / rejected as it counts for the follow-up (a timeout counts as its action); null while pending. */
  outcome: 'approved' | 'rejected' | null;
  timeoutAction: TimeoutAction;
  currentLevel: number;
  levelCount: number;
  urgent: boolean;
  policyId: number | null;
  requestedBy: UserRef | null;
  createdAt: string;
  deadlineAt: string;
  decidedAt: string | null;
  decidedBy: UserRef | null;
  comment: string | null;
  reason: string | null;
  followUp: FollowUpState;
  followUpError: string | null;
  workStartedAt: string | null;
}

export interface DetailApprover {
  id: number;
  username: string;
  displayName: string;
  decision: Decision | null;
  comment: string | null;
  via: Via | null;
  at: string | null;
}

export interface DetailLevel {
  index: number;
  name: string;
  mode: LevelMode;
  required: number;
  status: FrozenLevel['status'];
  approvers: DetailApprover[];
}

export interface HistoryEntry {
  at: string;
  action: HistoryAction;
  user: UserRef | null;
  via: string | null;
  comment: string | null;
  level: number | null;
}

export interface ApprovalDetail extends Approval {
  levels: DetailLevel[];
  history: HistoryEntry[];
}

export interface RequestInput {
  subject: { type: string; id: string };
  project: string;
  environment: string;
  summary: string;
  description?: string;
  version?: string;
  action?: string;
  facts?: Facts;
  requestedBy: number | null;
  timeoutMinutes?: number;
  dedupeKey?: string;
}

export interface DecideInput {
  userId: number;
  decision: Decision;
  comment?: string;
  via: Via;
  change?: boolean;
}

export interface ListFilter {
  status?: ApprovalStatus;
  project?: string;
  environment?: string;
  pendingFor?: number;
  page: number;
  pageSize: number;
}

export interface SubjectHandler {
  onDecided(a: Approval): Promise<void>;
  delayMs?(a: Approval): number;
}

export type ApprovalEventType = 'requested' | 'voted' | 'decided' | 'reminded' | 'timeout' | 'changed' | 'follow-up';

export const TOPIC = 'approvals';
export const DUE_JOB = 'approvals.due';
export const FOLLOW_UP_JOB = 'approvals.follow-up';
