import type { Db } from '../../core/db/db.js';
import type { BuildRow, JenkinsTables, SyncRow } from './jenkins.types.js';

type D = Db<JenkinsTables>;

export async function insertBuild(db: D, row: Omit<BuildRow, 'id'>): Promise<number> {
  const r = await db
    .insertInto('jenkins_builds')
    .values(row as never)
    .returning('id')
    .executeTakeFirstOrThrow();
  return r.id;
}

export const findBuildByQueue = (db: D, queueId: number): Promise<BuildRow | undefined> =>
  db.selectFrom('jenkins_builds').selectAll().where('queue_id', '=', queueId).orderBy('id', 'desc').executeTakeFirst();

export const findBuildRow = (db: D, id: number): Promise<BuildRow | undefined> =>
  db.selectFrom('jenkins_builds').selectAll().where('id', '=', id).executeTakeFirst();

export async function updateBuild(db: D, id: number, patch: Partial<Omit<BuildRow, 'id'>>): Promise<void> {
  await db.updateTable('jenkins_builds').set(patch).where('id', '=', id).execute();
}

/** Who started these build numbers through Gatehouse. */
export function buildsByNumber(db: D, project: string, branch: string, numbers: number[]): Promise<BuildRow[]> {
  if (!numbers.length) return Promise.resolve([]);
  return db
    .selectFrom('jenkins_builds')
    .selectAll()
    .where('project', '=', project)
    .where('branch', '=', branch)
    .where('number', 'in', numbers)
    .execute();
}

export async function insertSync(db: D, row: Omit<SyncRow, 'id'>): Promise<number> {
  const r = await db
    .insertInto('jenkins_syncs')
    .values(row as never)
    .returning('id')
    .executeTakeFirstOrThrow();
  return r.id;
}

export const findSync = (db: D, id: number): Promise<SyncRow | undefined> =>
  db.selectFrom('jenkins_syncs').selectAll().where('id', '=', id).executeTakeFirst();

export const latestSync = (db: D): Promise<SyncRow | undefined> =>
  db.selectFrom('jenkins_syncs').selectAll().orderBy('id', 'desc').limit(1).executeTakeFirst();

/**
 * What the list pages need to say whether the data is stale: two narrow reads on every list call
 * (a sync row's `changes` can hold thousands of names, so never `selectAll` here).
 */
export async function syncFreshness(db: D): Promise<{ lastStatus: string | null; syncedAt: string | null }> {
  const [last, good] = await Promise.all([
    db.selectFrom('jenkins_syncs').select('status').orderBy('id', 'desc').limit(1).executeTakeFirst(),
    db
      .selectFrom('jenkins_syncs')
      .select('finished_at')
      .where('status', '=', 'succeeded')
      .orderBy('id', 'desc')
      .limit(1)
      .executeTakeFirst(),
  ]);
  return { lastStatus: last?.status ?? null, syncedAt: good?.finished_at ?? null };
}

export const runningSync = (db: D): Promise<SyncRow | undefined> =>
  db.selectFrom('jenkins_syncs').selectAll().where('status', '=', 'running').orderBy('id', 'desc').limit(1).executeTakeFirst();

export async function updateSync(db: D, id: number, patch: Partial<Omit<SyncRow, 'id'>>): Promise<void> {
  await db.updateTable('jenkins_syncs').set(patch).where('id', '=', id).execute();
}

export async function keptOrphans(db: D): Promise<Set<number>> {
  const rows = await db.selectFrom('jenkins_kept_orphans').select('grant_id').execute();
  return new Set(rows.map((r) => r.grant_id));
}

export async function keepOrphan(db: D, grantId: number, by: number | null, at: string): Promise<void> {
  await db.deleteFrom('jenkins_kept_orphans').where('grant_id', '=', grantId).execute();
  await db.insertInto('jenkins_kept_orphans').values({ grant_id: grantId, kept_by: by, kept_at: at }).execute();
}
