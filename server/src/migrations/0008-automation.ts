import { sql, type Kysely } from 'kysely';
import { dialectOf, timeType, withId } from '../core/db/schema-helpers.js';

export async function up(db: Kysely<any>): Promise<void> {
  const d = dialectOf(db);
  const ts = timeType(d);

  // Scripts (the seed's e_script): the row holds the current version number; content lives in versions.
  await withId(db.schema.createTable('automation_scripts'), d)
    .addColumn('name', 'varchar(200)', (c) => c.notNull())
    .addColumn('language', 'varchar(16)', (c) => c.notNull())
    .addColumn('description', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('project', 'varchar(512)', (c) => c.notNull())
    .addColumn('version', 'integer', (c) => c.notNull())
    .addColumn('created_by', 'integer')
    .addColumn('created_by_name', 'varchar(255)')
    .addColumn('created_at', ts, (c) => c.notNull())
    .addColumn('updated_at', ts, (c) => c.notNull())
    .addUniqueConstraint('automation_scripts_project_name', ['project', 'name'])
    .execute();

  // Every save of a script's content or language is a new version 1, 2, 3…; a run names the one it ran.
  await withId(db.schema.createTable('automation_script_versions'), d)
    .addColumn('script_id', 'integer', (c) => c.notNull().references('automation_scripts.id').onDelete('cascade'))
    .addColumn('version', 'integer', (c) => c.notNull())
    .addColumn('language', 'varchar(16)', (c) => c.notNull())
    .addColumn('content', 'text', (c) => c.notNull())
    .addColumn('created_by', 'integer')
    .addColumn('created_by_name', 'varchar(255)')
    .addColumn('created_at', ts, (c) => c.notNull())
    .addUniqueConstraint('automation_script_versions_script_version', ['script_id', 'version'])
    .execute();

  // The seed's proxy nodes. project null = global (usable by targets of any project).
  await withId(db.schema.createTable('automation_jump_hosts'), d)
    .addColumn('name', 'varchar(200)', (c) => c.notNull())
    .addColumn('host', 'varchar(255)', (c) => c.notNull())
    .addColumn('port', 'integer', (c) => c.notNull())
    .addColumn('username', 'varchar(64)', (c) => c.notNull())
    .addColumn('project', 'varchar(512)')
    .addColumn('auth_method', 'varchar(16)', (c) => c.notNull())
    .addColumn('private_key_enc', 'text')
    .addColumn('host_fingerprint', 'varchar(128)')
    .addColumn('created_by', 'integer')
    .addColumn('created_by_name', 'varchar(255)')
    .addColumn('created_at', ts, (c) => c.notNull())
    .addColumn('updated_at', ts, (c) => c.notNull())
    .execute();
  // One name per project, global ones (null project) included: both dialects index expressions.
  await sql`create unique index automation_jump_hosts_project_name on automation_jump_hosts (coalesce(project, ''), name)`.execute(db);

  // The seed's e_script_target. labels and jump_host_ids are JSON arrays; the key is sealed.
  await withId(db.schema.createTable('automation_targets'), d)
    .addColumn('name', 'varchar(200)', (c) => c.notNull())
    .addColumn('host', 'varchar(255)', (c) => c.notNull())
    .addColumn('port', 'integer', (c) => c.notNull())
    .addColumn('username', 'varchar(64)', (c) => c.notNull())
    .addColumn('labels', 'text', (c) => c.notNull())
    .addColumn('project', 'varchar(512)', (c) => c.notNull())
    .addColumn('auth_method', 'varchar(16)', (c) => c.notNull())
    .addColumn('private_key_enc', 'text')
    .addColumn('jump_host_ids', 'text', (c) => c.notNull())
    .addColumn('host_fingerprint', 'varchar(128)')
    .addColumn('last_check_status', 'varchar(32)')
    .addColumn('last_check_at', ts)
    .addColumn('last_check_message', 'text')
    .addColumn('created_by', 'integer')
    .addColumn('created_by_name', 'varchar(255)')
    .addColumn('created_at', ts, (c) => c.notNull())
    .addColumn('updated_at', ts, (c) => c.notNull())
    .addUniqueConstraint('automation_targets_project_name', ['project', 'name'])
    .execute();

  // The seed's e_script_task (+ e_script_task_target as target_ids). script_version null = latest.
  await withId(db.schema.createTable('automation_tasks'), d)
    .addColumn('name', 'varchar(200)', (c) => c.notNull())
    .addColumn('project', 'varchar(512)', (c) => c.notNull())
    .addColumn('script_id', 'integer', (c) => c.notNull().references('automation_scripts.id'))
    .addColumn('script_version', 'integer')
    .addColumn('target_ids', 'text', (c) => c.notNull())
    .addColumn('label_selector', 'text', (c) => c.notNull())
    .addColumn('parameters', 'text', (c) => c.notNull())
    .addColumn('timeout_seconds', 'integer', (c) => c.notNull())
    .addColumn('concurrency', 'integer', (c) => c.notNull())
    .addColumn('schedule', 'varchar(128)')
    .addColumn('timezone', 'varchar(64)', (c) => c.notNull())
    .addColumn('enabled', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('created_by', 'integer')
    .addColumn('created_by_name', 'varchar(255)')
    .addColumn('created_at', ts, (c) => c.notNull())
    .addColumn('updated_at', ts, (c) => c.notNull())
    .addUniqueConstraint('automation_tasks_project_name', ['project', 'name'])
    .execute();
  await sql`create index automation_tasks_script on automation_tasks (script_id)`.execute(db);

  // Gatehouse's own ed25519 key pair: one row (id 1), written at first start, private half sealed.
  await db.schema
    .createTable('automation_key_pair')
    .addColumn('id', 'integer', (c) => c.primaryKey())
    .addColumn('public_key', 'text', (c) => c.notNull())
    .addColumn('private_key_enc', 'text', (c) => c.notNull())
    .addColumn('fingerprint', 'varchar(128)', (c) => c.notNull())
    .addColumn('created_at', ts, (c) => c.notNull())
    .execute();
}
