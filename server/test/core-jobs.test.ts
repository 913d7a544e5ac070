import { afterAll, afterEach, beforeAll, beforeEach, expect, it } from 'vitest';
import { sql } from 'kysely';
import { buildApp, type Gatehouse } from '../src/app.js';
import { ManualClock } from '../src/core/clock.js';
import { parseConfig } from '../src/core/config/config.loader.js';
import type { JobQueue } from '../src/core/jobs/job-queue.js';
import { ADMIN_PASSWORD, describeDb } from './test-app.js';
import { createTestDatabase, TEST_DIALECT, type TestDatabase } from './test-db.js';
import { describeOn, openQueue, waitFor, type OpenQueue } from './core-helpers.js';

const START = '2030-01-01T00:00:00.000Z';
const SEC = 1000;

describeDb(`job queue (${TEST_DIALECT})`, () => {
  let tdb: TestDatabase;
  let clock: ManualClock;
  let q: OpenQueue;
  let jobs: JobQueue;

  beforeAll(async () => {
    tdb = await createTestDatabase();
  });
  afterAll(async () => tdb?.drop());
  beforeEach(async () => {
    clock = new ManualClock(START);
    q = await openQueue(tdb, clock);
    jobs = q.queue;
  });
  afterEach(async () => q?.close());

  it('runs a job once with its payload and records success', async () => {
    const calls: Array<[unknown, number]> = [];
    jobs.register('t.success', async (p, c) => void calls.push([p, c.attempt]));
    const id = (await jobs.enqueue('t.success', { n: 1, text: 'héllo' }))!;
    expect(await jobs.getJob(id)).toMatchObject({ state: 'queued', attempts: 0, runAt: START });
    expect(await jobs.drain()).toBe(1);
    expect(calls).toEqual([[{ n: 1, text: 'héllo' }, 1]]);
    expect(await jobs.getJob(id)).toMatchObject({ state: 'succeeded', attempts: 1, lastError: null });
    expect(await jobs.drain()).toBe(0);
    expect(calls).toHaveLength(1);
  });

  it('retries with exponential backoff on the clock, then succeeds', async () => {
    let n = 0;
    jobs.register('t.flaky', async () => {
      n++;
      if (n < 3) throw new Error(`boom ${n}`);
    });
    const id = (await jobs.enqueue('t.flaky'))!;
    await jobs.drain();
    expect(await jobs.getJob(id)).toMatchObject({ state: 'queued', attempts: 1, lastError: 'boom 1', runAt: '2030-01-01T00:00:05.000Z' });
    clock.advance(4.9 * SEC);
    expect(await jobs.drain()).toBe(0);
    clock.advance(0.1 * SEC);
    expect(await jobs.drain()).toBe(1);
    // The second delay doubles: 10 s after the second failure.
    expect(await jobs.getJob(id)).toMatchObject({ state: 'queued', attempts: 2, lastError: 'boom 2', runAt: '2030-01-01T00:00:15.000Z' });
    clock.advance(9 * SEC);
    expect(await jobs.drain()).toBe(0);
    clock.advance(1 * SEC);
    expect(await jobs.drain()).toBe(1);
    expect(await jobs.getJob(id)).toMatchObject({ state: 'succeeded', attempts: 3, lastError: null });
    expect(q.log.errors.map((e) => e.msg)).toEqual(['job failed; will retry', 'job failed; will retry']);
  });

  it('gives up after maxAttempts and keeps the last error', async () => {
    let n = 0;
    jobs.register(
      't.broken',
      async () => {
        n++;
        throw new Error(`still broken (${n})`);
      },
      { maxAttempts: 3 },
    );
    const id = (await jobs.enqueue('t.broken'))!;
    for (let i = 0; i < 10; i++) {
      await jobs.drain();
      clock.advance(60 * SEC);
    }
    expect(n).toBe(3);
    const job = await jobs.getJob(id);
    expect(job).toMatchObject({ state: 'failed', attempts: 3, maxAttempts: 3, lastError: 'still broken (3)' });
    expect(job!.finishedAt).not.toBeNull();
    expect(await jobs.listJobs({ name: 't.broken', state: 'failed' })).toHaveLength(1);

    // maxAttempts on enqueue overrides the handler's.
    const once = (await jobs.enqueue('t.broken', {}, { maxAttempts: 1 }))!;
    await jobs.drain();
    expect(await jobs.getJob(once)).toMatchObject({ state: 'failed', attempts: 1, maxAttempts: 1, lastError: 'still broken (4)' });
  });

  it('dedupes on the key while a job waits (also for its retry), not once it has finished', async () => {
    let fail = true;
    const runs: unknown[] = [];
    jobs.register('t.dedupe', async (p) => {
      runs.push(p);
      if (fail) throw new Error('not yet');
    });
    const first = await jobs.enqueue('t.dedupe', { v: 1 }, { dedupeKey: 'k1' });
    expect(first).not.toBeNull();
    expect(await jobs.enqueue('t.dedupe', { v: 2 }, { dedupeKey: 'k1' })).toBeNull();
    expect(await jobs.enqueue('t.dedupe', { v: 3 }, { dedupeKey: 'k2' })).not.toBeNull();
    await jobs.drain();
    expect(runs).toEqual([{ v: 1 }, { v: 3 }]);
    // Both wait for a retry now: still deduped.
    expect(await jobs.enqueue('t.dedupe', { v: 4 }, { dedupeKey: 'k1' })).toBeNull();
    fail = false;
    clock.advance(5 * SEC);
    await jobs.drain();
    expect(await jobs.getJob(first!)).toMatchObject({ state: 'succeeded', attempts: 2 });
    // Finished: the key is free again.
    const again = await jobs.enqueue('t.dedupe', { v: 5 }, { dedupeKey: 'k1' });
    expect(again).not.toBeNull();
    await jobs.drain();
    expect(runs.slice(-1)).toEqual([{ v: 5 }]);
  });

  it('holds a job until its runAt on the clock', async () => {
    const ran: string[] = [];
    jobs.register('t.later', async () => void ran.push(clock.now().toISOString()));
    const id = (await jobs.enqueue('t.later', {}, { runAt: new Date(Date.parse(START) + 3600 * SEC) }))!;
    expect(await jobs.drain()).toBe(0);
    clock.advance(3599 * SEC);
    expect(await jobs.drain()).toBe(0);
    expect(await jobs.getJob(id)).toMatchObject({ state: 'queued', runAt: '2030-01-01T01:00:00.000Z' });
    clock.advance(1 * SEC);
    expect(await jobs.drain()).toBe(1);
    expect(ran).toEqual(['2030-01-01T01:00:00.000Z']);
  });

  it('gives up on an attempt that hangs past its timeout, and retries it', async () => {
    let calls = 0;
    jobs.register(
      't.hangs',
      () => {
        calls++;
        return new Promise<void>(() => undefined); // never settles
      },
      { maxAttempts: 2, timeoutMs: 50 },
    );
    const id = (await jobs.enqueue('t.hangs'))!;
    expect(await jobs.drain()).toBe(1);
    expect(await jobs.getJob(id)).toMatchObject({ state: 'queued', attempts: 1, lastError: 'timed out after 50 ms' });
    clock.advance(5 * SEC);
    expect(await jobs.drain()).toBe(1);
    expect(await jobs.getJob(id)).toMatchObject({ state: 'failed', attempts: 2, lastError: 'timed out after 50 ms' });
    expect(calls).toBe(2);
  });

  it('leaves jobs without a handler waiting', async () => {
    const id = (await jobs.enqueue('t.nobody-listens'))!;
    expect(await jobs.drain()).toBe(0);
    expect(await jobs.getJob(id)).toMatchObject({ state: 'queued', attempts: 0 });
    expect(await jobs.getJob('no-such-id')).toBeNull();
  });

  it('keeps the live loop running whatever a handler throws', async () => {
    const rejections: unknown[] = [];
    const onRejection = (e: unknown) => rejections.push(e);
    process.on('unhandledRejection', onRejection);
    const live = await openQueue(tdb, clock, { pollMs: 20 });
    try {
      const done: string[] = [];
      live.queue.register(
        't.throws-sync',
        (() => {
          throw new TypeError('synchronous bug');
        }) as never,
        { maxAttempts: 1 },
      );
      live.queue.register(
        't.throws-odd',
        async () => {
          throw 'a string, not an Error';
        },
        { maxAttempts: 1 },
      );
      live.queue.register('t.throws-undefined', async () => Promise.reject(undefined), { maxAttempts: 1 });
      live.queue.register('t.fine', async (p: { n: number }) => void done.push(String(p.n)));
      await live.queue.start();
      const bad = [
        await live.queue.enqueue('t.throws-sync'),
        await live.queue.enqueue('t.throws-odd'),
        await live.queue.enqueue('t.throws-undefined'),
      ];
      for (let i = 0; i < 5; i++) await live.queue.enqueue('t.fine', { n: i });
      await waitFor(() => done.length === 5, 5000, 'the good jobs');
      await waitFor(
        async () => (await Promise.all(bad.map((id) => live.queue.getJob(id!)))).every((j) => j?.state === 'failed'),
        5000,
        'bad jobs to fail',
      );
      const errors = await Promise.all(bad.map(async (id) => (await live.queue.getJob(id!))!.lastError));
      expect(errors).toEqual(['synchronous bug', 'a string, not an Error', 'failed without an error (undefined)']);
      expect(live.queue.health()).toMatchObject({ ok: true });
      expect(rejections).toEqual([]);
    } finally {
      process.off('unhandledRejection', onRejection);
      await live.close();
    }
  });
});

describeDb(`job durability across restarts (${TEST_DIALECT})`, () => {
  let tdb: TestDatabase;
  const clock = new ManualClock(START);

  const build = (): Promise<Gatehouse> =>
    buildApp({
      config: parseConfig({ dataDir: tdb.dataDir, databaseUrl: tdb.databaseUrl, logLevel: 'silent', security: { bcryptCost: 4 } }),
      clock,
      env: { GATEHOUSE_ADMIN_PASSWORD: ADMIN_PASSWORD },
      logger: false,
    });

  beforeAll(async () => {
    tdb = await createTestDatabase();
  });
  afterAll(async () => tdb?.drop());

  it('a queued job survives closing and re-building the app on the same database', async () => {
    const a = await build();
    const id = (await a.ctx.jobs.enqueue('t.durable', { keep: 'me' }))!;
    await a.close();

    const b = await build();
    try {
      const seen: unknown[] = [];
      b.ctx.jobs.register('t.durable', async (p) => void seen.push(p));
      expect(await b.ctx.jobs.drain()).toBe(1);
      expect(seen).toEqual([{ keep: 'me' }]);
      expect(await b.ctx.jobs.getJob(id)).toMatchObject({ state: 'succeeded' });
    } finally {
      await b.close();
    }
  });

  it('a job left running by a crashed process runs again', async () => {
    const a = await build();
    let release!: () => void;
    a.ctx.jobs.register('t.crash', () => new Promise<void>((r) => (release = r)), { timeoutMs: 60_000 });
    const id = (await a.ctx.jobs.enqueue('t.crash', { step: 1 }))!;
    const stuck = a.ctx.jobs.drain();
    await waitFor(async () => (await a.ctx.jobs.getJob(id))?.state === 'running', 5000, 'the job to start');
    // The "crash": the process is gone with the attempt in flight; nothing marks the job finished.
    await a.ctx.database.close();
    release();
    await stuck.catch(() => undefined);
    if (tdb.dialect === 'postgres') {
      // Another instance may still be running it, so PostgreSQL waits for the attempt's timeout: make it an hour ago.
      const c = await build();
      await sql`update gatehouse_jobs.job set started_on = started_on - interval '1 hour' where id = ${id}::uuid`.execute(c.ctx.db);
      await c.close();
    }

    const b = await build();
    try {
      const attempts: number[] = [];
      b.ctx.jobs.register('t.crash', async (_p, job) => void attempts.push(job.attempt), { timeoutMs: 60_000 });
      await b.ctx.jobs.drain();
      clock.advance(10 * 60 * SEC); // past any retry delay
      await b.ctx.jobs.drain();
      expect(attempts).toEqual([2]);
      expect(await b.ctx.jobs.getJob(id)).toMatchObject({ state: 'succeeded', attempts: 2 });
    } finally {
      await b.close();
    }
  });
});

describeOn('postgres')('two job queues on one PostgreSQL database', () => {
  let tdb: TestDatabase;
  let a: OpenQueue;
  let b: OpenQueue;
  const clock = new ManualClock();

  beforeAll(async () => {
    tdb = await createTestDatabase();
    a = await openQueue(tdb, clock, { pollMs: 20, concurrency: 2 });
    b = await openQueue(tdb, clock, { pollMs: 20, concurrency: 2 });
  });
  afterAll(async () => {
    await a?.close();
    await b?.close();
    await tdb?.drop();
  });

  it('never run one job twice', async () => {
    const ran: Array<{ n: number; by: string }> = [];
    for (const [q, by] of [
      [a, 'a'],
      [b, 'b'],
    ] as const) {
      q.queue.register('t.shared', async (p: { n: number }) => {
        ran.push({ n: p.n, by });
        await new Promise((r) => setTimeout(r, 10));
      });
    }
    await Promise.all([a.queue.start(), b.queue.start()]);
    for (let n = 0; n < 40; n++) await a.queue.enqueue('t.shared', { n });
    await waitFor(() => ran.length >= 40, 10_000, 'all jobs');
    // Drains racing the live loops must not take a job twice either.
    for (let n = 40; n < 60; n++) await b.queue.enqueue('t.shared', { n });
    await Promise.all([a.queue.drain(), b.queue.drain(), a.queue.drain()]);
    await waitFor(() => ran.length >= 60, 10_000, 'the rest');
    await new Promise((r) => setTimeout(r, 100));
    expect(ran.map((r) => r.n).sort((x, y) => x - y)).toEqual([...Array(60).keys()]);
    expect(new Set(ran.map((r) => r.by))).toEqual(new Set(['a', 'b']));
  });

  it('install pg-boss and migrate safely when they start at the same moment on an empty database', async () => {
    const fresh = await createTestDatabase();
    try {
      const both = await Promise.all([openQueue(fresh, clock), openQueue(fresh, clock), openQueue(fresh, clock)]);
      both.forEach((o, i) => o.queue.register(`t.start-${i % 2}`, async () => undefined));
      await Promise.all(both.map((o, i) => o.queue.enqueue(`t.start-${i % 2}`)));
      expect((await Promise.all(both.map((o) => o.queue.drain()))).reduce((x, y) => x + y, 0)).toBe(3);
      await Promise.all(both.map((o) => o.close()));
    } finally {
      await fresh.drop();
    }
  });

  it('dedupes racing enqueues from both instances', async () => {
    const ids = await Promise.all(
      Array.from({ length: 10 }, (_, i) => (i % 2 ? a : b).queue.enqueue('t.race', { i }, { dedupeKey: 'the-one' })),
    );
    expect(ids.filter(Boolean)).toHaveLength(1);
  });
});
