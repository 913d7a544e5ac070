import { afterAll, afterEach, beforeAll, beforeEach, expect, it } from 'vitest';
import { ManualClock } from '../src/core/clock.js';
import { CronScheduler, nextCronRun } from '../src/core/jobs/cron-scheduler.js';
import { describeDb } from './test-app.js';
import { createTestDatabase, TEST_DIALECT, type TestDatabase } from './test-db.js';
import { memoryLog, openQueue, type OpenQueue } from './core-helpers.js';

const MIN = 60_000;

describeDb(`cron schedules (${TEST_DIALECT})`, () => {
  let tdb: TestDatabase;
  let clock: ManualClock;
  let q: OpenQueue;
  let cron: CronScheduler;

  beforeAll(async () => {
    tdb = await createTestDatabase();
  });
  afterAll(async () => tdb?.drop());
  beforeEach(async () => {
    clock = new ManualClock('2030-01-01T00:00:00Z');
    q = await openQueue(tdb, clock);
    cron = new CronScheduler(q.database.db, q.queue, clock, memoryLog());
    await q.database.db.deleteFrom('jobs_schedules').execute();
  });
  afterEach(async () => q?.close());

  /** Tick every `stepMs` from now until `until`; returns the instants at which something fired. */
  async function walk(until: string, stepMs = 15 * MIN): Promise<string[]> {
    const fired: string[] = [];
    while (clock.now() < new Date(until)) {
      clock.advance(stepMs);
      const n = await cron.tick();
      for (let i = 0; i < n; i++) fired.push(clock.now().toISOString());
    }
    return fired;
  }

  it('fires in the schedule time zone: 09:00 Asia/Shanghai is 01:00Z', async () => {
    const next = await cron.upsert({ name: 'sh', cron: '0 9 * * *', timezone: 'Asia/Shanghai', job: 't.cron', payload: { k: 'v' } });
    expect(next?.toISOString()).toBe('2030-01-01T01:00:00.000Z');
    clock.set('2030-01-01T00:59:59Z');
    expect(await cron.tick()).toBe(0);
    clock.set('2030-01-01T01:00:00Z');
    expect(await cron.tick()).toBe(1);
    expect(await cron.tick()).toBe(0);
    expect((await cron.nextRun('sh'))?.toISOString()).toBe('2030-01-02T01:00:00.000Z');

    const got: unknown[] = [];
    q.queue.register('t.cron', async (p) => void got.push(p));
    await q.queue.drain();
    expect(got).toEqual([{ k: 'v', scheduledFor: '2030-01-01T01:00:00.000Z' }]);
  });

  it('spring-forward day: 02:30 America/New_York does not exist and fires once, at 03:30 EDT', async () => {
    clock.set('2025-03-08T12:00:00Z');
    await cron.upsert({ name: 'ny', cron: '30 2 * * *', timezone: 'America/New_York', job: 't.cron' });
    const fired = await walk('2025-03-10T12:00:00Z');
    // 07:30Z is 03:30 EDT on 9 March (the skipped 02:30 EST shifted by the one-hour gap);
    // on 10 March 02:30 EDT is 06:30Z.
    expect(fired).toEqual(['2025-03-09T07:30:00.000Z', '2025-03-10T06:30:00.000Z']);
  });

  it('fall-back day: 01:30 America/New_York happens twice and fires once, the first time (EDT)', async () => {
    clock.set('2025-11-01T12:00:00Z');
    await cron.upsert({ name: 'ny', cron: '30 1 * * *', timezone: 'America/New_York', job: 't.cron' });
    const fired = await walk('2025-11-03T12:00:00Z');
    expect(fired).toEqual(['2025-11-02T05:30:00.000Z', '2025-11-03T06:30:00.000Z']);
  });

  it('fall-back day: a half-hourly schedule does not repeat the repeated hour (croner 9)', async () => {
    clock.set('2025-11-02T04:50:00Z');
    await cron.upsert({ name: 'ny', cron: '*/30 * * * *', timezone: 'America/New_York', job: 't.cron' });
    const fired = await walk('2025-11-02T08:00:00Z', 5 * MIN);
    expect(fired).toEqual([
      '2025-11-02T05:00:00.000Z',
      '2025-11-02T05:30:00.000Z',
      '2025-11-02T07:00:00.000Z',
      '2025-11-02T07:30:00.000Z',
      '2025-11-02T08:00:00.000Z',
    ]);
  });

  it('a tick missed while Gatehouse was down fires once, then the schedule moves on', async () => {
    clock.set('2030-01-01T10:30:00Z');
    await cron.upsert({ name: 'hourly', cron: '0 * * * *', job: 't.hourly' });
    clock.set('2030-01-01T15:30:00Z'); // five slots missed
    expect(await cron.tick()).toBe(1);
    expect(await cron.tick()).toBe(0);
    expect((await cron.nextRun('hourly'))?.toISOString()).toBe('2030-01-01T16:00:00.000Z');
    const jobs = await q.queue.listJobs({ name: 't.hourly' });
    expect(jobs.map((j) => j.payload.scheduledFor)).toEqual(['2030-01-01T11:00:00.000Z']);
    // A restart re-declares the same schedule: the pending slot is kept, not moved.
    await cron.upsert({ name: 'hourly', cron: '0 * * * *', job: 't.hourly' });
    expect((await cron.nextRun('hourly'))?.toISOString()).toBe('2030-01-01T16:00:00.000Z');
  });

  it('refuses an invalid expression or time zone with a readable error, storing nothing', async () => {
    await expect(cron.upsert({ name: 'bad', cron: '61 * * * *', job: 't.cron' })).rejects.toThrow(
      'Invalid schedule "61 * * * *" in time zone "UTC": CronPattern: Invalid value for minute: 61',
    );
    await expect(cron.upsert({ name: 'bad', cron: '0 9 * * *', timezone: 'Mars/Olympus_Mons', job: 't.cron' })).rejects.toThrow(
      /Invalid schedule "0 9 \* \* \*" in time zone "Mars\/Olympus_Mons": .*time ?zone/i,
    );
    expect(await cron.status('bad')).toBeNull();
  });

  it('a broken schedule row is disabled with its error and does not stop the others', async () => {
    await cron.upsert({ name: 'good', cron: '* * * * *', job: 't.cron' });
    await q.database.db
      .insertInto('jobs_schedules')
      .values({
        name: 'edited-by-hand',
        cron: 'every day',
        timezone: 'UTC',
        job_name: 't.cron',
        payload: '{}',
        enabled: 1,
        next_run_at: '2030-01-01T00:00:00.000Z',
        last_run_at: null,
        last_error: null,
      })
      .execute();
    clock.advance(MIN);
    expect(await cron.tick()).toBe(1);
    expect(await cron.status('edited-by-hand')).toMatchObject({ enabled: false, lastError: expect.stringContaining('invalid schedule') });
    expect(cron.health().ok).toBe(true);
  });

  it('matches croner for a plain UTC schedule (sanity)', () => {
    expect(nextCronRun('15 3 * * *', 'UTC', new Date('2030-01-01T03:15:00Z'))?.toISOString()).toBe('2030-01-02T03:15:00.000Z');
  });
});

describeDb(`two schedulers on one database (${TEST_DIALECT})`, () => {
  let tdb: TestDatabase;
  const clock = new ManualClock('2030-01-01T00:00:00Z');
  let a: OpenQueue;
  let b: OpenQueue;

  beforeAll(async () => {
    tdb = await createTestDatabase();
    a = await openQueue(tdb, clock);
    b = await openQueue(tdb, clock);
  });
  afterAll(async () => {
    await a?.close();
    await b?.close();
    await tdb?.drop();
  });

  it('fire each tick exactly once', async () => {
    const ca = new CronScheduler(a.database.db, a.queue, clock, memoryLog());
    const cb = new CronScheduler(b.database.db, b.queue, clock, memoryLog());
    const def = { name: 'shared', cron: '*/5 * * * *', job: 't.shared' };
    await Promise.all([ca.upsert(def), cb.upsert(def)]);
    let total = 0;
    for (let i = 0; i < 6; i++) {
      clock.advance(5 * MIN);
      const counts = await Promise.all([ca.tick(), cb.tick(), ca.tick(), cb.tick()]);
      expect(counts.reduce((x, y) => x + y, 0)).toBe(1);
      total += 1;
    }
    const jobs = await a.queue.listJobs({ name: 't.shared' });
    expect(jobs).toHaveLength(total);
    expect(new Set(jobs.map((j) => j.payload.scheduledFor)).size).toBe(total);
  });
});
