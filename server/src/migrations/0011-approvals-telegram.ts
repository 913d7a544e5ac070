import { sql, type Kysely } from 'kysely';
import { dialectOf, timeType, withId } from '../core/db/schema-helpers.js';

// Telegram links, link codes, sent messages, button tokens and reason prompts (issue 5).
// Telegram ids reach 52 bits: they are stored as text so both dialects read them back exactly.
export async function up(db: Kysely<any>): Promise<void> {
  const d = dialectOf(db);
  const ts = timeType(d);

  // One Telegram account per Gatehouse user and one user per Telegram account.
  await withId(db.schema.createTable('approvals_telegram_links'), d)
    .addColumn('user_id', 'integer', (c) => c.notNull().unique().references('identity_users.id').onDelete('cascade'))
    .addColumn('telegram_user_id', 'varchar(32)', (c) => c.notNull().unique())
    .addColumn('telegram_username', 'varchar(64)')
    .addColumn('chat_id', 'varchar(32)', (c) => c.notNull())
    .addColumn('linked_at', ts, (c) => c.notNull())
    .execute();

  // Short one-use codes from the profile page; only a hash is kept.
  await withId(db.schema.createTable('approvals_telegram_link_codes'), d)
    .addColumn('user_id', 'integer', (c) => c.notNull().references('identity_users.id').onDelete('cascade'))
    .addColumn('code_hash', 'varchar(64)', (c) => c.notNull().unique())
    .addColumn('created_at', ts, (c) => c.notNull())
    .addColumn('expires_at', ts, (c) => c.notNull())
    .addColumn('used_at', ts)
    .execute();

  // Every message the bot sent about a request, so a decision can edit all of them.
  await withId(db.schema.createTable('approvals_telegram_messages'), d)
    .addColumn('approval_id', 'integer', (c) => c.notNull().references('approvals_requests.id').onDelete('cascade'))
    .addColumn('chat_id', 'varchar(32)', (c) => c.notNull())
    .addColumn('message_id', 'integer', (c) => c.notNull())
    .addColumn('kind', 'varchar(16)', (c) => c.notNull())
    .addColumn('reminder', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('lang', 'varchar(8)', (c) => c.notNull())
    .addColumn('created_at', ts, (c) => c.notNull())
    .addColumn('final_status', 'varchar(16)')
    .addColumn('edited_at', ts)
    .addUniqueConstraint('approvals_telegram_messages_once', ['approval_id', 'chat_id', 'kind', 'reminder'])
    .execute();
  await sql`create index approvals_telegram_messages_chat on approvals_telegram_messages (chat_id, message_id)`.execute(db);

  // Opaque button payloads (callback_data is limited to 64 bytes): token → request + action.
  await withId(db.schema.createTable('approvals_telegram_callbacks'), d)
    .addColumn('token', 'varchar(32)', (c) => c.notNull().unique())
    .addColumn('approval_id', 'integer', (c) => c.notNull().references('approvals_requests.id').onDelete('cascade'))
    .addColumn('action', 'varchar(16)', (c) => c.notNull())
    .addColumn('created_at', ts, (c) => c.notNull())
    .addUniqueConstraint('approvals_telegram_callbacks_once', ['approval_id', 'action'])
    .execute();

  // "Reply with the reason" prompts after a reject button: the reply to one of them rejects.
  await withId(db.schema.createTable('approvals_telegram_prompts'), d)
    .addColumn('chat_id', 'varchar(32)', (c) => c.notNull())
    .addColumn('message_id', 'integer', (c) => c.notNull())
    .addColumn('approval_id', 'integer', (c) => c.notNull().references('approvals_requests.id').onDelete('cascade'))
    .addColumn('telegram_user_id', 'varchar(32)', (c) => c.notNull())
    .addColumn('created_at', ts, (c) => c.notNull())
    .addColumn('expires_at', ts, (c) => c.notNull())
    .addColumn('used_at', ts)
    .addUniqueConstraint('approvals_telegram_prompts_message', ['chat_id', 'message_id'])
    .execute();

  // Only one instance may long-poll a token (Telegram answers a second poller with 409): a lease.
  await db.schema
    .createTable('approvals_telegram_poller')
    .addColumn('id', 'integer', (c) => c.primaryKey())
    .addColumn('holder', 'varchar(64)', (c) => c.notNull())
    .addColumn('expires_at', ts, (c) => c.notNull())
    .execute();
}
