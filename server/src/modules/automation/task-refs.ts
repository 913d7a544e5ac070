import type { Kysely } from 'kysely';
import type { AppContext } from '../../core/context.js';
import { SEES, type AutomationAccess } from './automation-access.js';
import { ProjectMismatch, ScriptNotFound, ScriptVersionNotFound, TargetNotFound } from './automation.errors.js';
import type { Actor, AutomationTables } from './automation.types.js';
import { findTargets } from './hosts.repo.js';
import { findScript, findVersion } from './scripts.repo.js';

/**
 * What a task points at must exist and belong to the task's project, so a task manager of one
 * project cannot run on another project's hosts. Something in a project the caller cannot see is
 * reported as missing; something they can see but in another project is a PROJECT_MISMATCH.
 */
export class TaskRefs {
  constructor(
    private readonly ctx: AppContext,
    private readonly access: AutomationAccess,
  ) {}

  private get db() {
    return this.ctx.db as Kysely<AutomationTables>;
  }

  async script(actor: Actor, project: string, scriptId: number, version: number | null): Promise<void> {
    const s = await findScript(this.db, scriptId);
    if (!s) throw new ScriptNotFound({ id: scriptId });
    if (s.project !== project) {
      if (!(await this.access.canAny(actor, SEES.scripts, s.project))) throw new ScriptNotFound({ id: scriptId });
      throw new ProjectMismatch({ scriptId, scriptProject: s.project, project });
    }
    if (version !== null && !(await findVersion(this.db, scriptId, version))) throw new ScriptVersionNotFound({ id: scriptId, version });
  }

  async targets(actor: Actor, project: string, ids: number[]): Promise<void> {
    const rows = new Map((await findTargets(this.db, ids)).map((t) => [t.id, t]));
    for (const id of ids) {
      const t = rows.get(id);
      if (!t) throw new TargetNotFound({ id });
      if (t.project !== project) {
        if (!(await this.access.canAny(actor, SEES.targets, t.project))) throw new TargetNotFound({ id });
        throw new ProjectMismatch({ targetId: id, targetProject: t.project, project });
      }
    }
  }
}
