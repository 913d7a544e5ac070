import type { AppContext } from '../../../core/context.js';
import type { ApprovalsService } from '../approvals-core.js';
import type { ApprovalsDeps, ModulePart } from '../approvals.parts.js';
import type { JenkinsStage } from '../stage/index.js';

// Placeholder until the Telegram bot lands.
export class TelegramBot {}

export function createTelegramBot(
  _ctx: AppContext,
  _deps: ApprovalsDeps & { approvals: ApprovalsService; stage: JenkinsStage },
): ModulePart & { service: TelegramBot } {
  return { service: new TelegramBot() };
}
