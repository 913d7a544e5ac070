import type { Kysely } from 'kysely';
import type { Clock } from '../clock.js';
import type { EventBus } from '../events/event-bus.js';
import * as repo from './runs.repo.js';
import {
  toRun,
  type LogChunk,
  type LogStream,
  type Run,
  type RunRow,
  type RunsTables,
  type RunStatus,
  type TargetStatus,
} from './runs.types.js';

export const RUN_LOG_EVENT = 'run.log';
export const RUN_UPDATED_EVENT = 'run.updated';
const FLUSH_MS = 100;
const FLUSH_BYTES = 256 * 1024;

export interface NewRun {
  kind: string;
  subject: { type: string; id: string | number };
  project?: string | null;
  trigger: 'manual' | 'schedule' | 'rerun' | 'api';
  startedBy?: { id: number; name: string } | null;
  details?: Record<string, unknown>;
  targets: { key: string | number; name: string }[];
}

interface Pending {
  run_id: number;
  target_id: number;
  stream: LogStream;
  text: string;
  created_at: string;
}

/**
 * Runs, their targets and their ordered logs. Appending output is cheap: lines are buffered and
 * written every 100 ms as one multi-row insert, then one small event (the run id) tells live
 * viewers to read on. Each target's output is capped; past the cap a single visible mark is
 * written and the rest is counted, not kept.
 */
export class RunStore {
  private pending: Pending[] = [];
  private pendingBytes = 0;
  private timer: NodeJS.Timeout | null = null;
  private flushing: Promise<void> = Promise.resolve();
  private readonly bytes = new Map<number, { kept: number; seen: number; truncated: boolean }>();

  constructor(
    private readonly db: Kysely<RunsTables>,
    private readonly clock: Clock,
    private readonly events: EventBus,
    private readonly capBytes: () => number,
  ) {}

  private now(): string {
    return this.clock.now().toISOString();
  }

  /** Create a run with its targets; pass the caller's transaction to commit with its audit event. */
  async create(n: NewRun, outer?: Kysely<any>): Promise<Run> {
    const write = async (trx: Kysely<RunsTables>) => {
      const id = await repo.insertRun(trx, {
        kind: n.kind,
        subject_type: n.subject.type,
        subject_id: String(n.subject.id),
        project: n.project ?? null,
        trigger: n.trigger,
        started_by: n.startedBy?.id ?? null,
        started_by_name: n.startedBy?.name ?? null,
        status: 'queued',
        details: n.details ? JSON.stringify(n.details) : null,
        error: null,
        created_at: this.now(),
        started_at: null,
        finished_at: null,
      });
      await repo.insertTargets(
        trx,
        n.targets.map((t) => ({
          run_id: id,
          target_key: String(t.key),
          name: t.name,
          status: 'queued' as const,
          exit_code: null,
          error: null,
          output_bytes: 0,
          truncated: 0,
          started_at: null,
          finished_at: null,
        })),
      );
      return id;
    };
    const id = outer ? await write(outer as Kysely<RunsTables>) : await this.db.transaction().execute(write);
    const row = await repo.findRun(outer ?? this.db, id);
    return toRun(row!, await repo.targetsOf(outer ?? this.db, [id]));
  }

  async get(id: number): Promise<Run | null> {
    const row = await repo.findRun(this.db, id);
    if (!row) return null;
    return toRun(row, await repo.targetsOf(this.db, [id]));
  }

  async list(f: { subjectType?: string; subjectIds?: string[]; kind?: string; status?: string }, limit: number, offset: number) {
    const [rows, total] = await Promise.all([repo.listRuns(this.db, f, limit, offset), repo.countRuns(this.db, f)]);
    const targets = await repo.targetsOf(
      this.db,
      rows.map((r) => r.id),
    );
    return {
      items: rows.map((r) =>
        toRun(
          r,
          targets.filter((t) => t.run_id === r.id),
        ),
      ),
      total,
    };
  }

  async startRun(id: number): Promise<void> {
    await repo.updateRun(this.db, id, { status: 'running', started_at: this.now() });
    await this.events.publish(RUN_UPDATED_EVENT, { runId: id });
  }

  async startTarget(runId: number, targetId: number): Promise<void> {
    await repo.updateTarget(this.db, targetId, { status: 'running', started_at: this.now() });
    await this.events.publish(RUN_UPDATED_EVENT, { runId });
  }

  /** Keep output of one target and stream (capped). Never throws: a log write must not fail a run. */
  append(runId: number, targetId: number, stream: LogStream, text: string): void {
    if (!text) return;
    const b = this.bytes.get(targetId) ?? { kept: 0, seen: 0, truncated: false };
    this.bytes.set(targetId, b);
    const size = Buffer.byteLength(text);
    b.seen += size;
    if (b.truncated) return;
    const room = this.capBytes() - b.kept;
    if (size > room) {
      const head =
        room > 0
          ? Buffer.from(text)
              .subarray(0, room)
              .toString('utf8')
              .replace(/\uFFFD$/, '')
          : '';
      if (head) this.push(runId, targetId, stream, head);
      b.kept += Buffer.byteLength(head);
      b.truncated = true;
      this.push(runId, targetId, 'system', `\n[output truncated by Gatehouse after ${this.capBytes()} bytes]\n`);
      return;
    }
    b.kept += size;
    this.push(runId, targetId, stream, text);
  }

  private push(runId: number, targetId: number, stream: LogStream, text: string): void {
    this.pending.push({ run_id: runId, target_id: targetId, stream, text, created_at: this.now() });
    this.pendingBytes += text.length;
    if (this.pendingBytes >= FLUSH_BYTES) void this.flush();
    else this.timer ??= setTimeout(() => void this.flush(), FLUSH_MS);
  }

  /** Write what is buffered (serialised, so chunk ids keep the order lines arrived in). */
  flush(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const batch = this.pending;
    this.pending = [];
    this.pendingBytes = 0;
    this.flushing = this.flushing.then(async () => {
      if (!batch.length) return;
      try {
        await repo.insertChunks(this.db, batch);
      } catch {
        // The database refused the batch (it is down): the lines are lost, the run goes on.
        return;
      }
      for (const runId of new Set(batch.map((p) => p.run_id))) await this.events.publish(RUN_LOG_EVENT, { runId });
    });
    return this.flushing;
  }

  async finishTarget(runId: number, targetId: number, status: TargetStatus, exitCode: number | null, error?: string | null): Promise<void> {
    await this.flush();
    const b = this.bytes.get(targetId);
    this.bytes.delete(targetId);
    await repo.updateTarget(this.db, targetId, {
      status,
      exit_code: exitCode,
      error: error ?? null,
      finished_at: this.now(),
      output_bytes: b?.seen ?? 0,
      truncated: b?.truncated ? 1 : 0,
    });
    await this.events.publish(RUN_UPDATED_EVENT, { runId });
  }

  async finishRun(id: number, status: RunStatus, error?: string | null): Promise<void> {
    await this.flush();
    await repo.updateRun(this.db, id, { status, error: error ?? null, finished_at: this.now() });
    await this.events.publish(RUN_UPDATED_EVENT, { runId: id });
  }

  async readLog(runId: number, after: number, limit = 2000, targetId?: number): Promise<{ chunks: LogChunk[]; next: number }> {
    const rows = await repo.chunksAfter(this.db, runId, after, limit, targetId);
    return {
      chunks: rows.map((r) => ({ id: r.id, targetId: r.target_id, stream: r.stream, text: r.text })),
      next: rows.length ? rows[rows.length - 1].id : after,
    };
  }

  /** A target's whole kept output, per stream (the cap bounds it). */
  async outputOf(runId: number): Promise<Map<number, { stdout: string; stderr: string; system: string }>> {
    const out = new Map<number, { stdout: string; stderr: string; system: string }>();
    let after = 0;
    for (;;) {
      const { chunks, next } = await this.readLog(runId, after, 5000);
      for (const c of chunks) {
        const o = out.get(c.targetId) ?? { stdout: '', stderr: '', system: '' };
        o[c.stream] += c.text;
        out.set(c.targetId, o);
      }
      if (chunks.length < 5000) return out;
      after = next;
    }
  }

  /** At start: runs a dead process left running are marked interrupted (with their targets). */
  async interruptLeftovers(): Promise<RunRow[]> {
    const rows = await repo.unfinishedRuns(this.db);
    for (const r of rows) {
      for (const t of await repo.targetsOf(this.db, [r.id]))
        if (t.status === 'queued' || t.status === 'running')
          await repo.updateTarget(this.db, t.id, { status: 'interrupted', finished_at: this.now() });
      await repo.updateRun(this.db, r.id, {
        status: 'interrupted',
        finished_at: this.now(),
        error: 'Gatehouse stopped while this run was going on.',
      });
    }
    return rows;
  }

  pruneLogs(before: Date): Promise<number> {
    return repo.deleteLogsBefore(this.db, before.toISOString());
  }

  async close(): Promise<void> {
    await this.flush();
  }
}
