import type { Db } from '../../../core/db/db.js';
import type {
  ButtonAction,
  CallbackRow,
  LinkCodeRow,
  LinkRow,
  MessageKind,
  MessageRow,
  PromptRow,
  TelegramTables,
} from './telegram.types.js';

type D = Db<TelegramTables>;

// ---- links and link codes ----

export function linkOfUser(db: D, userId: number): Promise<LinkRow | undefined> {
  return db.selectFrom('approvals_telegram_links').selectAll().where('user_id', '=', userId).executeTakeFirst();
}

export function linkOfTelegramUser(db: D, telegramUserId: string): Promise<LinkRow | undefined> {
  return db.selectFrom('approvals_telegram_links').selectAll().where('telegram_user_id', '=', telegramUserId).executeTakeFirst();
}

export function linksOfUsers(db: D, userIds: number[]): Promise<LinkRow[]> {
  if (!userIds.length) return Promise.resolve([]);
  return db.selectFrom('approvals_telegram_links').selectAll().where('user_id', 'in', userIds).execute();
}

/** Removes any link of either side first: one account per user and one user per account. */
export async function replaceLink(db: D, row: Omit<LinkRow, 'id'>): Promise<void> {
  await db
    .deleteFrom('approvals_telegram_links')
    .where((eb) => eb.or([eb('user_id', '=', row.user_id), eb('telegram_user_id', '=', row.telegram_user_id)]))
    .execute();
  await db
    .insertInto('approvals_telegram_links')
    .values(row as never)
    .execute();
}

export async function deleteLinkOfUser(db: D, userId: number): Promise<number> {
  const r = await db.deleteFrom('approvals_telegram_links').where('user_id', '=', userId).executeTakeFirst();
  return Number(r.numDeletedRows);
}

export async function updateTelegramUsername(db: D, id: number, username: string | null): Promise<void> {
  await db.updateTable('approvals_telegram_links').set({ telegram_username: username }).where('id', '=', id).execute();
}

export async function insertLinkCode(
  db: D,
  row: { user_id: number; code_hash: string; created_at: string; expires_at: string },
): Promise<void> {
  await db
    .insertInto('approvals_telegram_link_codes')
    .values(row as never)
    .execute();
}

/** A user has at most one live code: asking for a new one retires the older ones. */
export async function retireCodesOfUser(db: D, userId: number, now: string): Promise<void> {
  await db
    .updateTable('approvals_telegram_link_codes')
    .set({ used_at: now })
    .where('user_id', '=', userId)
    .where('used_at', 'is', null)
    .execute();
}

export function liveLinkCode(db: D, codeHash: string, now: string): Promise<LinkCodeRow | undefined> {
  return db
    .selectFrom('approvals_telegram_link_codes')
    .selectAll()
    .where('code_hash', '=', codeHash)
    .where('used_at', 'is', null)
    .where('expires_at', '>', now)
    .executeTakeFirst();
}

/** Marks the code used if it is still live; returns its user, or undefined when unknown, used or expired. */
export async function consumeLinkCode(db: D, codeHash: string, now: string): Promise<number | undefined> {
  const row = await liveLinkCode(db, codeHash, now);
  if (!row) return undefined;
  // The guard on used_at makes two concurrent /link calls with one code succeed at most once.
  const r = await db
    .updateTable('approvals_telegram_link_codes')
    .set({ used_at: now })
    .where('id', '=', row.id)
    .where('used_at', 'is', null)
    .executeTakeFirst();
  return Number(r.numUpdatedRows) === 1 ? row.user_id : undefined;
}

export async function pruneLinkCodes(db: D, before: string): Promise<void> {
  await db.deleteFrom('approvals_telegram_link_codes').where('expires_at', '<', before).execute();
}

// ---- messages sent about requests ----

export function messagesOf(db: D, approvalId: number, kind?: MessageKind): Promise<MessageRow[]> {
  let q = db.selectFrom('approvals_telegram_messages').selectAll().where('approval_id', '=', approvalId);
  if (kind) q = q.where('kind', '=', kind);
  return q.orderBy('id').execute();
}

export async function insertMessage(db: D, row: Omit<MessageRow, 'id'>): Promise<void> {
  await db
    .insertInto('approvals_telegram_messages')
    .values(row as never)
    .execute();
}

export async function markEdited(db: D, id: number, status: string, now: string): Promise<void> {
  await db.updateTable('approvals_telegram_messages').set({ final_status: status, edited_at: now }).where('id', '=', id).execute();
}

// ---- button tokens ----

export function callbackByToken(db: D, token: string): Promise<CallbackRow | undefined> {
  return db.selectFrom('approvals_telegram_callbacks').selectAll().where('token', '=', token).executeTakeFirst();
}

export function callbacksOf(db: D, approvalId: number): Promise<CallbackRow[]> {
  return db.selectFrom('approvals_telegram_callbacks').selectAll().where('approval_id', '=', approvalId).execute();
}

export async function insertCallback(
  db: D,
  row: { token: string; approval_id: number; action: ButtonAction; created_at: string },
): Promise<void> {
  await db
    .insertInto('approvals_telegram_callbacks')
    .values(row as never)
    .execute();
}

// ---- reason prompts ----

export async function insertPrompt(db: D, row: Omit<PromptRow, 'id' | 'used_at'>): Promise<void> {
  await db
    .insertInto('approvals_telegram_prompts')
    .values({ ...row, used_at: null } as never)
    .execute();
}

export function promptAt(db: D, chatId: string, messageId: number): Promise<PromptRow | undefined> {
  return db
    .selectFrom('approvals_telegram_prompts')
    .selectAll()
    .where('chat_id', '=', chatId)
    .where('message_id', '=', messageId)
    .executeTakeFirst();
}

export async function usePrompt(db: D, id: number, now: string): Promise<boolean> {
  const r = await db
    .updateTable('approvals_telegram_prompts')
    .set({ used_at: now })
    .where('id', '=', id)
    .where('used_at', 'is', null)
    .executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}
