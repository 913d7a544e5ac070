import { sql, type Kysely } from 'kysely';
import { dialectOf, timeType, withId } from '../core/db/schema-helpers.js';

export async function up(db: Kysely<any>): Promise<void> {
  const d = dialectOf(db);
  const ts = timeType(d);

  // Jenkins servers Gatehouse talks to; the API token is sealed with the master key.
  await withId(db.schema.createTable('jenkins_servers'), d)
    .addColumn('name', 'varchar(64)', (c) => c.notNull().unique())
    .addColumn('url', 'text', (c) => c.notNull())
    .addColumn('username', 'varchar(255)', (c) => c.notNull())
    .addColumn('token_enc', 'text', (c) => c.notNull())
    .addColumn('proxy_url', 'text')
    .addColumn('from_config', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('created_at', ts, (c) => c.notNull())
    .addColumn('updated_at', ts, (c) => c.notNull())
    .execute();

  // What the last sync saw. Removed items keep their row (removed_at) so orphan grants can be shown.
  await withId(db.schema.createTable('jenkins_projects'), d)
    .addColumn('server_id', 'integer', (c) => c.notNull().references('jenkins_servers.id').onDelete('cascade'))
    .addColumn('name', 'varchar(512)', (c) => c.notNull().unique())
    .addColumn('path', 'text', (c) => c.notNull())
    .addColumn('kind', 'varchar(32)', (c) => c.notNull())
    .addColumn('description', 'text')
    .addColumn('url', 'text', (c) => c.notNull())
    .addColumn('removed_at', ts)
    .addColumn('first_seen_at', ts, (c) => c.notNull())
    .addColumn('synced_at', ts, (c) => c.notNull())
    .execute();

  await withId(db.schema.createTable('jenkins_branches'), d)
    .addColumn('project_id', 'integer', (c) => c.notNull().references('jenkins_projects.id').onDelete('cascade'))
    .addColumn('name', 'varchar(512)', (c) => c.notNull())
    .addColumn('item_name', 'varchar(1024)', (c) => c.notNull())
    .addColumn('buildable', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('last_number', 'integer')
    .addColumn('last_result', 'varchar(32)')
    .addColumn('last_building', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('last_at', ts)
    .addColumn('last_duration_ms', 'bigint')
    .addColumn('commit_id', 'varchar(128)')
    .addColumn('commit_message', 'text')
    .addColumn('commit_author', 'varchar(255)')
    .addColumn('removed_at', ts)
    .addColumn('synced_at', ts, (c) => c.notNull())
    .addUniqueConstraint('jenkins_branches_project_name', ['project_id', 'name'])
    .execute();

  await withId(db.schema.createTable('jenkins_syncs'), d)
    .addColumn('status', 'varchar(16)', (c) => c.notNull())
    .addColumn('trigger', 'varchar(16)', (c) => c.notNull())
    .addColumn('started_by', 'integer')
    .addColumn('started_at', ts, (c) => c.notNull())
    .addColumn('finished_at', ts)
    .addColumn('done', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('total', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('projects', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('branches', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('changes', 'text')
    .addColumn('error', 'text')
    .execute();

  // Builds started through Gatehouse: who asked, with which (masked) parameters, and the queue → number link.
  await withId(db.schema.createTable('jenkins_builds'), d)
    .addColumn('server_id', 'integer', (c) => c.notNull().references('jenkins_servers.id').onDelete('cascade'))
    .addColumn('project', 'varchar(512)', (c) => c.notNull())
    .addColumn('branch', 'varchar(512)', (c) => c.notNull())
    .addColumn('queue_id', 'integer', (c) => c.notNull())
    .addColumn('number', 'integer')
    .addColumn('status', 'varchar(16)', (c) => c.notNull())
    .addColumn('why', 'text')
    .addColumn('user_id', 'integer')
    .addColumn('username', 'varchar(255)')
    .addColumn('parameters', 'text')
    .addColumn('queued_at', ts, (c) => c.notNull())
    .addColumn('started_at', ts)
    .execute();
  await sql`create index jenkins_builds_queue on jenkins_builds (server_id, queue_id)`.execute(db);
  await sql`create index jenkins_builds_number on jenkins_builds (project, branch, number)`.execute(db);

  await db.schema
    .createTable('jenkins_favourites')
    .addColumn('user_id', 'integer', (c) => c.notNull())
    .addColumn('project', 'varchar(512)', (c) => c.notNull())
    .addColumn('created_at', ts, (c) => c.notNull())
    .addPrimaryKeyConstraint('jenkins_favourites_pk', ['user_id', 'project'])
    .execute();

  // Orphan grants an admin chose to keep (the project or branch may come back).
  await db.schema
    .createTable('jenkins_kept_orphans')
    .addColumn('grant_id', 'integer', (c) => c.primaryKey())
    .addColumn('kept_by', 'integer')
    .addColumn('kept_at', ts, (c) => c.notNull())
    .execute();
}
