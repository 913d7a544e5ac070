import { sql, type Kysely } from 'kysely';
import { dialectOf, timeType, withId } from '../core/db/schema-helpers.js';

export async function up(db: Kysely<any>): Promise<void> {
  const d = dialectOf(db);
  const ts = timeType(d);
  await withId(db.schema.createTable('access_roles'), d)
    .addColumn('name', 'varchar(64)', (c) => c.notNull().unique())
    .addColumn('display_name', 'varchar(100)', (c) => c.notNull())
    .addColumn('description', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('permissions', 'text', (c) => c.notNull())
    .addColumn('builtin', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('created_at', ts, (c) => c.notNull())
    .addColumn('updated_at', ts, (c) => c.notNull())
    .execute();

  // A grant gives a role or a single permission to a user or group on a scope. Each scope part is
  // '*' (any), an exact name, a glob such as feature/*, or a /regex/.
  await withId(db.schema.createTable('access_grants'), d)
    .addColumn('subject_type', 'varchar(10)', (c) => c.notNull())
    .addColumn('subject_id', 'integer', (c) => c.notNull())
    .addColumn('role_id', 'integer', (c) => c.references('access_roles.id').onDelete('cascade'))
    .addColumn('permission', 'varchar(100)')
    .addColumn('project', 'varchar(255)', (c) => c.notNull().defaultTo('*'))
    .addColumn('branch', 'varchar(255)', (c) => c.notNull().defaultTo('*'))
    .addColumn('environment', 'varchar(255)', (c) => c.notNull().defaultTo('*'))
    .addColumn('template_id', 'integer')
    .addColumn('granted_by', 'integer')
    .addColumn('granted_at', ts, (c) => c.notNull())
    .execute();
  await sql`create index access_grants_subject on access_grants (subject_type, subject_id)`.execute(db);

  await withId(db.schema.createTable('access_templates'), d)
    .addColumn('name', 'varchar(100)', (c) => c.notNull().unique())
    .addColumn('description', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('grants', 'text', (c) => c.notNull())
    .addColumn('created_by', 'integer')
    .addColumn('created_at', ts, (c) => c.notNull())
    .addColumn('updated_at', ts, (c) => c.notNull())
    .execute();
}
