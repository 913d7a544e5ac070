import type { Db } from '../../core/db/db.js';
import type { ChannelRow, DeliveryRow, DeliveryStatus, NotifyTables } from './notify.types.js';

type D = Db<NotifyTables>;

export function listChannels(db: D, onlyEnabled = false): Promise<ChannelRow[]> {
  let q = db.selectFrom('notify_channels').selectAll();
  if (onlyEnabled) q = q.where('enabled', '=', 1);
  return q.orderBy('id').execute();
}

export async function getChannel(db: D, id: number): Promise<ChannelRow | undefined> {
  return db.selectFrom('notify_channels').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function channelByName(db: D, name: string): Promise<ChannelRow | undefined> {
  return db.selectFrom('notify_channels').selectAll().where('name', '=', name).executeTakeFirst();
}

export async function insertChannel(db: D, row: Omit<ChannelRow, 'id'>): Promise<number> {
  return (
    await db
      .insertInto('notify_channels')
      .values(row as never)
      .returning('id')
      .executeTakeFirstOrThrow()
  ).id;
}

export async function updateChannel(db: D, id: number, patch: Partial<Omit<ChannelRow, 'id'>>): Promise<void> {
  await db.updateTable('notify_channels').set(patch).where('id', '=', id).execute();
}

export async function deleteChannel(db: D, id: number): Promise<void> {
  await db.deleteFrom('notify_channels').where('id', '=', id).execute();
}

export async function getDelivery(db: D, id: number): Promise<DeliveryRow | undefined> {
  return db.selectFrom('notify_deliveries').selectAll().where('id', '=', id).executeTakeFirst();
}

export interface DeliveryFilter {
  channelId?: number;
  status?: DeliveryStatus;
  event?: string;
}

export async function findDeliveries(db: D, f: DeliveryFilter, limit: number, offset: number) {
  let q = db.selectFrom('notify_deliveries');
  if (f.channelId !== undefined) q = q.where('channel_id', '=', f.channelId);
  if (f.status !== undefined) q = q.where('status', '=', f.status);
  if (f.event !== undefined) q = q.where('event', '=', f.event);
  const [rows, count] = await Promise.all([
    q.selectAll().orderBy('id', 'desc').limit(limit).offset(offset).execute(),
    q.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow(),
  ]);
  return { rows, total: Number(count.n) };
}
