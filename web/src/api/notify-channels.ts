import { api, unwrap } from './client';
import type { paths } from './schema';
import type { BodyFor, ItemsOf } from './types';

/** Notification channels and their delivery log (admin, notify.manage). Types come from the generated schema. */

export const CHANNEL_TYPES = ['email', 'dingtalk', 'wecom', 'feishu', 'slack', 'webhook', 'telegram'] as const;
export type ChannelType = (typeof CHANNEL_TYPES)[number];
export const NOTIFY_EVENTS = [
  'approval.requested',
  'approval.reminded',
  'approval.decided',
  'approval.timeout',
  'build.result',
  'build.failing',
  'password.expiring',
  'login.new-address',
  'task.failed',
  'test',
] as const;
export type NotifyEvent = (typeof NOTIFY_EVENTS)[number];
export type DeliveryStatus = 'queued' | 'sent' | 'failed' | 'skipped';
export const DELIVERY_STATUSES: DeliveryStatus[] = ['queued', 'sent', 'failed', 'skipped'];
export type ChannelLanguage = 'zh-CN' | 'en';

type ApiChannel = ItemsOf<'/api/notify/channels'>;
type ApiDelivery = ItemsOf<'/api/notify/deliveries'>;

export type ChannelInput = BodyFor<'/api/notify/channels', 'post'>;
export type ChannelConfig = NonNullable<ChannelInput['config']>;
export type Channel = Omit<ApiChannel, 'type' | 'config'> & { type: ChannelType; config: ChannelConfig };
export type Delivery = Omit<ApiDelivery, 'status'> & { status: DeliveryStatus };
export type DeliveryQuery = NonNullable<paths['/api/notify/deliveries']['get']['parameters']['query']>;

const id = (n: number) => ({ params: { path: { id: n } } });

export const notifyApi = {
  channels: async () => (await unwrap(api.GET('/api/notify/channels'))).items as Channel[],
  createChannel: (body: ChannelInput) => unwrap(api.POST('/api/notify/channels', { body })),
  updateChannel: (n: number, body: ChannelInput) => unwrap(api.PUT('/api/notify/channels/{id}', { ...id(n), body })),
  deleteChannel: (n: number) => unwrap(api.DELETE('/api/notify/channels/{id}', id(n))),
  testChannel: (n: number) => unwrap(api.POST('/api/notify/channels/{id}/test', id(n))),
  deliveries: async (query: DeliveryQuery) => {
    const r = await unwrap(api.GET('/api/notify/deliveries', { params: { query } }));
    return { items: r.items as Delivery[], total: r.total };
  },
};
