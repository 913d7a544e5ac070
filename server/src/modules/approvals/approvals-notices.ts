import type { ApprovalNotice, ApprovalNotifyEvent } from './approvals-notify.js';
import type { Approval } from './approvals.types.js';

/** The template variables every approval notification carries. */
function vars(a: Approval, extra: ApprovalNotice['vars'] = {}): ApprovalNotice['vars'] {
  return {
    id: a.id,
    project: a.project,
    environment: a.environment,
    summary: a.summary,
    version: a.version,
    description: a.description,
    action: a.action,
    job: a.job,
    build: a.build === null ? null : String(a.build),
    requester: a.requestedBy?.username ?? null,
    deadline: a.deadlineAt,
    status: a.status,
    decidedBy: a.decidedBy?.username ?? null,
    comment: a.comment,
    reason: a.reason,
    urgent: a.urgent,
    timeoutAction: a.timeoutAction,
    ...extra,
  };
}

export function notice(event: ApprovalNotifyEvent, a: Approval, recipients: number[], extra?: ApprovalNotice['vars']): ApprovalNotice {
  const severity =
    event === 'approval.reminded' && a.urgent ? 'urgent' : event === 'approval.timeout' ? 'warning' : a.urgent ? 'warning' : 'info';
  return {
    event,
    recipients,
    severity,
    link: `/approvals/${a.id}`,
    project: a.project,
    environment: a.environment,
    vars: vars(a, extra),
  };
}
