import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { sql } from 'kysely';
import { openDatabase, type Database } from '../src/core/db/db.js';
import { BUS_RECONNECTED, LocalEventBus, PgEventBus } from '../src/core/events/event-bus.js';
import { createTestDatabase, PG_ADMIN_URL, type TestDatabase } from './test-db.js';
import { describeOn, memoryLog, waitFor } from './core-helpers.js';

describe('local event bus', () => {
  it('delivers to every subscriber even when one throws, and stops after unsubscribe', async () => {
    const bus = new LocalEventBus();
    const got: unknown[] = [];
    bus.subscribe('t', () => {
      throw new Error('a buggy subscriber');
    });
    const off = bus.subscribe('t', (p) => got.push(p));
    await bus.publish('t', { n: 1 });
    off();
    await bus.publish('t', { n: 2 });
    expect(got).toEqual([{ n: 1 }]);
    expect(bus.health()).toEqual({ ok: true });
    await bus.close();
  });
});

describeOn('postgres')('PostgreSQL event bus', () => {
  let tdb: TestDatabase;
  let database: Database;
  let a: PgEventBus;
  let b: PgEventBus;
  const heardA: Array<[string, unknown]> = [];
  const heardB: Array<[string, unknown]> = [];

  beforeAll(async () => {
    tdb = await createTestDatabase();
    database = openDatabase({ databaseUrl: tdb.databaseUrl, dataDir: tdb.dataDir });
    // A publishes through a pool, as in the app; B through its own listening connection.
    a = new PgEventBus(tdb.databaseUrl, { db: database.db, log: memoryLog() });
    b = new PgEventBus(tdb.databaseUrl);
    await Promise.all([a.start(), b.start()]);
    for (const topic of ['run:1', 'marker', BUS_RECONNECTED]) {
      a.subscribe(topic, (p) => heardA.push([topic, p]));
      b.subscribe(topic, (p) => heardB.push([topic, p]));
    }
  });
  afterAll(async () => {
    await a?.close();
    await b?.close();
    await database?.close();
    await tdb?.drop();
  });

  /** B sends a marker and A waits for it: anything A sent earlier has reached every listener by then. */
  async function settle(tag: string): Promise<void> {
    await b.publish('marker', { tag });
    await waitFor(() => heardA.some(([t, p]) => t === 'marker' && (p as { tag: string }).tag === tag), 5000, `marker ${tag}`);
  }

  it('two buses hear each other; the publisher hears its own event once', async () => {
    await a.publish('run:1', { from: 'a', offset: 10 });
    expect(heardA).toEqual([['run:1', { from: 'a', offset: 10 }]]); // locally, at once
    await waitFor(() => heardB.length === 1, 5000, 'B to hear A');
    expect(heardB).toEqual([['run:1', { from: 'a', offset: 10 }]]);
    await settle('1');
    expect(heardA.filter(([t]) => t === 'run:1')).toHaveLength(1); // no echo of its own NOTIFY

    await b.publish('run:1', { from: 'b' });
    await waitFor(() => heardA.some(([, p]) => (p as { from?: string }).from === 'b'), 5000, 'A to hear B');
    expect(heardB.filter(([t]) => t === 'run:1')).toHaveLength(2);
  });

  it('ignores malformed notifications from foreign senders', async () => {
    await sql`select pg_notify('gatehouse_events', 'not json')`.execute(database.db);
    await sql`select pg_notify('gatehouse_events', '{"from":"someone","topic":42}')`.execute(database.db);
    await settle('2');
    expect(a.health().ok).toBe(true);
  });

  it('reconnects after its listening connection is killed, and still delivers', async () => {
    const pid = a.listenerPid!;
    expect(pid).toBeGreaterThan(0);
    const admin = new pg.Client({ connectionString: PG_ADMIN_URL });
    await admin.connect();
    try {
      expect((await admin.query('select pg_terminate_backend($1) as ok', [pid])).rows[0].ok).toBe(true);
    } finally {
      await admin.end();
    }
    await waitFor(() => a.listenerPid !== undefined && a.listenerPid !== pid, 10_000, 'A to reconnect');
    expect(heardA.some(([t]) => t === BUS_RECONNECTED)).toBe(true);
    expect(a.health()).toEqual({ ok: true, detail: undefined });

    const before = heardA.length;
    await b.publish('run:1', { from: 'b', after: 'reconnect' });
    await waitFor(() => heardA.length > before, 5000, 'A to hear B after reconnecting');
    expect(heardA.at(-1)).toEqual(['run:1', { from: 'b', after: 'reconnect' }]);

    const beforeB = heardB.length;
    await a.publish('run:1', { from: 'a', after: 'reconnect' });
    await waitFor(() => heardB.length > beforeB, 5000, 'B to hear A after reconnecting');
  });

  it('keeps an event too large for NOTIFY on this instance', async () => {
    const beforeB = heardB.length;
    await a.publish('run:1', { big: 'x'.repeat(10_000) });
    expect(heardA.at(-1)?.[0]).toBe('run:1');
    await settle('3');
    expect(heardB.length).toBe(beforeB + 1); // only the marker B sent itself
  });
});
