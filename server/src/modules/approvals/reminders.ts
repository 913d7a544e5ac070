import type { ApprovalsRuntime } from './approvals-runtime.js';
import { notice } from './approvals-notices.js';
import { eligibleOn, reminderOffsetMinutes } from './approvals-state.js';
import * as repo from './approvals.repo.js';
import type { ReminderSettings, RequestRow } from './approvals.types.js';

/** Approvers of the current level who have not answered (and may answer) — who reminders go to. */
export async function waitingApprovers(rt: ApprovalsRuntime, row: RequestRow): Promise<number[]> {
  if (row.status !== 'pending') return [];
  const [approvers, votes] = await Promise.all([repo.approversOf(rt.db, row.id), repo.votesOf(rt.db, row.id)]);
  const voted = new Set(votes.filter((v) => v.level === row.current_level).map((v) => v.user_id));
  return eligibleOn(approvers, row.current_level, row.requested_by, row.allow_self_approval === 1).filter((u) => !voted.has(u));
}

/**
 * The `approvals.due` job: a pending request's next moment, its deadline or its next reminder.
 * Idempotent: it acts on what the row says is due now and then schedules the next moment.
 */
export async function runDue(rt: ApprovalsRuntime, id: number): Promise<void> {
  const row = await repo.findRequest(rt.db, id);
  if (!row || row.status !== 'pending') return;
  const now = rt.now();
  if (now.getTime() >= new Date(row.deadline_at).getTime()) return timeOut(rt, row);
  if (row.next_reminder_at && now.getTime() >= new Date(row.next_reminder_at).getTime()) return remind(rt, row);
  await rt.scheduleDue(row);
}

async function remind(rt: ApprovalsRuntime, row: RequestRow): Promise<void> {
  const settings = JSON.parse(row.reminder) as ReminderSettings;
  const sent = row.reminders_sent + 1;
  const created = new Date(row.created_at).getTime();
  // The next slot on the back-off schedule; slots missed while Gatehouse was down are skipped, not sent in a burst.
  let k = sent + 1;
  let next: number | null = null;
  while (k <= settings.max) {
    const t = created + reminderOffsetMinutes(k, settings.firstMinutes, settings.backoff) * 60_000;
    if (t > rt.now().getTime()) {
      next = t;
      break;
    }
    k++;
  }
  const patch = {
    reminders_sent: sent,
    next_reminder_at: next === null ? null : new Date(next).toISOString(),
    updated_at: rt.nextStamp(row.updated_at),
  };
  const waiting = await waitingApprovers(rt, row);
  const done = await rt.db.transaction().execute(async (trx) => {
    if (!(await repo.updateRequestIf(trx, row.id, row.updated_at, patch))) return false;
    await rt.history(trx, row.id, 'reminded', { comment: `reminder ${sent}/${settings.max}`, level: row.current_level });
    return true;
  });
  // Lost to a concurrent vote: run again on the fresh row.
  if (!done) return runDue(rt, row.id);
  const approval = await rt.approval({ ...row, ...patch });
  await rt.afterCommit(row.id, {
    events: [{ type: 'reminded', reminder: sent }],
    notices: [notice('approval.reminded', approval, waiting, { reminder: sent, max: settings.max })],
    scheduleDue: true,
  });
}

async function timeOut(rt: ApprovalsRuntime, row: RequestRow): Promise<void> {
  const patch: Partial<RequestRow> = {
    status: 'timeout',
    decided_at: rt.now().toISOString(),
    decided_by: null,
    next_reminder_at: null,
    follow_up: rt.followUpFor(row),
    updated_at: rt.nextStamp(row.updated_at),
  };
  const votes = await repo.votesOf(rt.db, row.id);
  const done = await rt.db.transaction().execute(async (trx) => {
    if (!(await repo.updateRequestIf(trx, row.id, row.updated_at, patch))) return false;
    await rt.history(trx, row.id, 'timeout', { comment: `timeout action: ${row.timeout_action}`, level: row.current_level });
    await rt.audit.record(trx, {
      actor: { userId: null, username: 'system' },
      action: 'approvals.timeout',
      resourceType: 'approval',
      resourceId: row.id,
      project: row.project,
      details: { deadlineAt: row.deadline_at, timeoutAction: row.timeout_action, level: row.current_level },
    });
    return true;
  });
  if (!done) return runDue(rt, row.id);
  const approval = await rt.approval({ ...row, ...patch } as RequestRow);
  const recipients = [...(row.requested_by ? [row.requested_by] : []), ...votes.map((v) => v.user_id)];
  await rt.afterCommit(row.id, {
    events: [{ type: 'timeout' }],
    notices: [notice('approval.timeout', approval, recipients)],
    followUp: true,
  });
}
