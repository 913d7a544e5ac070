import type { AppContext } from '../../core/context.js';
import type { ApprovalsDeps, ModulePart } from './approvals.parts.js';

// Placeholder until the approvals core lands (policies, requests, decisions, reminders).
export class ApprovalsService {}

export function createApprovalsCore(_ctx: AppContext, _deps: ApprovalsDeps): ModulePart & { service: ApprovalsService } {
  return { service: new ApprovalsService() };
}
