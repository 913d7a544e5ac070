import { afterAll, beforeAll, expect, it } from 'vitest';
import { ManualClock } from '../src/core/clock.js';
import { createTestApp, describeDb, type TestApp } from './test-app.js';
import { TEST_DIALECT } from './test-db.js';

const DAY = 86_400_000;
const T0 = Date.parse('2030-01-01T00:00:00Z');

describeDb(`retention job (${TEST_DIALECT})`, () => {
  let t: TestApp;
  const clock = new ManualClock(new Date(T0));

  beforeAll(async () => {
    t = await createTestApp({ clock, config: { retention: { notificationsDays: 10, finishedJobsDays: 14 } } });
  });
  afterAll(async () => t?.close());

  it('prunes old read notifications and old finished jobs, keeps unread, recent and waiting ones', async () => {
    const { jobs, scheduler } = t.gh.ctx;
    const notify = t.gh.modules.notify.service;
    jobs.register('t.ok', async () => undefined);
    jobs.register('t.bad', async () => Promise.reject(new Error('no')), { maxAttempts: 1 });

    // Day 0: two jobs finish, two notifications arrive and one is read.
    const oldOk = (await jobs.enqueue('t.ok'))!;
    const oldBad = (await jobs.enqueue('t.bad'))!;
    await jobs.drain();
    const oldRead = await notify.notifyUser(null, 1, { kind: 'test', title: 'old, read', body: '' });
    const oldUnread = await notify.notifyUser(null, 1, { kind: 'test', title: 'old, unread', body: '' });
    await notify.markRead(1, [oldRead]);

    // Day 13: a recent job, a job waiting for next month, a recent read notification.
    clock.set(new Date(T0 + 13 * DAY));
    const recentOk = (await jobs.enqueue('t.ok'))!;
    await jobs.drain();
    const waiting = (await jobs.enqueue('t.ok', {}, { runAt: new Date(T0 + 40 * DAY) }))!;
    const recentRead = await notify.notifyUser(null, 1, { kind: 'test', title: 'recent, read', body: '' });
    await notify.markRead(1, [recentRead]);

    // Day 15, 03:30 UTC: the daily retention schedule fires.
    clock.set(new Date(T0 + 15 * DAY + 3.5 * 3_600_000));
    expect(await scheduler.tick()).toBeGreaterThanOrEqual(1);
    await jobs.drain();
    const retention = await jobs.listJobs({ name: 'system.retention' });
    expect(retention[0]).toMatchObject({ state: 'succeeded', lastError: null });

    expect(await jobs.getJob(oldOk)).toBeNull();
    expect(await jobs.getJob(oldBad)).toBeNull();
    expect(await jobs.getJob(recentOk)).toMatchObject({ state: 'succeeded' });
    expect(await jobs.getJob(waiting)).toMatchObject({ state: 'queued' });

    const left = await notify.list(1, false, 50, 0);
    expect(left.items.map((n) => n.id).sort()).toEqual([oldUnread, recentRead].sort());
    expect(left.unread).toBe(1);
  });
});
