import { afterAll, beforeAll, expect, it } from 'vitest';
import { ManualClock } from '../src/core/clock.js';
import { createTestApp, describeDb, type TestApp } from './test-app.js';
import { TEST_DIALECT } from './test-db.js';

describeDb(`in-app notifications (${TEST_DIALECT})`, () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ clock: new ManualClock('2030-01-01T00:00:00Z') });
  });
  afterAll(async () => t?.close());

  it('stores a notification with the change that caused it, and announces it for live badges', async () => {
    const notify = t.gh.modules.notify.service;
    const heard: unknown[] = [];
    const off = t.gh.ctx.events.subscribe('notifications', (p) => heard.push(p));
    try {
      const id = await t.gh.ctx.db.transaction().execute((trx) =>
        notify.notifyUser(trx, 41, {
          kind: 'approval',
          title: 'Approve release 24.03',
          body: '请审批',
          link: '/approvals/3',
          severity: 'urgent',
        }),
      );
      expect(heard).toEqual([{ userId: 41, id }]);
      await expect(
        t.gh.ctx.db.transaction().execute(async (trx) => {
          await notify.notifyUser(trx, 41, { kind: 'approval', title: 'rolled back', body: '' });
          throw new Error('the change failed');
        }),
      ).rejects.toThrow();
      const mine = await notify.list(41, false, 20, 0);
      expect(mine).toEqual({
        items: [
          {
            id,
            kind: 'approval',
            title: 'Approve release 24.03',
            body: '请审批',
            link: '/approvals/3',
            severity: 'urgent',
            read: false,
            createdAt: '2030-01-01T00:00:00.000Z',
          },
        ],
        total: 1,
        unread: 1,
      });
    } finally {
      off();
    }
  });

  it('marks read only the caller’s own notifications', async () => {
    const notify = t.gh.modules.notify.service;
    const a1 = await notify.notifyUser(null, 51, { kind: 'k', title: 'a1', body: '' });
    const a2 = await notify.notifyUser(null, 51, { kind: 'k', title: 'a2', body: '' });
    const b1 = await notify.notifyUser(null, 52, { kind: 'k', title: 'b1', body: '' });
    expect(await notify.markRead(51, [a1, b1])).toBe(1); // b1 belongs to someone else
    expect((await notify.list(52, true, 20, 0)).items.map((n) => n.id)).toEqual([b1]);
    expect((await notify.list(51, true, 20, 0)).items.map((n) => n.id)).toEqual([a2]);
    expect(await notify.markRead(51, 'all')).toBe(1);
    expect(await notify.list(51, false, 20, 0)).toMatchObject({ total: 2, unread: 0 });
    expect(await notify.markRead(51, [])).toBe(0);
  });

  it('the notification routes ask for a token', async () => {
    expect((await t.inject({ method: 'GET', url: '/api/notifications' })).statusCode).toBe(401);
    expect((await t.inject({ method: 'POST', url: '/api/notifications/read', payload: { all: true } })).statusCode).toBe(401);
  });
});
