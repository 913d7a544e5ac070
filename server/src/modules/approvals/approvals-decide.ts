import type { Kysely } from 'kysely';
import { Conflict } from '../../core/http/errors.js';
import type { RequestMeta } from '../../core/http/principal.js';
import type { AfterCommit, ApprovalsRuntime } from './approvals-runtime.js';
import { notice } from './approvals-notices.js';
import { eligibleOn, evaluate, type Evaluation } from './approvals-state.js';
import { AlreadyDecided, ApprovalNotFound, NotApprover, ReasonRequired, SelfApproval, WorkStarted } from './approvals.errors.js';
import * as repo from './approvals.repo.js';
import {
  type Approval,
  type ApprovalsTables,
  type ApproverRow,
  type DecideInput,
  type RequestRow,
  type VoteRow,
} from './approvals.types.js';
import { frozenLevels } from './approvals.mappers.js';

/** Someone else's change won the race; the decision is tried again on fresh data. */
class Raced extends Error {}

interface Loaded {
  row: RequestRow;
  approvers: ApproverRow[];
  votes: VoteRow[];
  username: string;
}

async function load(rt: ApprovalsRuntime, id: number, userId: number): Promise<Loaded> {
  const row = await repo.findRequest(rt.db, id);
  if (!row) throw new ApprovalNotFound({ id });
  const names = await repo.usernames(rt.db, [userId, ...(row.decided_by ? [row.decided_by] : [])]);
  const [approvers, votes] = await Promise.all([repo.approversOf(rt.db, id), repo.votesOf(rt.db, id)]);
  return { row, approvers, votes, username: names.get(userId)?.username ?? `#${userId}` };
}

async function decidedError(rt: ApprovalsRuntime, row: RequestRow): Promise<InstanceType<typeof AlreadyDecided>> {
  const names = row.decided_by ? await repo.usernames(rt.db, [row.decided_by]) : new Map();
  const by = row.decided_by ? (names.get(row.decided_by)?.username ?? `#${row.decided_by}`) : 'timeout';
  return new AlreadyDecided({ decidedBy: by, decision: row.status }, `already decided by ${by} (${row.status})`);
}

async function denied(rt: ApprovalsRuntime, l: Loaded, d: DecideInput, why: string, meta?: RequestMeta): Promise<void> {
  await rt.audit.record(rt.db, {
    actor: rt.actor(d.userId, l.username, meta),
    action: 'approvals.vote',
    outcome: 'denied',
    resourceType: 'approval',
    resourceId: l.row.id,
    project: l.row.project,
    details: { decision: d.decision, via: d.via, why },
  });
}

/** Refusals for a new vote, in the order a person would want to hear them. */
async function checkNewVote(rt: ApprovalsRuntime, l: Loaded, d: DecideInput, meta?: RequestMeta): Promise<void> {
  const { row } = l;
  if (row.status !== 'pending') throw await decidedError(rt, row);
  const mine = l.votes.find((v) => v.user_id === d.userId && v.level === row.current_level);
  if (mine)
    throw new AlreadyDecided({ decidedBy: l.username, decision: mine.decision }, `already decided by ${l.username} (${mine.decision})`);
  const levels = frozenLevels(row);
  const onCurrent = l.approvers.some((a) => a.level === row.current_level && a.user_id === d.userId);
  if (!onCurrent) {
    const earlier = l.approvers.find((a) => a.level < row.current_level && a.user_id === d.userId);
    if (earlier) {
      const by = levels[earlier.level].decidedBy;
      const name = by === null ? 'another approver' : ((await repo.usernames(rt.db, [by])).get(by)?.username ?? `#${by}`);
      throw new AlreadyDecided({ decidedBy: name, decision: 'approve', level: earlier.level }, `already decided by ${name}`);
    }
    await denied(rt, l, d, 'not an approver of the current level', meta);
    throw new NotApprover(
      { level: row.current_level },
      `You are not an approver of level ${levels[row.current_level]?.name ?? row.current_level + 1}.`,
    );
  }
  if (d.decision === 'approve' && row.requested_by === d.userId && row.allow_self_approval !== 1) {
    await denied(rt, l, d, 'self-approval', meta);
    throw new SelfApproval();
  }
}

/** The request columns that follow from an evaluation. */
function applied(rt: ApprovalsRuntime, row: RequestRow, ev: Evaluation): Partial<RequestRow> {
  const decided = ev.status !== 'pending';
  const v = ev.decidingVote;
  return {
    status: ev.status,
    current_level: ev.currentLevel,
    levels: JSON.stringify(ev.levels),
    decided_at: decided ? rt.now().toISOString() : null,
    decided_by: decided && v ? v.user_id : null,
    comment: decided && v?.decision === 'approve' ? v.comment : null,
    reason: decided && v?.decision === 'reject' ? v.comment : null,
    follow_up: decided ? rt.followUpFor(row) : 'none',
    follow_up_error: null,
    updated_at: rt.nextStamp(row.updated_at),
  };
}

/** History, audit and the after-commit work for a vote that moved the request from `before` to `ev`. */
async function record(
  rt: ApprovalsRuntime,
  trx: Kysely<ApprovalsTables>,
  l: Loaded,
  d: DecideInput,
  level: number,
  ev: Evaluation,
  meta?: RequestMeta,
): Promise<AfterCommit> {
  const { row } = l;
  const who = { userId: d.userId, username: l.username, via: d.via, comment: d.comment ?? null, level };
  await rt.history(trx, row.id, d.change ? 'changed' : 'voted', who);
  const before = frozenLevels(row);
  for (const [i, lv] of ev.levels.entries()) {
    if (lv.status === 'approved' && before[i]?.status !== 'approved') await rt.history(trx, row.id, 'level-passed', { level: i });
  }
  if (ev.status !== 'pending' && ev.status !== row.status) await rt.history(trx, row.id, ev.status, { ...who, level: ev.currentLevel });
  await rt.audit.record(trx, {
    actor: rt.actor(d.userId, l.username, meta),
    action: d.change ? 'approvals.vote.change' : 'approvals.vote',
    resourceType: 'approval',
    resourceId: row.id,
    project: row.project,
    details: { decision: d.decision, level, via: d.via, comment: d.comment ?? null, status: ev.status },
  });
  return {
    events: [{ type: d.change ? 'changed' : 'voted' }],
    notices: [],
    scheduleDue: ev.status === 'pending',
    followUp: ev.status !== 'pending',
  };
}

/** Notices once committed: the next level's approvers, or everyone involved when decided. */
function notices(l: Loaded, ev: Evaluation, a: Approval, work: AfterCommit): void {
  const { row } = l;
  const allow = row.allow_self_approval === 1;
  if (ev.status === 'pending' && ev.currentLevel !== row.current_level) {
    work.notices.push(notice('approval.requested', a, eligibleOn(l.approvers, ev.currentLevel, row.requested_by, allow)));
  }
  if (ev.status !== 'pending' && ev.status !== row.status) {
    work.events.push({ type: 'decided' });
    const voters = l.votes.map((v) => v.user_id).concat(ev.decidingVote ? [ev.decidingVote.user_id] : []);
    work.notices.push(notice('approval.decided', a, [...(row.requested_by ? [row.requested_by] : []), ...voters]));
  }
}

async function voteOnce(rt: ApprovalsRuntime, id: number, d: DecideInput, meta?: RequestMeta): Promise<Approval> {
  const l = await load(rt, id, d.userId);
  if (!l.approvers.some((a) => a.user_id === d.userId)) {
    await denied(rt, l, d, 'not an approver', meta);
    throw new NotApprover();
  }
  const previous = d.change ? [...l.votes].filter((v) => v.user_id === d.userId).sort((a, b) => b.level - a.level)[0] : undefined;
  if (previous) await checkChange(rt, l, d, meta);
  else await checkNewVote(rt, l, d, meta);
  const at = rt.now().toISOString();
  const level = previous ? previous.level : l.row.current_level;
  const comment = d.comment?.trim() || null;
  const votes = previous
    ? l.votes.map((v) => (v.id === previous.id ? { ...v, decision: d.decision, comment, via: d.via, at } : v))
    : [
        ...l.votes,
        { id: Number.MAX_SAFE_INTEGER, request_id: id, level, user_id: d.userId, decision: d.decision, comment, via: d.via, at },
      ];
  const ev = evaluate(frozenLevels(l.row), votes);
  const work = await rt.db.transaction().execute(async (trx) => {
    if (!(await repo.updateRequestIf(trx, id, l.row.updated_at, applied(rt, l.row, ev)))) throw new Raced();
    if (previous) await repo.updateVote(trx, previous.id, { decision: d.decision, comment, via: d.via, at });
    else await repo.insertVote(trx, { request_id: id, level, user_id: d.userId, decision: d.decision, comment, via: d.via, at });
    return record(rt, trx, l, { ...d, comment: comment ?? undefined, change: !!previous }, level, ev, meta);
  });
  const approval = await rt.approval((await repo.findRequest(rt.db, id))!);
  notices(l, ev, approval, work);
  await rt.afterCommit(id, work);
  return approval;
}

async function checkChange(rt: ApprovalsRuntime, l: Loaded, d: DecideInput, meta?: RequestMeta): Promise<void> {
  const { row } = l;
  if (row.status === 'timeout' || row.status === 'withdrawn') throw await decidedError(rt, row);
  if (row.work_started_at) throw new WorkStarted({ workStartedAt: row.work_started_at });
  if (d.decision === 'approve' && row.requested_by === d.userId && row.allow_self_approval !== 1) {
    await denied(rt, l, d, 'self-approval', meta);
    throw new SelfApproval();
  }
}

/** One approver's approve/reject (or, with change, a new answer replacing theirs). */
export async function decide(rt: ApprovalsRuntime, id: number, d: DecideInput, meta?: RequestMeta): Promise<Approval> {
  if (d.decision === 'reject' && !d.comment?.trim()) throw new ReasonRequired();
  for (let attempt = 1; ; attempt++) {
    try {
      return await voteOnce(rt, id, d, meta);
    } catch (e) {
      if (!(e instanceof Raced)) throw e;
      if (attempt >= 5) throw new Conflict({ id }, 'The request changed while deciding; try again.');
    }
  }
}
