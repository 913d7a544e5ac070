import type { Db } from '../../core/db/db.js';
import type { JenkinsTables, ServerRow } from './jenkins.types.js';

type D = Db<JenkinsTables>;

export const listServers = (db: D): Promise<ServerRow[]> => db.selectFrom('jenkins_servers').selectAll().orderBy('id').execute();

export const findServer = (db: D, id: number): Promise<ServerRow | undefined> =>
  db.selectFrom('jenkins_servers').selectAll().where('id', '=', id).executeTakeFirst();

export const findServerByName = (db: D, name: string): Promise<ServerRow | undefined> =>
  db.selectFrom('jenkins_servers').selectAll().where('name', '=', name).executeTakeFirst();

export const findConfigServer = (db: D): Promise<ServerRow | undefined> =>
  db.selectFrom('jenkins_servers').selectAll().where('from_config', '=', 1).executeTakeFirst();

export async function insertServer(db: D, row: Omit<ServerRow, 'id'>): Promise<number> {
  const r = await db
    .insertInto('jenkins_servers')
    .values(row as never)
    .returning('id')
    .executeTakeFirstOrThrow();
  return r.id;
}

export async function updateServer(db: D, id: number, patch: Partial<Omit<ServerRow, 'id'>>): Promise<void> {
  await db.updateTable('jenkins_servers').set(patch).where('id', '=', id).execute();
}

export async function deleteServer(db: D, id: number): Promise<void> {
  // Children first: SQLite enforces the foreign keys, and PostgreSQL cascades either way.
  const projects = db.selectFrom('jenkins_projects').select('id').where('server_id', '=', id);
  await db.deleteFrom('jenkins_branches').where('project_id', 'in', projects).execute();
  await db.deleteFrom('jenkins_projects').where('server_id', '=', id).execute();
  await db.deleteFrom('jenkins_builds').where('server_id', '=', id).execute();
  await db.deleteFrom('jenkins_servers').where('id', '=', id).execute();
}
