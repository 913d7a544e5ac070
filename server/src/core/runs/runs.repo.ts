import type { Db } from '../db/db.js';
import type { LogChunkRow, RunRow, RunsTables, RunTargetRow } from './runs.types.js';

type D = Db<RunsTables>;
const CHUNK = 500;

export async function insertRun(db: D, row: Omit<RunRow, 'id'>): Promise<number> {
  return (
    await db
      .insertInto('runs_runs')
      .values(row as never)
      .returning('id')
      .executeTakeFirstOrThrow()
  ).id;
}

export async function insertTargets(db: D, rows: Omit<RunTargetRow, 'id'>[]): Promise<void> {
  for (let i = 0; i < rows.length; i += CHUNK)
    await db
      .insertInto('runs_targets')
      .values(rows.slice(i, i + CHUNK) as never)
      .execute();
}

export const findRun = (db: D, id: number): Promise<RunRow | undefined> =>
  db.selectFrom('runs_runs').selectAll().where('id', '=', id).executeTakeFirst();

export const targetsOf = (db: D, runIds: number[]): Promise<RunTargetRow[]> =>
  runIds.length ? db.selectFrom('runs_targets').selectAll().where('run_id', 'in', runIds).orderBy('id').execute() : Promise.resolve([]);

export async function updateRun(db: D, id: number, patch: Partial<Omit<RunRow, 'id'>>): Promise<void> {
  await db.updateTable('runs_runs').set(patch).where('id', '=', id).execute();
}

export async function updateTarget(db: D, id: number, patch: Partial<Omit<RunTargetRow, 'id'>>): Promise<void> {
  await db.updateTable('runs_targets').set(patch).where('id', '=', id).execute();
}

export async function insertChunks(db: D, rows: Omit<LogChunkRow, 'id'>[]): Promise<void> {
  for (let i = 0; i < rows.length; i += CHUNK)
    await db
      .insertInto('runs_log_chunks')
      .values(rows.slice(i, i + CHUNK) as never)
      .execute();
}

export function chunksAfter(db: D, runId: number, after: number, limit: number, targetId?: number): Promise<LogChunkRow[]> {
  let q = db.selectFrom('runs_log_chunks').selectAll().where('run_id', '=', runId).where('id', '>', after);
  if (targetId !== undefined) q = q.where('target_id', '=', targetId);
  return q.orderBy('id').limit(limit).execute();
}

export function listRuns(
  db: D,
  f: { subjectType?: string; subjectIds?: string[]; kind?: string; status?: string },
  limit: number,
  offset: number,
): Promise<RunRow[]> {
  let q = db.selectFrom('runs_runs').selectAll();
  if (f.subjectType) q = q.where('subject_type', '=', f.subjectType);
  if (f.subjectIds) q = f.subjectIds.length ? q.where('subject_id', 'in', f.subjectIds) : q.where('id', '<', 0);
  if (f.kind) q = q.where('kind', '=', f.kind);
  if (f.status) q = q.where('status', '=', f.status as RunRow['status']);
  return q.orderBy('id', 'desc').limit(limit).offset(offset).execute();
}

export async function countRuns(
  db: D,
  f: { subjectType?: string; subjectIds?: string[]; kind?: string; status?: string },
): Promise<number> {
  let q = db.selectFrom('runs_runs').select((e) => e.fn.countAll<number>().as('n'));
  if (f.subjectType) q = q.where('subject_type', '=', f.subjectType);
  if (f.subjectIds) q = f.subjectIds.length ? q.where('subject_id', 'in', f.subjectIds) : q.where('id', '<', 0);
  if (f.kind) q = q.where('kind', '=', f.kind);
  if (f.status) q = q.where('status', '=', f.status as RunRow['status']);
  return Number((await q.executeTakeFirstOrThrow()).n);
}

/** Runs a dead process left unfinished. */
export const unfinishedRuns = (db: D): Promise<RunRow[]> =>
  db.selectFrom('runs_runs').selectAll().where('status', 'in', ['queued', 'running']).execute();

export async function deleteLogsBefore(db: D, before: string): Promise<number> {
  const old = db.selectFrom('runs_runs').select('id').where('finished_at', '<', before);
  const r = await db.deleteFrom('runs_log_chunks').where('run_id', 'in', old).executeTakeFirst();
  return Number(r.numDeletedRows ?? 0);
}
