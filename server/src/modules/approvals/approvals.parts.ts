import type { FastifyPluginAsync } from 'fastify';
import type { AppContext } from '../../core/context.js';
import type { AccessModule } from '../access/index.js';
import type { AuditService } from '../audit/index.js';
import type { IdentityService } from '../identity/index.js';
import type { JenkinsModule } from '../jenkins/index.js';
import type { NotifyService } from '../notify/index.js';

/** What the approvals module is built from (app.ts hands these down). */
export interface ApprovalsDeps {
  audit: AuditService;
  access: AccessModule;
  identity: IdentityService;
  notify: NotifyService;
  jenkins: JenkinsModule;
}

/** One part of the module (core, Jenkins stage, Telegram bot): its routes and lifecycle hooks. */
export interface ModulePart {
  routes?: FastifyPluginAsync;
  /** After migrations, before listening (seed data, schedules). */
  bootstrap?(): Promise<void>;
  /** With the background work (main.ts): pollers, bots. Never throws. */
  start?(): Promise<void>;
  close?(): Promise<void>;
}

export type PartFactory<Extra = object> = (ctx: AppContext, deps: ApprovalsDeps & Extra) => ModulePart;
