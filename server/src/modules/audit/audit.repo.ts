import { sql } from 'kysely';
import type { Db } from '../../core/db/db.js';
import { likeContains } from '../../core/http/pagination.js';
import type { AuditEventRow, AuditFilter, AuditTables } from './audit.types.js';

type D = Db<AuditTables>;

export async function lastHash(db: D): Promise<string | undefined> {
  const row = await db.selectFrom('audit_events').select('hash').orderBy('id', 'desc').limit(1).executeTakeFirst();
  return row?.hash;
}

export async function insertEvent(db: D, row: Omit<AuditEventRow, 'id'>): Promise<number> {
  const r = await db
    .insertInto('audit_events')
    .values(row as never)
    .returning('id')
    .executeTakeFirstOrThrow();
  return r.id;
}

function filtered(db: D, f: AuditFilter) {
  let q = db.selectFrom('audit_events');
  if (f.from) q = q.where('created_at', '>=', f.from);
  if (f.to) q = q.where('created_at', '<=', f.to);
  if (f.action)
    q = f.action.endsWith('*')
      ? q.where('action', 'like', f.action.slice(0, -1).replace(/[\\%_]/g, (c) => '\\' + c) + '%')
      : q.where('action', '=', f.action);
  if (f.user) q = q.where(sql<boolean>`lower(username) like ${likeContains(f.user.toLowerCase())} escape '\\'`);
  if (f.project) q = q.where('project', '=', f.project);
  if (f.outcome) q = q.where('outcome', '=', f.outcome);
  return q;
}

export async function findEvents(db: D, f: AuditFilter, limit: number, offset: number): Promise<{ rows: AuditEventRow[]; total: number }> {
  const [rows, count] = await Promise.all([
    filtered(db, f).selectAll().orderBy('id', 'desc').limit(limit).offset(offset).execute(),
    filtered(db, f)
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow(),
  ]);
  return { rows, total: Number(count.n) };
}

/** Walk the whole chain in id order, a page at a time. */
export async function* allEventsInOrder(db: D, pageSize = 1000): AsyncGenerator<AuditEventRow> {
  let after = 0;
  for (;;) {
    const rows = await db.selectFrom('audit_events').selectAll().where('id', '>', after).orderBy('id').limit(pageSize).execute();
    if (!rows.length) return;
    yield* rows;
    after = rows[rows.length - 1].id;
  }
}
