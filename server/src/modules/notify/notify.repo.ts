import type { Db } from '../../core/db/db.js';
import type { DeliveryRow, NotificationRow, NotifyTables } from './notify.types.js';

type D = Db<NotifyTables>;

export async function insertNotification(db: D, row: Omit<NotificationRow, 'id'>): Promise<number> {
  return (
    await db
      .insertInto('notify_notifications')
      .values(row as never)
      .returning('id')
      .executeTakeFirstOrThrow()
  ).id;
}

export async function listForUser(db: D, userId: number, unreadOnly: boolean, limit: number, offset: number) {
  let q = db.selectFrom('notify_notifications').where('user_id', '=', userId);
  if (unreadOnly) q = q.where('read_at', 'is', null);
  const [rows, count, unread] = await Promise.all([
    q.selectAll().orderBy('id', 'desc').limit(limit).offset(offset).execute(),
    q.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow(),
    db
      .selectFrom('notify_notifications')
      .where('user_id', '=', userId)
      .where('read_at', 'is', null)
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow(),
  ]);
  return { rows, total: Number(count.n), unread: Number(unread.n) };
}

export async function markRead(db: D, userId: number, ids: number[] | 'all', at: string): Promise<number> {
  let q = db.updateTable('notify_notifications').set({ read_at: at }).where('user_id', '=', userId).where('read_at', 'is', null);
  if (ids !== 'all') q = q.where('id', 'in', ids.length ? ids : [-1]);
  return Number((await q.executeTakeFirst()).numUpdatedRows);
}

export async function insertDelivery(db: D, row: Omit<DeliveryRow, 'id'>): Promise<number> {
  return (
    await db
      .insertInto('notify_deliveries')
      .values(row as never)
      .returning('id')
      .executeTakeFirstOrThrow()
  ).id;
}

export async function updateDelivery(db: D, id: number, patch: Partial<Omit<DeliveryRow, 'id'>>): Promise<void> {
  await db.updateTable('notify_deliveries').set(patch).where('id', '=', id).execute();
}

export async function deleteReadBefore(db: D, before: string): Promise<number> {
  const r = await db
    .deleteFrom('notify_notifications')
    .where('created_at', '<', before)
    .where('read_at', 'is not', null)
    .executeTakeFirst();
  return Number(r.numDeletedRows);
}
