import type { Kysely } from 'kysely';
import { Forbidden } from '../../core/http/errors.js';
import { scopeAllows } from '../../core/http/principal.js';
import { scopeMatches, type AccessModule } from '../access/index.js';
import type { AuditService } from '../audit/index.js';
import type { Actor } from './automation.types.js';

export type AutomationPermission =
  'automation.view' | 'automation.scripts.manage' | 'automation.targets.manage' | 'automation.tasks.manage' | 'automation.tasks.run';

/** What may see each kind of thing: automation.view, or a permission that manages (or runs) it. */
export const SEES = {
  scripts: ['automation.view', 'automation.scripts.manage', 'automation.tasks.manage'],
  targets: ['automation.view', 'automation.targets.manage', 'automation.tasks.manage'],
  tasks: ['automation.view', 'automation.tasks.manage', 'automation.tasks.run'],
} satisfies Record<string, AutomationPermission[]>;

/** The projects a list may show: every project, or exactly these. */
export type Visible = { all: true } | { all: false; projects: string[] };

/**
 * Project-scoped checks for the automation services. A project is asked as `{ project }`; a global
 * jump host (project null) is asked with no project, which only a global grant answers. API tokens
 * limited to some codes are held to them here too, because every automation route is open to any
 * signed-in user and checks in the service.
 */
export class AutomationAccess {
  constructor(
    private readonly access: AccessModule,
    private readonly audit: AuditService,
    private readonly db: Kysely<any>,
  ) {}

  async can(actor: Actor, code: AutomationPermission, project: string | null): Promise<boolean> {
    if (!scopeAllows(actor.scopes, code)) return false;
    return this.access.service.policy.can(actor.userId, code, project === null ? undefined : { project });
  }

  async canAny(actor: Actor, codes: AutomationPermission[], project: string | null): Promise<boolean> {
    for (const c of codes) if (await this.can(actor, c, project)) return true;
    return false;
  }

  /** 403 (audited as denied) unless the actor holds `code` on `project`. */
  async require(
    actor: Actor,
    code: AutomationPermission,
    project: string | null,
    attempt: { action: string; resourceType?: string; resourceId?: number },
  ): Promise<void> {
    if (await this.can(actor, code, project)) return;
    await this.audit.record(this.db, {
      actor,
      action: attempt.action,
      outcome: 'denied',
      resourceType: attempt.resourceType,
      resourceId: attempt.resourceId,
      project,
      details: { permission: code },
    });
    throw new Forbidden(
      { permission: code, resource: project === null ? {} : { project } },
      project === null ? `You need ${code} globally for this.` : `You need ${code} in project ${project} for this.`,
    );
  }

  /**
   * Which of `projects` (the distinct projects a table holds) the actor may see with any of
   * `codes`. Grants are compiled patterns, so this is decided in memory, then handed to SQL as a
   * plain `project in (…)` list.
   */
  async visible(actor: Actor, codes: AutomationPermission[], projects: () => Promise<string[]>): Promise<Visible> {
    const allowed = codes.filter((c) => scopeAllows(actor.scopes, c));
    const grants = (await Promise.all(allowed.map((c) => this.access.service.policy.grantsFor(actor.userId, c)))).flat();
    if (grants.some((g) => scopeMatches(g, {}))) return { all: true };
    if (!grants.length) return { all: false, projects: [] };
    const names = await projects();
    return { all: false, projects: names.filter((p) => grants.some((g) => scopeMatches(g, { project: p }))) };
  }

  /** True when the actor holds any of `codes` anywhere (global jump hosts are visible to them). */
  async anywhere(actor: Actor, codes: AutomationPermission[]): Promise<boolean> {
    for (const c of codes) {
      if (scopeAllows(actor.scopes, c) && (await this.access.service.policy.grantsFor(actor.userId, c)).length) return true;
    }
    return false;
  }
}
