import { sql, type Kysely } from 'kysely';
import { dialectOf, timeType, withId } from '../core/db/schema-helpers.js';

export async function up(db: Kysely<any>): Promise<void> {
  const d = dialectOf(db);
  const ts = timeType(d);

  // One execution of anything (an SSH script on hosts, later HTTP calls): DESIGN.md "Runs".
  await withId(db.schema.createTable('runs_runs'), d)
    .addColumn('kind', 'varchar(32)', (c) => c.notNull())
    .addColumn('subject_type', 'varchar(32)', (c) => c.notNull())
    .addColumn('subject_id', 'varchar(64)', (c) => c.notNull())
    .addColumn('project', 'varchar(512)')
    .addColumn('trigger', 'varchar(16)', (c) => c.notNull())
    .addColumn('started_by', 'integer')
    .addColumn('started_by_name', 'varchar(255)')
    .addColumn('status', 'varchar(16)', (c) => c.notNull())
    .addColumn('details', 'text')
    .addColumn('error', 'text')
    .addColumn('created_at', ts, (c) => c.notNull())
    .addColumn('started_at', ts)
    .addColumn('finished_at', ts)
    .execute();
  await sql`create index runs_runs_subject on runs_runs (subject_type, subject_id, id)`.execute(db);

  await withId(db.schema.createTable('runs_targets'), d)
    .addColumn('run_id', 'integer', (c) => c.notNull().references('runs_runs.id').onDelete('cascade'))
    .addColumn('target_key', 'varchar(64)', (c) => c.notNull())
    .addColumn('name', 'varchar(255)', (c) => c.notNull())
    .addColumn('status', 'varchar(16)', (c) => c.notNull())
    .addColumn('exit_code', 'integer')
    .addColumn('error', 'text')
    .addColumn('output_bytes', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('truncated', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('started_at', ts)
    .addColumn('finished_at', ts)
    .execute();
  await sql`create index runs_targets_run on runs_targets (run_id)`.execute(db);

  // The ordered log: chunk ids are the offsets readers resume from ("after id K").
  await withId(db.schema.createTable('runs_log_chunks'), d)
    .addColumn('run_id', 'integer', (c) => c.notNull().references('runs_runs.id').onDelete('cascade'))
    .addColumn('target_id', 'integer', (c) => c.notNull())
    .addColumn('stream', 'varchar(8)', (c) => c.notNull())
    .addColumn('text', 'text', (c) => c.notNull())
    .addColumn('created_at', ts, (c) => c.notNull())
    .execute();
  await sql`create index runs_log_chunks_run on runs_log_chunks (run_id, id)`.execute(db);
}
