import type { AppContext } from '../../../core/context.js';
import type { ApprovalsService } from '../approvals-core.js';
import type { ApprovalsDeps, ModulePart } from '../approvals.parts.js';

// Placeholder until the Jenkins stage lands (/api/stage/approval/wait, input proceed/abort, results).
export class JenkinsStage {}

export function createJenkinsStage(
  _ctx: AppContext,
  _deps: ApprovalsDeps & { approvals: ApprovalsService },
): ModulePart & { service: JenkinsStage } {
  return { service: new JenkinsStage() };
}
