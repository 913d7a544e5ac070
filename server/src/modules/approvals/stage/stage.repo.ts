import type { Db } from '../../../core/db/db.js';
import type { BuildResultRow, StageRequestRow, StageTables } from './stage.types.js';

type D = Db<StageTables>;

/** Remember where a request came from; a second call for the same approval changes nothing. */
export async function insertStageRequest(db: D, row: Omit<StageRequestRow, 'id'>): Promise<void> {
  await db
    .insertInto('approvals_stage_requests')
    .values(row as never)
    .onConflict((oc) => oc.column('approval_id').doNothing())
    .execute();
}

export const findStageRequest = (db: D, approvalId: number): Promise<StageRequestRow | undefined> =>
  db.selectFrom('approvals_stage_requests').selectAll().where('approval_id', '=', approvalId).executeTakeFirst();

/** The newest request of a pipeline run (a build result without approval_id links to it). */
export const latestStageRequestOf = (db: D, job: string, build: number): Promise<StageRequestRow | undefined> =>
  db
    .selectFrom('approvals_stage_requests')
    .selectAll()
    .where('job', '=', job)
    .where('build', '=', build)
    .orderBy('id', 'desc')
    .limit(1)
    .executeTakeFirst();

export type BuildResultInput = Omit<BuildResultRow, 'id' | 'notified_at' | 'created_at' | 'updated_at'>;

/** Insert or replace the report of one run; returns its id and whether it was new. */
export async function upsertBuildResult(db: D, row: BuildResultInput, now: string): Promise<{ id: number; created: boolean }> {
  const existing = await db
    .selectFrom('approvals_build_results')
    .select(['id', 'result'])
    .where('project', '=', row.project)
    .where('job', '=', row.job)
    .where('build', '=', row.build)
    .executeTakeFirst();
  if (existing) {
    // A repeated report (a retried post step) notifies again only when it changes the result.
    const again = existing.result !== row.result ? { notified_at: null } : {};
    await db
      .updateTable('approvals_build_results')
      .set({ ...row, ...again, updated_at: now })
      .where('id', '=', existing.id)
      .execute();
    return { id: existing.id, created: false };
  }
  const r = await db
    .insertInto('approvals_build_results')
    .values({ ...row, notified_at: null, created_at: now, updated_at: now } as never)
    .returning('id')
    .executeTakeFirstOrThrow();
  return { id: r.id, created: true };
}

export const findBuildResult = (db: D, id: number): Promise<BuildResultRow | undefined> =>
  db.selectFrom('approvals_build_results').selectAll().where('id', '=', id).executeTakeFirst();

export async function updateBuildResult(db: D, id: number, patch: Partial<Omit<BuildResultRow, 'id'>>): Promise<void> {
  await db.updateTable('approvals_build_results').set(patch).where('id', '=', id).execute();
}

/** The newest results of a job in a project, up to and including `build`, newest first. */
export function recentResults(
  db: D,
  project: string,
  job: string,
  build: number,
  limit: number,
): Promise<Pick<BuildResultRow, 'build' | 'result'>[]> {
  return db
    .selectFrom('approvals_build_results')
    .select(['build', 'result'])
    .where('project', '=', project)
    .where('job', '=', job)
    .where('build', '<=', build)
    .orderBy('build', 'desc')
    .limit(limit)
    .execute();
}
