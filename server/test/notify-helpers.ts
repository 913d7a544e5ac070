import { expect } from 'vitest';
import type { PublishInput } from '../src/modules/notify/index.js';
import type { TestApp } from './test-app.js';

/** Small steps the notify suites share: channels through the API, publishing, the delivery log. */
export function notifyHelpers(t: () => TestApp, token: () => string) {
  async function deliveries(query: Record<string, string | number> = {}): Promise<any[]> {
    const qs = new URLSearchParams(Object.entries({ pageSize: 100, ...query }).map(([k, v]) => [k, String(v)]));
    const r = await t().inject({ method: 'GET', url: `/api/notify/deliveries?${qs}`, token: token() });
    expect(r.statusCode, r.body).toBe(200);
    return r.json().items;
  }
  return {
    async channel(body: Record<string, unknown>): Promise<{ id: number } & Record<string, any>> {
      const r = await t().inject({ method: 'POST', url: '/api/notify/channels', token: token(), payload: body });
      expect(r.statusCode, r.body).toBe(201);
      return r.json();
    },
    publish(n: PublishInput): Promise<void> {
      return t().gh.modules.notify.service.publish(null, n);
    },
    deliveries,
    /** The one delivery of a channel (the suites route each event to one channel by project). */
    async only(channelId: number): Promise<any> {
      const items = await deliveries({ channelId });
      expect(items).toHaveLength(1);
      return items[0];
    },
    drain: () => t().gh.ctx.jobs.drain(),
  };
}
