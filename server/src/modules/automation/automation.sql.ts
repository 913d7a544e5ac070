import { sql } from 'kysely';
import { likeContains } from '../../core/http/pagination.js';

/** SQL pieces the automation repos share. User text is always bound, LIKE wildcards escaped. */

/** A condition no row meets (an empty visible-project list). */
export const nothing = sql<boolean>`1 = 0`;

/** Name search: case-insensitive on both dialects, "%" and "_" match literally. */
export const nameLike = (q: string) => sql<boolean>`lower(name) like ${likeContains(q.toLowerCase())} escape '\\'`;

/** "creator" is a user id, or part of the creator's user name (case-insensitive, wildcards literal). */
export function creatorClause(creator: string) {
  if (/^\d+$/.test(creator)) return sql<boolean>`created_by = ${Number(creator)}`;
  return sql<boolean>`lower(coalesce(created_by_name, '')) like ${likeContains(creator.toLowerCase())} escape '\\'`;
}

/** Does a JSON array column hold this exact string? Matched on its JSON form, so no false hits. */
export const jsonHas = (column: string, value: string) =>
  sql<boolean>`${sql.ref(column)} like ${likeContains(JSON.stringify(value))} escape '\\'`;
