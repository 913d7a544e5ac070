import type { Kysely } from 'kysely';
import type { AppContext } from '../../core/context.js';
import { isUniqueViolation } from '../../core/db/db.js';
import type { AuditService } from '../audit/index.js';
import { SEES, type AutomationAccess } from './automation-access.js';
import { ScriptChanged, ScriptInUse, ScriptNameTaken, ScriptNotFound, ScriptVersionNotFound } from './automation.errors.js';
import { toScript, type Actor, type AutomationTables, type Language, type Script, type ScriptRow } from './automation.types.js';
import * as repo from './scripts.repo.js';

export interface ScriptInput {
  name: string;
  language: Language;
  content: string;
  project: string;
  description?: string;
}

export type ScriptPatch = Partial<Omit<ScriptInput, 'project'>>;

export interface ScriptQuery extends Omit<repo.ScriptFilter, 'visible'> {
  page: number;
  pageSize: number;
}

const RES = 'automation-script';

/** Scripts and their versions. Every change of content or language is a new version. */
export class ScriptsService {
  constructor(
    private readonly ctx: AppContext,
    private readonly audit: AuditService,
    private readonly access: AutomationAccess,
  ) {}

  private get db() {
    return this.ctx.db as Kysely<AutomationTables>;
  }

  private now(): string {
    return this.ctx.clock.now().toISOString();
  }

  async list(actor: Actor, q: ScriptQuery) {
    const { page, pageSize, ...filter } = q;
    const visible = await this.access.visible(actor, SEES.scripts, () => repo.scriptProjects(this.db));
    const { rows, total } = await repo.listScripts(this.db, { ...filter, visible }, pageSize, (page - 1) * pageSize);
    return { items: rows.map(toScript), total, page, pageSize };
  }

  /** The script row if the actor may see it; 404 otherwise (as if it did not exist). */
  async visibleRow(actor: Actor, id: number): Promise<ScriptRow> {
    const row = await repo.findScript(this.db, id);
    if (!row || !(await this.access.canAny(actor, SEES.scripts, row.project))) throw new ScriptNotFound({ id });
    return row;
  }

  async get(actor: Actor, id: number): Promise<Script & { content: string }> {
    const row = await this.visibleRow(actor, id);
    const v = await repo.findVersion(this.db, id, row.version);
    return { ...toScript(row), content: v?.content ?? '' };
  }

  async create(actor: Actor, input: ScriptInput): Promise<Script & { content: string }> {
    await this.access.require(actor, 'automation.scripts.manage', input.project, { action: 'automation.script.create' });
    const now = this.now();
    const author = { created_by: actor.userId, created_by_name: actor.username };
    try {
      const id = await this.db.transaction().execute(async (trx) => {
        const id = await repo.insertScript(trx, {
          name: input.name,
          language: input.language,
          description: input.description ?? '',
          project: input.project,
          version: 1,
          ...author,
          created_at: now,
          updated_at: now,
        });
        await repo.insertVersion(trx, {
          script_id: id,
          version: 1,
          language: input.language,
          content: input.content,
          ...author,
          created_at: now,
        });
        await this.audit.record(trx, {
          actor,
          action: 'automation.script.create',
          resourceType: RES,
          resourceId: id,
          project: input.project,
          details: { name: input.name, language: input.language, version: 1, bytes: Buffer.byteLength(input.content) },
        });
        return id;
      });
      return this.get(actor, id);
    } catch (e) {
      if (isUniqueViolation(e)) throw new ScriptNameTaken({ name: input.name });
      throw e;
    }
  }

  async update(actor: Actor, id: number, patch: ScriptPatch): Promise<Script & { content: string }> {
    const row = await this.visibleRow(actor, id);
    await this.access.require(actor, 'automation.scripts.manage', row.project, {
      action: 'automation.script.update',
      resourceType: RES,
      resourceId: id,
    });
    const current = await repo.findVersion(this.db, id, row.version);
    const language = patch.language ?? row.language;
    const content = patch.content ?? current?.content ?? '';
    const newVersion = language !== row.language || content !== (current?.content ?? '');
    const now = this.now();
    const set: Partial<ScriptRow> = { updated_at: now };
    if (patch.name !== undefined) set.name = patch.name;
    if (patch.description !== undefined) set.description = patch.description;
    if (newVersion) Object.assign(set, { language, version: row.version + 1 });
    try {
      await this.db.transaction().execute(async (trx) => {
        await repo.updateScript(trx, id, set);
        if (newVersion) {
          await repo.insertVersion(trx, {
            script_id: id,
            version: row.version + 1,
            language,
            content,
            created_by: actor.userId,
            created_by_name: actor.username,
            created_at: now,
          });
        }
        await this.audit.record(trx, {
          actor,
          action: 'automation.script.update',
          resourceType: RES,
          resourceId: id,
          project: row.project,
          details: {
            ...(patch.name !== undefined ? { name: patch.name } : {}),
            ...(patch.description !== undefined ? { description: patch.description } : {}),
            ...(newVersion ? { language, version: row.version + 1, bytes: Buffer.byteLength(content) } : {}),
          },
        });
      });
    } catch (e) {
      if (!isUniqueViolation(e)) throw e;
      const other = patch.name !== undefined ? await repo.findScriptByName(this.db, row.project, patch.name) : undefined;
      if (other && other.id !== id) throw new ScriptNameTaken({ name: patch.name });
      throw new ScriptChanged({ id });
    }
    return this.get(actor, id);
  }

  async remove(actor: Actor, id: number): Promise<void> {
    const row = await this.visibleRow(actor, id);
    await this.access.require(actor, 'automation.scripts.manage', row.project, {
      action: 'automation.script.delete',
      resourceType: RES,
      resourceId: id,
    });
    await this.db.transaction().execute(async (trx) => {
      // Checked inside the transaction: a task created meanwhile cannot be left pointing nowhere.
      const users = await repo.countTasksUsing(trx, id);
      if (users) throw new ScriptInUse({ tasks: users });
      await repo.deleteScript(trx, id);
      await this.audit.record(trx, {
        actor,
        action: 'automation.script.delete',
        resourceType: RES,
        resourceId: id,
        project: row.project,
        details: { name: row.name, versions: row.version },
      });
    });
  }

  async versions(actor: Actor, id: number) {
    await this.visibleRow(actor, id);
    const rows = await repo.listVersions(this.db, id);
    return {
      items: rows.map((v) => ({ version: v.version, language: v.language, createdAt: v.created_at, createdByName: v.created_by_name })),
    };
  }

  async version(actor: Actor, id: number, version: number) {
    await this.visibleRow(actor, id);
    return this.content(id, version);
  }

  /**
   * What a run executes: the pinned version, or the latest when `version` is null. No access check:
   * the caller (the task runner) has checked the task already.
   */
  async content(scriptId: number, version: number | null): Promise<{ version: number; language: Language; content: string }> {
    const row = await repo.findScript(this.db, scriptId);
    if (!row) throw new ScriptNotFound({ id: scriptId });
    const v = await repo.findVersion(this.db, scriptId, version ?? row.version);
    if (!v) throw new ScriptVersionNotFound({ id: scriptId, version });
    return { version: v.version, language: v.language, content: v.content };
  }
}
