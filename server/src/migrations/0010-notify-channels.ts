import { sql, type Kysely } from 'kysely';
import { dialectOf, timeType, withId } from '../core/db/schema-helpers.js';

// Notification channels (chat webhooks, plain JSON webhooks, Telegram chats, e-mail lists) and a
// delivery log that says which channel and event a delivery was for and what the far side answered.
export async function up(db: Kysely<any>): Promise<void> {
  const d = dialectOf(db);
  const ts = timeType(d);

  // config: non-secret settings per type (JSON). url_enc / secret_enc: sealed with ctx.secrets — for
  // the chat platforms the URL itself is the credential; secret is a signing secret. events: JSON
  // array of event names or globs ([] = every event that is not personal). project/environment:
  // patterns ('*', exact, glob, /regex/). language null = notify.language. template null = built-in.
  await withId(db.schema.createTable('notify_channels'), d)
    .addColumn('name', 'varchar(200)', (c) => c.notNull().unique())
    .addColumn('type', 'varchar(16)', (c) => c.notNull())
    .addColumn('config', 'text', (c) => c.notNull())
    .addColumn('url_enc', 'text')
    .addColumn('secret_enc', 'text')
    .addColumn('events', 'text', (c) => c.notNull())
    .addColumn('project', 'varchar(200)', (c) => c.notNull().defaultTo('*'))
    .addColumn('environment', 'varchar(200)', (c) => c.notNull().defaultTo('*'))
    .addColumn('language', 'varchar(8)')
    .addColumn('template', 'text')
    .addColumn('enabled', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('created_by', 'integer')
    .addColumn('created_by_name', 'varchar(255)')
    .addColumn('created_at', ts, (c) => c.notNull())
    .addColumn('updated_at', ts, (c) => c.notNull())
    .execute();

  // One alter per column: SQLite adds only one column per statement.
  const add = (name: string, type: string | ReturnType<typeof timeType>) =>
    db.schema
      .alterTable('notify_deliveries')
      .addColumn(name, type as never)
      .execute();
  await add('channel_id', 'integer'); // null: e-mail to a user (publish) or notify.email()
  await add('event', 'varchar(64)');
  await add('user_id', 'integer');
  await add('message', 'text'); // the rendered message (JSON) the job sends
  await add('request_excerpt', 'text');
  await add('response_status', 'integer');
  await add('response_excerpt', 'text');
  await add('next_attempt_at', ts);
  await add('updated_at', ts);
  await sql`create index notify_deliveries_channel on notify_deliveries (channel_id, id)`.execute(db);
  await sql`create index notify_deliveries_status on notify_deliveries (status, id)`.execute(db);
}
