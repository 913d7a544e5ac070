import type { Kysely } from 'kysely';
import { dialectOf, timeType, withId } from '../core/db/schema-helpers.js';

// Approval policies, requests, their frozen approvers, votes and history (issue 5).
export async function up(db: Kysely<any>): Promise<void> {
  const d = dialectOf(db);
  const ts = timeType(d);

  // levels and reminder are JSON; null timeout/action/reminder fall back to the approvals config.
  await withId(db.schema.createTable('approvals_policies'), d)
    .addColumn('name', 'varchar(200)', (c) => c.notNull().unique())
    .addColumn('project', 'varchar(512)', (c) => c.notNull())
    .addColumn('environment', 'varchar(255)', (c) => c.notNull())
    .addColumn('levels', 'text', (c) => c.notNull())
    .addColumn('timeout_minutes', 'real')
    .addColumn('timeout_action', 'varchar(16)')
    .addColumn('allow_self_approval', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('reminder', 'text')
    .addColumn('enabled', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('created_by', 'integer')
    .addColumn('created_at', ts, (c) => c.notNull())
    .addColumn('updated_at', ts, (c) => c.notNull())
    .execute();

  // One request. levels is the policy's levels frozen at creation (name, mode, required, state).
  await withId(db.schema.createTable('approvals_requests'), d)
    .addColumn('subject_type', 'varchar(64)', (c) => c.notNull())
    .addColumn('subject_id', 'varchar(1024)', (c) => c.notNull())
    .addColumn('project', 'varchar(512)', (c) => c.notNull())
    .addColumn('environment', 'varchar(255)', (c) => c.notNull())
    .addColumn('summary', 'varchar(1000)', (c) => c.notNull())
    .addColumn('description', 'text')
    .addColumn('version', 'varchar(255)')
    .addColumn('action', 'varchar(255)')
    .addColumn('facts', 'text', (c) => c.notNull())
    .addColumn('policy_id', 'integer')
    .addColumn('policy_name', 'varchar(200)')
    .addColumn('levels', 'text', (c) => c.notNull())
    .addColumn('current_level', 'integer', (c) => c.notNull())
    .addColumn('level_count', 'integer', (c) => c.notNull())
    .addColumn('status', 'varchar(16)', (c) => c.notNull())
    .addColumn('urgent', 'integer', (c) => c.notNull())
    .addColumn('allow_self_approval', 'integer', (c) => c.notNull())
    .addColumn('timeout_action', 'varchar(16)', (c) => c.notNull())
    .addColumn('reminder', 'text', (c) => c.notNull())
    .addColumn('reminders_sent', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('next_reminder_at', ts)
    .addColumn('requested_by', 'integer')
    .addColumn('dedupe_key', 'varchar(1024)', (c) => c.unique())
    .addColumn('created_at', ts, (c) => c.notNull())
    .addColumn('deadline_at', ts, (c) => c.notNull())
    .addColumn('decided_at', ts)
    .addColumn('decided_by', 'integer')
    .addColumn('comment', 'text')
    .addColumn('reason', 'text')
    .addColumn('follow_up', 'varchar(16)', (c) => c.notNull())
    .addColumn('follow_up_error', 'text')
    .addColumn('work_started_at', ts)
    .addColumn('updated_at', ts, (c) => c.notNull())
    .execute();
  await db.schema.createIndex('approvals_requests_status').on('approvals_requests').columns(['status', 'id']).execute();
  await db.schema.createIndex('approvals_requests_project').on('approvals_requests').columns(['project', 'environment']).execute();
  await db.schema.createIndex('approvals_requests_subject').on('approvals_requests').columns(['subject_type', 'subject_id']).execute();

  // The approvers of each level, expanded from users/groups/roles when the request was made.
  await db.schema
    .createTable('approvals_approvers')
    .addColumn('request_id', 'integer', (c) => c.notNull().references('approvals_requests.id').onDelete('cascade'))
    .addColumn('level', 'integer', (c) => c.notNull())
    .addColumn('user_id', 'integer', (c) => c.notNull())
    .addPrimaryKeyConstraint('approvals_approvers_pk', ['request_id', 'level', 'user_id'])
    .execute();
  await db.schema.createIndex('approvals_approvers_user').on('approvals_approvers').columns(['user_id', 'request_id']).execute();

  // One vote per approver and level; a changed vote updates the row (history keeps the old one).
  await withId(db.schema.createTable('approvals_votes'), d)
    .addColumn('request_id', 'integer', (c) => c.notNull().references('approvals_requests.id').onDelete('cascade'))
    .addColumn('level', 'integer', (c) => c.notNull())
    .addColumn('user_id', 'integer', (c) => c.notNull())
    .addColumn('decision', 'varchar(16)', (c) => c.notNull())
    .addColumn('comment', 'text')
    .addColumn('via', 'varchar(16)', (c) => c.notNull())
    .addColumn('at', ts, (c) => c.notNull())
    .addUniqueConstraint('approvals_votes_one', ['request_id', 'level', 'user_id'])
    .execute();

  await withId(db.schema.createTable('approvals_history'), d)
    .addColumn('request_id', 'integer', (c) => c.notNull().references('approvals_requests.id').onDelete('cascade'))
    .addColumn('action', 'varchar(32)', (c) => c.notNull())
    .addColumn('user_id', 'integer')
    .addColumn('username', 'varchar(255)')
    .addColumn('via', 'varchar(16)')
    .addColumn('comment', 'text')
    .addColumn('level', 'integer')
    .addColumn('at', ts, (c) => c.notNull())
    .execute();
  await db.schema.createIndex('approvals_history_request').on('approvals_history').columns(['request_id', 'id']).execute();
}
