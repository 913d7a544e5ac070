import { errorText } from '../../core/jobs/job-queue.js';
import type { ApprovalsRuntime } from './approvals-runtime.js';
import * as repo from './approvals.repo.js';
import type { RequestRow } from './approvals.types.js';

export const FOLLOW_UP_ATTEMPTS = 5;

async function mark(
  rt: ApprovalsRuntime,
  row: RequestRow,
  patch: Partial<RequestRow>,
  history?: Parameters<ApprovalsRuntime['history']>[2],
  comment?: string,
) {
  const next = { ...patch, updated_at: rt.nextStamp(row.updated_at) };
  const ok = await rt.db.transaction().execute(async (trx) => {
    if (!(await repo.updateRequestIf(trx, row.id, row.updated_at, next))) return false;
    if (history) await rt.history(trx, row.id, history, { comment: comment ?? null });
    return true;
  });
  return ok ? ({ ...row, ...next } as RequestRow) : null;
}

/**
 * The `approvals.follow-up` job: hand the decided request to its subject's module (proceed or
 * abort a Jenkins input…). workStartedAt is set before the handler runs, from then on a vote can
 * no longer be changed. A failing handler is retried by the job queue; the last failure is kept.
 */
export async function runFollowUp(rt: ApprovalsRuntime, id: number, attempt: number): Promise<void> {
  let row = await repo.findRequest(rt.db, id);
  // Reopened by a changed vote, or already handled: nothing to do.
  if (!row || row.status === 'pending' || row.follow_up === 'done' || row.follow_up === 'none' || row.follow_up === 'failed') return;
  const handler = rt.handlers.get(row.subject_type);
  if (!handler) {
    await mark(rt, row, { follow_up: 'none' });
    return;
  }
  const first = row.follow_up === 'pending';
  const started = await mark(
    rt,
    row,
    { follow_up: 'running', work_started_at: row.work_started_at ?? rt.now().toISOString() },
    first ? 'follow-up-started' : undefined,
  );
  if (!started) return runFollowUp(rt, id, attempt);
  row = started;
  if (first) await rt.afterCommit(id, { events: [{ type: 'follow-up' }], notices: [] });
  try {
    await handler.onDecided(await rt.approval(row));
  } catch (e) {
    const message = errorText(e);
    // A handler marks an error `permanent` when retrying cannot help (the input is gone, Jenkins
    // refused with a 4xx): fail at once instead of after every retry.
    const permanent = (e as { permanent?: boolean } | null)?.permanent === true;
    const final = permanent || attempt >= FOLLOW_UP_ATTEMPTS;
    const fresh = (await repo.findRequest(rt.db, id)) ?? row;
    await mark(
      rt,
      fresh,
      { follow_up: final ? 'failed' : 'running', follow_up_error: message },
      final ? 'follow-up-failed' : undefined,
      message,
    );
    if (final) await rt.afterCommit(id, { events: [{ type: 'follow-up' }], notices: [] });
    if (permanent) return;
    throw e;
  }
  const fresh = (await repo.findRequest(rt.db, id)) ?? row;
  await mark(rt, fresh, { follow_up: 'done', follow_up_error: null }, 'follow-up-done');
  await rt.afterCommit(id, { events: [{ type: 'follow-up' }], notices: [] });
}
