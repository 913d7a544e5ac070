import { setMaxListeners } from 'node:events';
import type { Kysely } from 'kysely';
import type { AppContext } from '../../core/context.js';
import type { Run, RunTarget, TargetStatus } from '../../core/runs/index.js';
import type { AuditService } from '../audit/index.js';
import type { NotifyService } from '../notify/index.js';
import type { AutomationAccess } from './automation-access.js';
import { NothingToRerun, NoTargetsNow, RunFinished, RunNotFinished, RunNotFound, TaskNotFound } from './automation.errors.js';
import { parseList, type Actor, type AutomationTables, type TargetRow, type TaskRow } from './automation.types.js';
import * as hosts from './hosts.repo.js';
import type { ScriptsService } from './scripts.service.js';
import { runScript } from './ssh/index.js';
import { hopsOf, CHECK_TIMEOUT_MS } from './ssh-link.js';
import type { TargetConnect } from './target-connect.service.js';
import { FIRE_JOB } from './task-schedule.js';
import type { TasksService } from './tasks.service.js';

export const RUN_KIND = 'ssh-script';
export const EXEC_JOB = 'automation.run.execute';
const CANCEL_EVENT = 'automation.run.cancel';
const SUCCESS_OR_STOPPED: TargetStatus[] = ['succeeded', 'cancelled'];

interface RunDetails {
  taskId: number;
  taskName: string;
  scriptId: number;
  scriptVersion: number;
  language: string;
  parameters: string[];
  rerunOf?: number;
}

/** Run `fn` over `items` with at most `limit` at once. */
async function eachLimit<T>(items: T[], limit: number, fn: (t: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await fn(items[next++]);
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
}

/**
 * Starting, executing, cancelling and re-running task runs. A run is created (with its audit event)
 * at once and executed by a job, so a scheduled fire and a click look the same; each target is one
 * SSH session, at most `concurrency` at a time, and one host's failure never touches another.
 */
export class TaskRunner {
  private readonly active = new Map<number, AbortController>();

  constructor(
    private readonly ctx: AppContext,
    private readonly audit: AuditService,
    private readonly notify: NotifyService,
    private readonly s: { access: AutomationAccess; scripts: ScriptsService; tasks: TasksService; connect: TargetConnect },
  ) {
    ctx.jobs.register<{ taskId: number }>(FIRE_JOB, (p) => this.fire(p.taskId), { maxAttempts: 1 });
    ctx.jobs.register<{ runId: number }>(EXEC_JOB, (p) => this.execute(p.runId), { maxAttempts: 1, timeoutMs: 23 * 3_600_000 });
    ctx.events.subscribe(CANCEL_EVENT, (e) => this.active.get(Number(e.runId))?.abort());
    ctx.runTopic.authorize(RUN_KIND, (p, run) =>
      s.access.canAny(
        { userId: p.userId, username: p.username, scopes: p.scopes },
        ['automation.view', 'automation.tasks.run', 'automation.tasks.manage'],
        run.project,
      ),
    );
  }

  private get db() {
    return this.ctx.db as Kysely<AutomationTables>;
  }

  /** A schedule tick: run the task if it is still enabled and scheduled. */
  private async fire(taskId: number): Promise<void> {
    const task = await this.s.tasks.row(taskId);
    if (!task || !task.enabled || !task.schedule) return;
    try {
      await this.start(null, task, 'schedule');
    } catch (e) {
      this.ctx.log.warn({ err: e, taskId }, 'a scheduled task could not start');
    }
  }

  async taskFor(actor: Actor, taskId: number): Promise<TaskRow> {
    const task = await this.s.tasks.row(taskId);
    if (!task || !(await this.s.access.canAny(actor, ['automation.view', 'automation.tasks.run', 'automation.tasks.manage'], task.project)))
      throw new TaskNotFound({ id: taskId });
    return task;
  }

  async runNow(actor: Actor, taskId: number): Promise<number> {
    const task = await this.taskFor(actor, taskId);
    await this.s.access.require(actor, 'automation.tasks.run', task.project, {
      action: 'automation.task.run',
      resourceType: 'task',
      resourceId: task.id,
    });
    return this.start(actor, task, 'manual');
  }

  private async start(
    actor: Actor | null,
    task: TaskRow,
    trigger: 'manual' | 'schedule' | 'rerun',
    only?: { ids: number[]; rerunOf: number },
  ): Promise<number> {
    const script = await this.s.scripts.content(task.script_id, task.script_version);
    const targets = only ? await hosts.findTargets(this.db, only.ids) : await this.s.tasks.resolveTargets(task);
    if (!targets.length) throw new NoTargetsNow({ taskId: task.id });
    const details: RunDetails = {
      taskId: task.id,
      taskName: task.name,
      scriptId: task.script_id,
      scriptVersion: script.version,
      language: script.language,
      parameters: parseList<string>(task.parameters),
      ...(only ? { rerunOf: only.rerunOf } : {}),
    };
    const run = await this.db.transaction().execute(async (trx) => {
      const run = await this.ctx.runs.create(
        {
          kind: RUN_KIND,
          subject: { type: 'task', id: task.id },
          project: task.project,
          trigger,
          startedBy: actor ? { id: actor.userId, name: actor.username } : null,
          details: { ...details },
          targets: targets.map((t) => ({ key: t.id, name: t.name })),
        },
        trx,
      );
      await this.audit.record(trx, {
        actor: actor ?? {},
        action: trigger === 'rerun' ? 'automation.run.rerun' : 'automation.task.run',
        resourceType: 'run',
        resourceId: run.id,
        project: task.project,
        details: {
          taskId: task.id,
          trigger,
          scriptVersion: script.version,
          targets: targets.length,
          ...(only ? { rerunOf: only.rerunOf } : {}),
        },
      });
      return run;
    });
    try {
      await this.ctx.jobs.enqueue(EXEC_JOB, { runId: run.id }, { maxAttempts: 1 });
    } catch (e) {
      // A run that no job will ever execute must not stay "queued".
      await this.ctx.runs.finishRun(run.id, 'failed', `Gatehouse could not queue this run: ${(e as Error).message}`);
      throw e;
    }
    return run.id;
  }

  /** The job. Never throws: every failure ends up on the run or its targets. */
  async execute(runId: number): Promise<void> {
    const run = await this.ctx.runs.get(runId);
    if (!run || run.status !== 'queued') return;
    const d = run.details as unknown as RunDetails;
    const controller = new AbortController();
    this.active.set(runId, controller);
    try {
      const task = await this.s.tasks.row(d.taskId);
      const script = await this.s.scripts.content(d.scriptId, d.scriptVersion).catch(() => null);
      if (!task || !script) {
        for (const t of run.targets) await this.ctx.runs.finishTarget(runId, t.id, 'failed', null, 'The task or its script was deleted.');
        return await this.ctx.runs.finishRun(runId, 'failed', 'The task or its script was deleted before the run started.');
      }
      // Every target in flight listens on the run's signal (to cancel); Node warns past 10 listeners.
      setMaxListeners(task.concurrency + 10, controller.signal);
      await this.ctx.runs.startRun(runId);
      const rows = new Map(
        (
          await hosts.findTargets(
            this.db,
            run.targets.map((t) => Number(t.key)),
          )
        ).map((r) => [r.id, r]),
      );
      await eachLimit(run.targets, task.concurrency, (rt) =>
        this.runTarget(
          run,
          rt,
          rows.get(Number(rt.key)),
          { ...script, args: d.parameters, timeoutMs: task.timeout_seconds * 1000 },
          controller.signal,
        ),
      );
      const done = (await this.ctx.runs.get(runId))!;
      const status = controller.signal.aborted ? 'cancelled' : done.targets.every((t) => t.status === 'succeeded') ? 'succeeded' : 'failed';
      await this.ctx.runs.finishRun(runId, status);
      if (status === 'failed') await this.notifyFailure(task, done);
    } catch (e) {
      this.ctx.log.error({ err: e, runId }, 'a run failed inside Gatehouse');
      await this.ctx.runs
        .finishRun(runId, 'failed', `Gatehouse could not carry out this run: ${(e as Error).message}`)
        .catch(() => undefined);
    } finally {
      this.active.delete(runId);
    }
  }

  private async runTarget(
    run: Run,
    rt: RunTarget,
    target: TargetRow | undefined,
    job: { language: 'bash' | 'sh' | 'python3'; content: string; args: string[]; timeoutMs: number },
    signal: AbortSignal,
  ): Promise<void> {
    if (signal.aborted) return this.ctx.runs.finishTarget(run.id, rt.id, 'cancelled', null, 'Cancelled before it started.');
    if (!target) return this.ctx.runs.finishTarget(run.id, rt.id, 'failed', null, 'This target was deleted.');
    await this.ctx.runs.startTarget(run.id, rt.id);
    try {
      const chain = await this.s.connect.chain(target);
      const r = await runScript({
        chain: hopsOf(chain),
        language: job.language,
        content: job.content,
        args: job.args,
        connectTimeoutMs: CHECK_TIMEOUT_MS,
        timeoutMs: job.timeoutMs,
        signal,
        onStdout: (text) => this.ctx.runs.append(run.id, rt.id, 'stdout', text),
        onStderr: (text) => this.ctx.runs.append(run.id, rt.id, 'stderr', text),
      });
      if (r.status !== 'host-key-changed' && r.fingerprints.some(Boolean)) await this.s.connect.recordContact(target, r.fingerprints);
      if (r.error) this.ctx.runs.append(run.id, rt.id, 'system', `[gatehouse] ${r.error}\n`);
      await this.ctx.runs.finishTarget(run.id, rt.id, r.status, r.exitCode, r.error);
    } catch (e) {
      await this.ctx.runs.finishTarget(run.id, rt.id, 'failed', null, (e as Error).message);
    }
  }

  private async notifyFailure(task: TaskRow, run: Run): Promise<void> {
    const failed = run.targets.filter((t) => !SUCCESS_OR_STOPPED.includes(t.status));
    // The owner hears of it (centre + e-mail); channels routed on task.failed for the project too.
    await this.notify
      .publish(null, {
        event: 'task.failed',
        kind: 'automation.run.failed',
        recipients: task.created_by === null ? [] : [task.created_by],
        severity: 'warning',
        link: `/automation/runs/${run.id}`,
        project: task.project,
        vars: {
          task: task.name,
          runId: run.id,
          failed: failed.length,
          total: run.targets.length,
          hosts: failed
            .slice(0, 10)
            .map((t) => `${t.name}: ${t.status}${t.exitCode !== null ? ` (exit ${t.exitCode})` : ''}`)
            .join('\n'),
        },
      })
      .catch((e: unknown) => this.ctx.log.warn({ err: e }, 'could not notify the task owner'));
  }

  async visibleRun(actor: Actor, runId: number): Promise<Run> {
    const run = await this.ctx.runs.get(runId);
    if (!run || run.kind !== RUN_KIND) throw new RunNotFound({ runId });
    if (!(await this.s.access.canAny(actor, ['automation.view', 'automation.tasks.run', 'automation.tasks.manage'], run.project)))
      throw new RunNotFound({ runId });
    return run;
  }

  async cancel(actor: Actor, runId: number): Promise<void> {
    const run = await this.visibleRun(actor, runId);
    await this.s.access.require(actor, 'automation.tasks.run', run.project, {
      action: 'automation.run.cancel',
      resourceType: 'run',
      resourceId: runId,
    });
    if (run.status !== 'queued' && run.status !== 'running') throw new RunFinished({ runId, status: run.status });
    await this.audit.record(this.ctx.db, {
      actor,
      action: 'automation.run.cancel',
      resourceType: 'run',
      resourceId: runId,
      project: run.project,
    });
    if (run.status === 'queued' && !this.active.has(runId)) {
      // Not picked up yet: it will never start (execute() skips runs that are not queued).
      for (const t of run.targets) await this.ctx.runs.finishTarget(runId, t.id, 'cancelled', null, 'Cancelled before it started.');
      await this.ctx.runs.finishRun(runId, 'cancelled');
    }
    await this.ctx.events.publish(CANCEL_EVENT, { runId });
  }

  async rerunFailed(actor: Actor, runId: number): Promise<number> {
    const run = await this.visibleRun(actor, runId);
    await this.s.access.require(actor, 'automation.tasks.run', run.project, {
      action: 'automation.run.rerun',
      resourceType: 'run',
      resourceId: runId,
    });
    if (run.status === 'queued' || run.status === 'running') throw new RunNotFinished({ runId });
    const failed = run.targets.filter((t) => !SUCCESS_OR_STOPPED.includes(t.status)).map((t) => Number(t.key));
    if (!failed.length) throw new NothingToRerun({ runId });
    const task = await this.taskFor(actor, Number(run.subject.id));
    return this.start(actor, task, 'rerun', { ids: failed, rerunOf: runId });
  }

  close(): void {
    for (const c of this.active.values()) c.abort();
  }
}
