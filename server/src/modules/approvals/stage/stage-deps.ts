/** Shapes the stage borrows from the approvals core and the Jenkins module (through their entry points). */
import type { ApprovalsService } from '../approvals-core.js';
import type { JenkinsModule } from '../../jenkins/index.js';

export type Approvals = ApprovalsService;
export type Approval = NonNullable<Awaited<ReturnType<ApprovalsService['get']>>>;
export type Servers = JenkinsModule['service']['servers'];
export type ServerRow = Awaited<ReturnType<Servers['list']>>[number];
