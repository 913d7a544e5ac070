import { sql, type CreateTableBuilder, type Kysely } from 'kysely';
import type { Dialect } from './db.js';

/**
 * Column helpers for migrations, so each table is written once for both dialects:
 * ids are integer identities, times are timestamptz on PostgreSQL and ISO-8601 text on SQLite
 * (read back as ISO strings on both), flags are 0/1 integers (SQLite cannot bind booleans),
 * JSON is text.
 */

export function dialectOf(db: Kysely<any>): Dialect {
  const name = db.getExecutor().adapter.constructor.name;
  return name.startsWith('Postgres') ? 'postgres' : 'sqlite';
}

export function withId<T extends string>(t: CreateTableBuilder<T, never>, dialect: Dialect): CreateTableBuilder<T, 'id'> {
  return dialect === 'postgres'
    ? t.addColumn('id', 'serial', (c) => c.primaryKey())
    : t.addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement());
}

export function timeType(dialect: Dialect) {
  return dialect === 'postgres' ? sql`timestamptz` : sql`text`;
}

/** The current time as stored: ISO-8601 with milliseconds and Z, which sorts correctly as text. */
export const iso = (d: Date): string => d.toISOString();
