import type SQLite from 'better-sqlite3';
import type { SqliteDatabase, SqliteStatement } from 'kysely';

/** Distinct SQL texts kept prepared; Gatehouse issues a few hundred, lists with IN (…) a few more. */
const MAX_STATEMENTS = 1_000;

/**
 * The SQLite handle as Kysely sees it, with prepared statements reused by SQL text. Kysely's
 * driver prepares every query anew, and compiling the statement was the largest single cost of a
 * typical authorised request (about a fifth of its CPU). A statement is reused only when it is not
 * busy (an open iterator); SQLite itself re-prepares a cached statement after a schema change.
 */
export function cachingDatabase(handle: SQLite.Database, max = MAX_STATEMENTS): SqliteDatabase & { cached(): number } {
  const cache = new Map<string, SQLite.Statement>();
  return {
    prepare(sql: string): SqliteStatement {
      const hit = cache.get(sql);
      if (hit && !hit.busy) {
        // Most recently used last: Map keeps insertion order, so the first key is the oldest.
        cache.delete(sql);
        cache.set(sql, hit);
        return hit as unknown as SqliteStatement;
      }
      const stmt = handle.prepare(sql);
      if (!hit) {
        cache.set(sql, stmt);
        if (cache.size > max) cache.delete(cache.keys().next().value as string);
      }
      return stmt as unknown as SqliteStatement;
    },
    close() {
      cache.clear();
      handle.close();
    },
    cached: () => cache.size,
  };
}
