import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import SQLite from 'better-sqlite3';
import type pgTypes from 'pg';
import { Kysely, PostgresDialect, SqliteDialect, sql, type Transaction } from 'kysely';
import { lazyRequire } from '../lazy-require.js';
import { cachingDatabase } from './statement-cache.js';

export type Dialect = 'sqlite' | 'postgres';

/** Any Kysely handle a repo function may be given: the database or an open transaction. */
export type Db<T = any> = Kysely<T> | Transaction<T>;

export interface Database {
  db: Kysely<any>;
  dialect: Dialect;
  /** The SQLite handle (for online backups); absent on PostgreSQL. */
  sqlite?: SQLite.Database;
  /** The PostgreSQL connection string; absent on SQLite. */
  connectionString?: string;
  ping(): Promise<void>;
  close(): Promise<void>;
}

// timestamptz columns come back as ISO strings, the same shape SQLite stores, so mappers need no
// dialect branches. int8 (counts) come back as numbers: Gatehouse never stores values near 2^53.
// pg is loaded only when PostgreSQL is used: an SQLite install never pays for it at start-up.
export const loadPg = lazyRequire<typeof pgTypes>('pg', (pg) => {
  pg.types.setTypeParser(1184, (v) => new Date(v).toISOString());
  pg.types.setTypeParser(1114, (v) => new Date(v + 'Z').toISOString());
  pg.types.setTypeParser(20, (v) => Number(v));
});

export function sqliteFile(dataDir: string): string {
  return join(dataDir, 'gatehouse.db');
}

export function openSqlite(file: string): Database {
  if (file !== ':memory:') mkdirSync(join(file, '..'), { recursive: true });
  const handle = new SQLite(file);
  handle.pragma('journal_mode = WAL');
  handle.pragma('synchronous = NORMAL');
  handle.pragma('foreign_keys = ON');
  handle.pragma('busy_timeout = 5000');
  const db = new Kysely<any>({ dialect: new SqliteDialect({ database: cachingDatabase(handle) }) });
  return {
    db,
    dialect: 'sqlite',
    sqlite: handle,
    async ping() {
      handle.prepare('select 1').get();
    },
    async close() {
      await db.destroy();
    },
  };
}

export function openPostgres(connectionString: string, max = 10): Database {
  const pool = new (loadPg().Pool)({ connectionString, max, idleTimeoutMillis: 30_000, connectionTimeoutMillis: 5_000 });
  // An idle client that errors (server restart) must not crash the process; the pool replaces it.
  pool.on('error', () => undefined);
  const db = new Kysely<any>({ dialect: new PostgresDialect({ pool }) });
  return {
    db,
    dialect: 'postgres',
    connectionString,
    async ping() {
      await sql`select 1`.execute(db);
    },
    async close() {
      await db.destroy();
    },
  };
}

export function openDatabase(opts: { databaseUrl: string; dataDir: string }): Database {
  if (opts.databaseUrl) {
    if (!/^postgres(ql)?:\/\//.test(opts.databaseUrl)) {
      throw new Error('DATABASE_URL must start with postgres:// (leave it empty for the embedded SQLite database)');
    }
    return openPostgres(opts.databaseUrl);
  }
  return openSqlite(sqliteFile(opts.dataDir));
}

/** True when a database error is a unique-constraint violation, on either dialect. */
export function isUniqueViolation(e: unknown): boolean {
  const err = e as { code?: string; message?: string };
  return err?.code === '23505' || err?.code === 'SQLITE_CONSTRAINT_UNIQUE' || err?.code === 'SQLITE_CONSTRAINT_PRIMARYKEY';
}

export function isForeignKeyViolation(e: unknown): boolean {
  const err = e as { code?: string };
  return err?.code === '23503' || err?.code === 'SQLITE_CONSTRAINT_FOREIGNKEY';
}
