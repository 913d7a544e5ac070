import type { ApprovalStatus, ApproverRow, FrozenLevel, LevelMode, VoteRow } from './approvals.types.js';

export interface Evaluation {
  status: Extract<ApprovalStatus, 'pending' | 'approved' | 'rejected'>;
  currentLevel: number;
  levels: FrozenLevel[];
  /** The vote that decided the request (the last approve needed, or the first reject). */
  decidingVote: VoteRow | null;
}

/** How many approvals a level needs among the people who may approve on it. */
export function requiredFor(mode: LevelMode, eligible: number): number {
  if (mode === 'any') return 1;
  if (mode === 'all') return eligible;
  return mode.quorum;
}

const byTime = (a: VoteRow, b: VoteRow) => (a.at < b.at ? -1 : a.at > b.at ? 1 : a.id - b.id);

/**
 * The request's state computed from its votes alone, so a changed vote is just a re-evaluation.
 * Levels pass in order; any reject on a level reached rejects the whole request; votes on a later
 * level than the first unfinished one do not count yet.
 */
export function evaluate(levels: FrozenLevel[], votes: VoteRow[]): Evaluation {
  const out = levels.map((l) => ({ ...l, status: 'waiting' as FrozenLevel['status'], decidedBy: null as number | null }));
  let lastApprove: VoteRow | null = null;
  for (let i = 0; i < out.length; i++) {
    const vs = votes.filter((v) => v.level === i).sort(byTime);
    const reject = vs.find((v) => v.decision === 'reject');
    if (reject) {
      out[i].status = 'rejected';
      out[i].decidedBy = reject.user_id;
      return { status: 'rejected', currentLevel: i, levels: out, decidingVote: reject };
    }
    const approves = vs.filter((v) => v.decision === 'approve');
    if (approves.length >= out[i].required) {
      const decisive = approves[out[i].required - 1];
      out[i].status = 'approved';
      out[i].decidedBy = decisive.user_id;
      lastApprove = decisive;
      continue;
    }
    out[i].status = 'pending';
    return { status: 'pending', currentLevel: i, levels: out, decidingVote: null };
  }
  return { status: 'approved', currentLevel: out.length - 1, levels: out, decidingVote: lastApprove };
}

/** Approvers of a level who may vote there (the requester only when self-approval is allowed). */
export function eligibleOn(approvers: ApproverRow[], level: number, requester: number | null, allowSelf: boolean): number[] {
  return approvers.filter((a) => a.level === level && (allowSelf || a.user_id !== requester)).map((a) => a.user_id);
}

/** Reminder k (1-based) is due firstMinutes × (1 + b + … + b^(k-1)) after the request was made. */
export function reminderOffsetMinutes(k: number, first: number, backoff: number): number {
  let total = 0;
  for (let i = 0; i < k; i++) total += first * backoff ** i;
  return total;
}
