import SQLite from 'better-sqlite3';
import { Kysely, SqliteDialect, sql } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { cachingDatabase } from '../src/core/db/statement-cache.js';

// The SQLite handle Gatehouse gives Kysely reuses prepared statements. These run on a real SQLite
// database in both test passes: the cache belongs to the embedded default, whatever the pass.
describe('SQLite statement cache', () => {
  let handle: SQLite.Database;
  let db: Kysely<any>;
  const open = (max?: number) => {
    handle = new SQLite(':memory:');
    const wrapped = cachingDatabase(handle, max);
    db = new Kysely<any>({ dialect: new SqliteDialect({ database: wrapped }) });
    return wrapped;
  };
  afterEach(async () => db.destroy());

  it('reuses one statement per SQL text and still answers with the current parameters', async () => {
    const cache = open();
    await sql`create table t (id integer primary key, name text)`.execute(db);
    for (const name of ['a', 'b', 'c']) await db.insertInto('t').values({ name }).execute();
    const names = [];
    for (const id of [1, 2, 3]) names.push((await db.selectFrom('t').select('name').where('id', '=', id).executeTakeFirst())?.name);
    expect(names).toEqual(['a', 'b', 'c']);
    // create, one insert text, one select text.
    expect(cache.cached()).toBe(3);
  });

  it('sees a column added after the statement was cached', async () => {
    open();
    await sql`create table t (id integer primary key)`.execute(db);
    await db.insertInto('t').values({ id: 1 }).execute();
    expect(await db.selectFrom('t').selectAll().execute()).toEqual([{ id: 1 }]);
    await sql`alter table t add column note text default 'x'`.execute(db);
    expect(await db.selectFrom('t').selectAll().execute()).toEqual([{ id: 1, note: 'x' }]);
  });

  it('does not hand out a statement that an open iterator is still reading', async () => {
    const cache = open();
    handle.exec('create table t (id integer primary key); insert into t values (1), (2), (3);');
    const text = 'select id from t order by id';
    const first = cache.prepare(text) as unknown as SQLite.Statement;
    const seen: unknown[] = [];
    for (const row of first.iterate() as Iterable<{ id: number }>) {
      seen.push(row.id);
      // The same SQL text while the iterator is open (Kysely's stream() does this): a fresh statement.
      const again = cache.prepare(text) as unknown as SQLite.Statement;
      expect(again).not.toBe(first);
      expect(again.all()).toHaveLength(3);
    }
    expect(seen).toEqual([1, 2, 3]);
    // Once the iterator is done, the cached statement is handed out again.
    expect(cache.prepare(text)).toBe(first);
  });

  it('keeps at most its limit, dropping the least recently used', async () => {
    const cache = open(2);
    await sql`create table t (id integer primary key)`.execute(db);
    await db.selectFrom('t').select('id').execute();
    await db.selectFrom('t').select('id').where('id', '=', 1).execute();
    await db.selectFrom('t').selectAll().execute();
    expect(cache.cached()).toBe(2);
    expect(await db.selectFrom('t').select('id').execute()).toEqual([]);
  });
});
