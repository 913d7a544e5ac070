import { sql, type Kysely } from 'kysely';
import { dialectOf, timeType, withId } from '../core/db/schema-helpers.js';

export async function up(db: Kysely<any>): Promise<void> {
  const d = dialectOf(db);
  const ts = timeType(d);
  // Seed 004's users table, plus display name, e-mail, forced-change and MFA state.
  await withId(db.schema.createTable('identity_users'), d)
    .addColumn('username', 'varchar(50)', (c) => c.notNull().unique())
    .addColumn('display_name', 'varchar(100)', (c) => c.notNull().defaultTo(''))
    .addColumn('email', 'varchar(255)')
    .addColumn('password_hash', 'varchar(255)', (c) => c.notNull())
    .addColumn('status', 'varchar(20)', (c) => c.notNull().defaultTo('active'))
    .addColumn('must_change_password', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('password_changed_at', ts, (c) => c.notNull())
    .addColumn('password_expires_at', ts, (c) => c.notNull())
    .addColumn('password_reminded_at', ts)
    .addColumn('failed_login_attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('locked_until', ts)
    .addColumn('mfa_secret', 'text')
    .addColumn('mfa_pending_secret', 'text')
    .addColumn('mfa_enabled', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('mfa_last_counter', 'integer')
    .addColumn('locale', 'varchar(10)')
    .addColumn('created_by', 'integer')
    .addColumn('created_at', ts, (c) => c.notNull())
    .addColumn('updated_at', ts, (c) => c.notNull())
    .addColumn('last_login_at', ts)
    .addColumn('last_login_ip', 'varchar(45)')
    .execute();

  await withId(db.schema.createTable('identity_recovery_codes'), d)
    .addColumn('user_id', 'integer', (c) => c.notNull().references('identity_users.id').onDelete('cascade'))
    .addColumn('code_hash', 'varchar(64)', (c) => c.notNull())
    .addColumn('used_at', ts)
    .execute();
  await sql`create index identity_recovery_codes_user on identity_recovery_codes (user_id)`.execute(db);

  // One row per signed-in session; the refresh token rotates within it and is stored hashed.
  await withId(db.schema.createTable('identity_sessions'), d)
    .addColumn('user_id', 'integer', (c) => c.notNull().references('identity_users.id').onDelete('cascade'))
    .addColumn('refresh_hash', 'varchar(64)', (c) => c.notNull().unique())
    .addColumn('previous_refresh_hash', 'varchar(64)')
    .addColumn('created_at', ts, (c) => c.notNull())
    .addColumn('refreshed_at', ts, (c) => c.notNull())
    .addColumn('expires_at', ts, (c) => c.notNull())
    .addColumn('revoked_at', ts)
    .addColumn('revoked_reason', 'varchar(50)')
    .addColumn('ip_address', 'varchar(45)')
    .addColumn('user_agent', 'text')
    .execute();
  await sql`create index identity_sessions_user on identity_sessions (user_id)`.execute(db);
  await sql`create index identity_sessions_prev on identity_sessions (previous_refresh_hash)`.execute(db);

  await withId(db.schema.createTable('identity_api_tokens'), d)
    .addColumn('user_id', 'integer', (c) => c.notNull().references('identity_users.id').onDelete('cascade'))
    .addColumn('name', 'varchar(100)', (c) => c.notNull())
    .addColumn('token_hash', 'varchar(64)', (c) => c.notNull().unique())
    .addColumn('prefix', 'varchar(16)', (c) => c.notNull())
    .addColumn('scopes', 'text', (c) => c.notNull())
    .addColumn('expires_at', ts)
    .addColumn('last_used_at', ts)
    .addColumn('revoked_at', ts)
    .addColumn('created_at', ts, (c) => c.notNull())
    .execute();

  await withId(db.schema.createTable('identity_groups'), d)
    .addColumn('name', 'varchar(100)', (c) => c.notNull().unique())
    .addColumn('description', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('created_at', ts, (c) => c.notNull())
    .execute();
  await db.schema
    .createTable('identity_group_members')
    .addColumn('group_id', 'integer', (c) => c.notNull().references('identity_groups.id').onDelete('cascade'))
    .addColumn('user_id', 'integer', (c) => c.notNull().references('identity_users.id').onDelete('cascade'))
    .addPrimaryKeyConstraint('identity_group_members_pk', ['group_id', 'user_id'])
    .execute();
  await sql`create index identity_group_members_user on identity_group_members (user_id)`.execute(db);
}
