import type { Kysely } from 'kysely';
import type { AppContext } from '../../core/context.js';
import { isUniqueViolation } from '../../core/db/db.js';
import type { AuditService } from '../audit/index.js';
import { SEES, type AutomationAccess } from './automation-access.js';
import { TaskNameTaken, TaskNoTargets, TaskNotFound } from './automation.errors.js';
import { parseList, type Actor, type AutomationTables, type TaskRow, type TargetRow } from './automation.types.js';
import * as hosts from './hosts.repo.js';
import { scriptNames } from './scripts.repo.js';
import { TaskRefs } from './task-refs.js';
import { applySchedule, checkSchedule, nextByCron, nextRunAt } from './task-schedule.js';
import * as repo from './tasks.repo.js';

export interface TaskInput {
  name: string;
  project: string;
  scriptId: number;
  scriptVersion?: number | null;
  targetIds?: number[];
  labels?: string[];
  parameters?: string[];
  timeoutSeconds?: number;
  concurrency?: number;
  schedule?: string | null;
  timezone?: string;
  enabled?: boolean;
}

export type TaskPatch = Partial<Omit<TaskInput, 'project'>>;

export interface TaskQuery extends Omit<repo.TaskFilter, 'visible'> {
  page: number;
  pageSize: number;
  nextRunFrom?: string;
  nextRunTo?: string;
}

const RES = 'automation-task';
/** How many scheduled tasks a next-run filter looks at (it is decided in memory). */
const NEXT_RUN_SCAN = 10_000;

/** Tasks: a script bound to targets, parameters, limits and a manual or cron schedule. */
export class TasksService {
  private readonly refs: TaskRefs;

  constructor(
    private readonly ctx: AppContext,
    private readonly audit: AuditService,
    private readonly access: AutomationAccess,
  ) {
    this.refs = new TaskRefs(ctx, access);
  }

  private get db() {
    return this.ctx.db as Kysely<AutomationTables>;
  }

  async list(actor: Actor, q: TaskQuery) {
    const { page, pageSize, nextRunFrom, nextRunTo, ...filter } = q;
    const visible = await this.access.visible(actor, SEES.tasks, () => repo.taskProjects(this.db));
    const f = { ...filter, visible };
    let rows: TaskRow[];
    let total: number;
    if (nextRunFrom || nextRunTo) {
      const now = this.ctx.clock.now();
      const due = (await repo.scheduledTasks(this.db, f, NEXT_RUN_SCAN)).filter((r) => {
        const n = nextByCron(r, now);
        return n !== null && (!nextRunFrom || n >= nextRunFrom) && (!nextRunTo || n <= nextRunTo);
      });
      total = due.length;
      rows = due.slice((page - 1) * pageSize, page * pageSize);
    } else {
      ({ rows, total } = await repo.listTasks(this.db, f, pageSize, (page - 1) * pageSize));
    }
    return { items: await this.views(rows), total, page, pageSize };
  }

  private async views(rows: TaskRow[]) {
    const names = await scriptNames(this.db, [...new Set(rows.map((r) => r.script_id))]);
    return Promise.all(rows.map((r) => this.view(r, names.get(r.script_id) ?? null)));
  }

  private async view(r: TaskRow, scriptName: string | null) {
    const last = (await this.ctx.runs.list({ subjectType: 'task', subjectIds: [String(r.id)] }, 1, 0)).items[0];
    return {
      id: r.id,
      name: r.name,
      project: r.project,
      type: r.schedule ? ('scheduled' as const) : ('manual' as const),
      enabled: r.enabled === 1,
      scriptId: r.script_id,
      scriptName,
      scriptVersion: r.script_version,
      targetIds: parseList<number>(r.target_ids),
      labelSelector: parseList<string>(r.label_selector),
      parameters: parseList<string>(r.parameters),
      timeoutSeconds: r.timeout_seconds,
      concurrency: r.concurrency,
      schedule: r.schedule,
      timezone: r.timezone,
      nextRunAt: await nextRunAt(this.ctx, r),
      lastRun: last ? { id: last.id, status: last.status, at: last.startedAt ?? last.createdAt } : null,
      createdBy: r.created_by,
      createdByName: r.created_by_name,
      createdAt: r.created_at,
      updatedAt: r.updated_at,
    };
  }

  async visibleRow(actor: Actor, id: number): Promise<TaskRow> {
    const row = await repo.findTask(this.db, id);
    if (!row || !(await this.access.canAny(actor, SEES.tasks, row.project))) throw new TaskNotFound({ id });
    return row;
  }

  private async manageable(actor: Actor, id: number, action: string): Promise<TaskRow> {
    const row = await this.visibleRow(actor, id);
    await this.access.require(actor, 'automation.tasks.manage', row.project, { action, resourceType: RES, resourceId: id });
    return row;
  }

  async get(actor: Actor, id: number) {
    return (await this.views([await this.visibleRow(actor, id)]))[0];
  }

  private async byId(id: number) {
    return (await this.views([(await repo.findTask(this.db, id))!]))[0];
  }

  /** Everything a stored task row needs checked, for a create and after a patch alike. */
  private async validate(actor: Actor, row: Omit<TaskRow, 'id'>): Promise<void> {
    const targetIds = parseList<number>(row.target_ids);
    if (!targetIds.length && !parseList<string>(row.label_selector).length) throw new TaskNoTargets();
    if (row.schedule) checkSchedule(row.schedule, row.timezone, this.ctx.clock.now());
    await this.refs.script(actor, row.project, row.script_id, row.script_version);
    await this.refs.targets(actor, row.project, targetIds);
  }

  async create(actor: Actor, input: TaskInput) {
    await this.access.require(actor, 'automation.tasks.manage', input.project, { action: 'automation.task.create' });
    const now = this.ctx.clock.now().toISOString();
    const row: Omit<TaskRow, 'id'> = {
      name: input.name,
      project: input.project,
      script_id: input.scriptId,
      script_version: input.scriptVersion ?? null,
      target_ids: JSON.stringify(input.targetIds ?? []),
      label_selector: JSON.stringify(input.labels ?? []),
      parameters: JSON.stringify(input.parameters ?? []),
      timeout_seconds: input.timeoutSeconds ?? 600,
      concurrency: input.concurrency ?? 20,
      schedule: input.schedule?.trim() || null,
      timezone: input.timezone ?? this.ctx.config.get().timezone,
      enabled: input.enabled === false ? 0 : 1,
      created_by: actor.userId,
      created_by_name: actor.username,
      created_at: now,
      updated_at: now,
    };
    await this.validate(actor, row);
    let id: number;
    try {
      id = await this.db.transaction().execute(async (trx) => {
        const id = await repo.insertTask(trx, row);
        await this.audit.record(trx, {
          actor,
          action: 'automation.task.create',
          resourceType: RES,
          resourceId: id,
          project: input.project,
          details: { ...input },
        });
        return id;
      });
    } catch (e) {
      if (isUniqueViolation(e)) throw new TaskNameTaken({ name: input.name });
      throw e;
    }
    await applySchedule(this.ctx, { id, ...row });
    return this.byId(id);
  }

  async update(actor: Actor, id: number, patch: TaskPatch) {
    const row = await this.manageable(actor, id, 'automation.task.update');
    const set: Partial<TaskRow> = { updated_at: this.ctx.clock.now().toISOString() };
    if (patch.name !== undefined) set.name = patch.name;
    if (patch.scriptId !== undefined) set.script_id = patch.scriptId;
    if (patch.scriptVersion !== undefined) set.script_version = patch.scriptVersion;
    if (patch.targetIds !== undefined) set.target_ids = JSON.stringify(patch.targetIds);
    if (patch.labels !== undefined) set.label_selector = JSON.stringify(patch.labels);
    if (patch.parameters !== undefined) set.parameters = JSON.stringify(patch.parameters);
    if (patch.timeoutSeconds !== undefined) set.timeout_seconds = patch.timeoutSeconds;
    if (patch.concurrency !== undefined) set.concurrency = patch.concurrency;
    if (patch.schedule !== undefined) set.schedule = patch.schedule?.trim() || null;
    if (patch.timezone !== undefined) set.timezone = patch.timezone;
    if (patch.enabled !== undefined) set.enabled = patch.enabled ? 1 : 0;
    const next: TaskRow = { ...row, ...set };
    await this.validate(actor, next);
    try {
      await this.db.transaction().execute(async (trx) => {
        await repo.updateTask(trx, id, set);
        await this.audit.record(trx, {
          actor,
          action: 'automation.task.update',
          resourceType: RES,
          resourceId: id,
          project: row.project,
          details: { ...patch },
        });
      });
    } catch (e) {
      if (isUniqueViolation(e)) throw new TaskNameTaken({ name: patch.name });
      throw e;
    }
    await applySchedule(this.ctx, next);
    return this.byId(id);
  }

  async setEnabled(actor: Actor, id: number, enabled: boolean) {
    const action = enabled ? 'automation.task.enable' : 'automation.task.disable';
    const row = await this.manageable(actor, id, action);
    // Enabling checks the schedule again: a time zone may have been retired since it was saved.
    if (enabled && row.schedule) checkSchedule(row.schedule, row.timezone, this.ctx.clock.now());
    await this.db.transaction().execute(async (trx) => {
      await repo.updateTask(trx, id, { enabled: enabled ? 1 : 0, updated_at: this.ctx.clock.now().toISOString() });
      await this.audit.record(trx, { actor, action, resourceType: RES, resourceId: id, project: row.project, details: { name: row.name } });
    });
    await applySchedule(this.ctx, { ...row, enabled: enabled ? 1 : 0 });
    return this.byId(id);
  }

  async remove(actor: Actor, id: number): Promise<void> {
    const row = await this.manageable(actor, id, 'automation.task.delete');
    await this.db.transaction().execute(async (trx) => {
      await repo.deleteTask(trx, id);
      await this.audit.record(trx, {
        actor,
        action: 'automation.task.delete',
        resourceType: RES,
        resourceId: id,
        project: row.project,
        details: { name: row.name },
      });
    });
    await applySchedule(this.ctx, { ...row, enabled: 0 });
  }

  /** At start: every task's schedule row matches the task (heals a crash between commit and upsert). */
  async syncSchedules(): Promise<void> {
    for (const t of await repo.allTasks(this.db)) {
      try {
        await applySchedule(this.ctx, t);
      } catch (e) {
        this.ctx.log.warn({ err: e, taskId: t.id }, 'could not schedule a task; it stays unscheduled until it is saved again');
      }
    }
  }

  /** The hosts a run of this task reaches: the named targets, then those carrying every selector label. */
  async resolveTargets(task: TaskRow): Promise<TargetRow[]> {
    const named = await hosts.findTargets(this.db, parseList<number>(task.target_ids));
    const labels = parseList<string>(task.label_selector);
    const labelled = labels.length ? await hosts.targetsWithLabels(this.db, task.project, labels) : [];
    const seen = new Set<number>();
    return [...named.filter((t) => t.project === task.project).sort((a, b) => a.id - b.id), ...labelled].filter(
      (t) => !seen.has(t.id) && !!seen.add(t.id),
    );
  }

  /** The stored task, for the task runner (which checks automation.tasks.run itself). */
  row(id: number): Promise<TaskRow | undefined> {
    return repo.findTask(this.db, id);
  }
}
