import type { AppContext } from '../../core/context.js';
import { isUniqueViolation, type Db } from '../../core/db/db.js';
import type { AuditService } from '../audit/index.js';
import * as repo from './access.repo.js';
import { TemplateNameTaken, TemplateNotFound } from './access.errors.js';
import { toTemplate, type AccessTables, type GrantSpec, type Template } from './access.types.js';
import type { GrantActor, GrantsService } from './grants.service.js';

/** Permission templates (seed 004 权限模板): named grant sets applied to many users at once. */
export class TemplatesService {
  constructor(
    private readonly ctx: AppContext,
    private readonly audit: AuditService,
    private readonly grants: GrantsService,
    private readonly changed: () => Promise<void>,
  ) {}

  private get db(): Db<AccessTables> {
    return this.ctx.db;
  }

  async list(): Promise<Template[]> {
    return (await repo.listTemplates(this.db)).map(toTemplate);
  }

  async get(id: number): Promise<Template> {
    const t = await repo.findTemplate(this.db, id);
    if (!t) throw new TemplateNotFound();
    return toTemplate(t);
  }

  private async checkSpecs(specs: Partial<GrantSpec>[]): Promise<GrantSpec[]> {
    const out = specs.map((s) => this.grants.normalize(s));
    for (const s of out) await this.grants.permissionsOf(s);
    return out;
  }

  async create(actor: GrantActor, input: { name: string; description?: string; grants: Partial<GrantSpec>[] }): Promise<Template> {
    const specs = await this.checkSpecs(input.grants);
    const now = this.ctx.clock.now().toISOString();
    const row = {
      name: input.name,
      description: input.description ?? '',
      grants: JSON.stringify(specs),
      created_by: actor.userId,
      created_at: now,
      updated_at: now,
    };
    try {
      const id = await this.db.transaction().execute(async (trx) => {
        const id = await repo.insertTemplate(trx, row);
        await this.audit.record(trx, {
          actor,
          action: 'access.template.create',
          resourceType: 'template',
          resourceId: id,
          details: { name: input.name, grants: specs },
        });
        return id;
      });
      return toTemplate({ id, ...row });
    } catch (e) {
      if (isUniqueViolation(e)) throw new TemplateNameTaken();
      throw e;
    }
  }

  async update(
    actor: GrantActor,
    id: number,
    patch: { name?: string; description?: string; grants?: Partial<GrantSpec>[] },
  ): Promise<Template> {
    await this.get(id);
    const specs = patch.grants ? await this.checkSpecs(patch.grants) : undefined;
    try {
      await this.db.transaction().execute(async (trx) => {
        await repo.updateTemplate(trx, id, {
          ...(patch.name !== undefined ? { name: patch.name } : {}),
          ...(patch.description !== undefined ? { description: patch.description } : {}),
          ...(specs ? { grants: JSON.stringify(specs) } : {}),
          updated_at: this.ctx.clock.now().toISOString(),
        });
        await this.audit.record(trx, {
          actor,
          action: 'access.template.update',
          resourceType: 'template',
          resourceId: id,
          details: { ...patch, grants: specs },
        });
      });
    } catch (e) {
      if (isUniqueViolation(e)) throw new TemplateNameTaken();
      throw e;
    }
    return this.get(id);
  }

  async remove(actor: GrantActor, id: number): Promise<void> {
    const t = await this.get(id);
    await this.db.transaction().execute(async (trx) => {
      await repo.deleteTemplate(trx, id);
      await this.audit.record(trx, {
        actor,
        action: 'access.template.delete',
        resourceType: 'template',
        resourceId: id,
        details: { name: t.name },
      });
    });
  }

  /** Grant every template entry to every subject, in one transaction; existing grants are skipped. */
  async apply(actor: GrantActor, id: number, userIds: number[], groupIds: number[]): Promise<{ created: number; skipped: number }> {
    const t = await this.get(id);
    const subjects = [...userIds.map((s) => ['user', s] as const), ...groupIds.map((s) => ['group', s] as const)];
    for (const [type, sid] of subjects) await this.grants.assertSubject(type, sid);
    const resolved: Array<{ spec: GrantSpec; roleId: number | null }> = [];
    for (const spec of t.grants) {
      const r = await this.grants.permissionsOf(spec);
      await this.grants.authorize(actor, spec, r.permissions);
      resolved.push({ spec, roleId: r.roleId });
    }
    const result = await this.db.transaction().execute(async (trx) => {
      let created = 0;
      let skipped = 0;
      for (const [type, sid] of subjects) {
        for (const { spec, roleId } of resolved) {
          if ((await this.grants.insert(trx, actor, type, sid, spec, roleId, id)) === null) skipped++;
          else created++;
        }
      }
      await this.audit.record(trx, {
        actor,
        action: 'access.template.apply',
        resourceType: 'template',
        resourceId: id,
        details: { name: t.name, userIds, groupIds, created, skipped },
      });
      return { created, skipped };
    });
    await this.changed();
    return result;
  }
}
