import { sql, type Kysely } from 'kysely';
import { dialectOf, timeType, withId } from '../core/db/schema-helpers.js';

// The Jenkins stage of approvals (issue 5): which pipeline run, input and mode each request came
// from, and the build results pipelines report back (for notifications and failure streaks).
export async function up(db: Kysely<any>): Promise<void> {
  const d = dialectOf(db);
  const ts = timeType(d);

  // One row per approval requested through /api/stage/approval/wait (its facts say the same; this
  // table lets a build result without approval_id find its request).
  await withId(db.schema.createTable('approvals_stage_requests'), d)
    .addColumn('approval_id', 'integer', (c) => c.notNull().unique())
    .addColumn('server_id', 'integer')
    .addColumn('job', 'varchar(1024)', (c) => c.notNull())
    .addColumn('build', 'integer', (c) => c.notNull())
    .addColumn('input_id', 'varchar(255)')
    .addColumn('wait', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('created_at', ts, (c) => c.notNull())
    .execute();
  await sql`create index approvals_stage_requests_build on approvals_stage_requests (job, build)`.execute(db);

  // POST /api/build/result: the latest report per (project, job, build) wins.
  await withId(db.schema.createTable('approvals_build_results'), d)
    .addColumn('project', 'varchar(512)', (c) => c.notNull())
    .addColumn('environment', 'varchar(255)', (c) => c.notNull())
    .addColumn('job', 'varchar(1024)', (c) => c.notNull())
    .addColumn('build', 'integer', (c) => c.notNull())
    .addColumn('result', 'varchar(32)', (c) => c.notNull())
    .addColumn('duration_ms', 'integer')
    .addColumn('url', 'varchar(2048)')
    .addColumn('approval_id', 'integer')
    .addColumn('log_tail', 'text')
    .addColumn('reported_by', 'integer')
    .addColumn('notified_at', ts)
    .addColumn('created_at', ts, (c) => c.notNull())
    .addColumn('updated_at', ts, (c) => c.notNull())
    .addUniqueConstraint('approvals_build_results_run', ['project', 'job', 'build'])
    .execute();
}
