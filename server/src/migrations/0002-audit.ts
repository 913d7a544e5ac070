import { sql, type Kysely } from 'kysely';
import { dialectOf, timeType, withId } from '../core/db/schema-helpers.js';

export async function up(db: Kysely<any>): Promise<void> {
  const d = dialectOf(db);
  const ts = timeType(d);
  // Seed 004's audit_logs, plus who by name (kept when a user is deleted), project, outcome and the
  // hash chain. No foreign key to users: the trail must outlive the accounts it names.
  await withId(db.schema.createTable('audit_events'), d)
    .addColumn('user_id', 'integer')
    .addColumn('username', 'varchar(100)')
    .addColumn('action', 'varchar(100)', (c) => c.notNull())
    .addColumn('resource_type', 'varchar(50)')
    .addColumn('resource_id', 'varchar(255)')
    .addColumn('project', 'varchar(255)')
    .addColumn('outcome', 'varchar(16)', (c) => c.notNull())
    .addColumn('details', 'text')
    .addColumn('ip_address', 'varchar(45)')
    .addColumn('user_agent', 'text')
    .addColumn('created_at', ts, (c) => c.notNull())
    .addColumn('prev_hash', 'varchar(64)', (c) => c.notNull())
    .addColumn('hash', 'varchar(64)', (c) => c.notNull())
    .execute();
  await sql`create index audit_events_user_time on audit_events (user_id, created_at)`.execute(db);
  await sql`create index audit_events_action on audit_events (action)`.execute(db);
  await sql`create index audit_events_time on audit_events (created_at)`.execute(db);
  await sql`create index audit_events_project on audit_events (project)`.execute(db);

  // Append-only at the database level too: updates and deletes are refused.
  if (d === 'postgres') {
    await sql`create function audit_events_append_only() returns trigger language plpgsql as $$
      begin raise exception 'audit_events is append-only'; end $$`.execute(db);
    await sql`create trigger audit_events_no_update before update or delete on audit_events
      for each row execute function audit_events_append_only()`.execute(db);
  } else {
    await sql`create trigger audit_events_no_update before update on audit_events
      begin select raise(abort, 'audit_events is append-only'); end`.execute(db);
    await sql`create trigger audit_events_no_delete before delete on audit_events
      begin select raise(abort, 'audit_events is append-only'); end`.execute(db);
  }
}
