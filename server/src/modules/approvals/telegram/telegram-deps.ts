/** Shapes the bot borrows from the approvals core and the Jenkins stage (through their entry points). */
import type { ApprovalsService } from '../approvals-core.js';
import type { JenkinsStage } from '../stage/index.js';
import type { ApprovalsDeps } from '../approvals.parts.js';

export type { Approval, ApprovalDetail } from '../approvals-core.js';
export { APPROVALS_TOPIC } from '../approvals-core.js';

export type BotDeps = ApprovalsDeps & { approvals: ApprovalsService; stage: JenkinsStage };

/** What an `approvals` event carries (see the contract). */
export interface ApprovalEvent {
  id: number;
  type: string;
  status: string;
  reminder?: number;
}
