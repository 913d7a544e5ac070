import { parse } from 'csv-parse/sync';
import { isAppError } from '../../core/http/errors.js';
import { generateTemporaryPassword, hashPassword } from './admin-passwords.js';
import * as groupsRepo from './groups.repo.js';
import { MEMBERSHIP_CHANGED } from './groups.service.js';
import { passwordProblems } from './password-policy.js';
import * as users from './users.repo.js';
import * as repo from './users-admin.repo.js';
import { CsvMalformed, ImportInvalid, ImportTooLarge } from './users-admin.errors.js';
import type { UsersAdminService } from './users-admin.service.js';
import { newUserRow, type Actor } from './users-admin.types.js';

/**
 * CSV import of seed 004: validate every row first and store all of them in one transaction, or
 * none. Columns: username,password,display_name,email,roles,groups (roles and groups separated by
 * ";"). A row without a password gets a generated one, returned once in the answer.
 */
export const IMPORT_COLUMNS = ['username', 'password', 'display_name', 'email', 'roles', 'groups'] as const;
export const MAX_IMPORT_ROWS = 1000;
export const USERNAME_RE = /^[A-Za-z0-9._-]{2,50}$/;
const EMAIL_RE = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

type Column = (typeof IMPORT_COLUMNS)[number];
export interface ImportRow {
  row: number;
  line: number;
  cells: Record<Column, string>;
}
export interface RowReport {
  row: number;
  username: string;
  ok: boolean;
  errors: string[];
}

interface Checked extends ImportRow {
  username: string;
  roles: string[];
  groupIds: number[];
  errors: string[];
}

const list = (cell: string): string[] => [
  ...new Set(
    cell
      .split(';')
      .map((s) => s.trim())
      .filter(Boolean),
  ),
];

/** Parse the text into rows keyed by the known columns; a broken file fails with its line. */
export function parseImportCsv(text: string): ImportRow[] {
  let records: { record: string[]; info: { lines: number } }[];
  try {
    records = parse(text, { bom: true, info: true, skip_empty_lines: true, trim: true, relax_quotes: false }) as never;
  } catch (e) {
    const err = e as { code?: string; message: string; lines?: number };
    throw new CsvMalformed(
      { line: err.lines ?? null, reason: err.message, code: err.code ?? null },
      `The CSV cannot be read: ${err.message}`,
    );
  }
  if (!records.length) throw new CsvMalformed({ line: 1, reason: 'empty file' }, 'The CSV is empty: a header line is needed.');
  // "displayName", "Display Name" and "display_name" all name the same column.
  const header = records[0].record.map((h) =>
    h
      .trim()
      .toLowerCase()
      .replace(/[\s-]+/g, '_')
      .replace(/^displayname$/, 'display_name'),
  );
  const unknown = header.filter((h) => !(IMPORT_COLUMNS as readonly string[]).includes(h));
  const dupes = header.filter((h, i) => header.indexOf(h) !== i);
  if (unknown.length || dupes.length || !header.includes('username')) {
    throw new CsvMalformed(
      { line: 1, unknownColumns: unknown, duplicateColumns: dupes, expected: IMPORT_COLUMNS },
      `The header must name the columns ${IMPORT_COLUMNS.join(',')} (username is required).`,
    );
  }
  const rows = records.slice(1);
  if (!rows.length) throw new CsvMalformed({ line: 2, reason: 'no rows' }, 'The CSV has a header but no users.');
  if (rows.length > MAX_IMPORT_ROWS) throw new ImportTooLarge({ rows: rows.length, max: MAX_IMPORT_ROWS });
  return rows.map((r, i) => {
    const cells = Object.fromEntries(IMPORT_COLUMNS.map((c) => [c, ''])) as Record<Column, string>;
    header.forEach((h, j) => (cells[h as Column] = r.record[j] ?? ''));
    return { row: i + 1, line: r.info.lines, cells };
  });
}

/** The checks that need no database: format, policy and duplicates inside the file. */
function checkCells(r: ImportRow, seen: Map<string, number>): Checked {
  const c = r.cells;
  const username = c.username.toLowerCase();
  const errors: string[] = [];
  if (Object.values(c).some((v) => v.includes('\u0000'))) errors.push('a cell contains a NUL character');
  if (!USERNAME_RE.test(c.username)) errors.push('username: 2–50 characters of A–Z, a–z, 0–9, ".", "_", "-"');
  else if (seen.has(username)) errors.push(`username: also on row ${seen.get(username)}`);
  else seen.set(username, r.row);
  if (c.password) {
    for (const p of passwordProblems(c.password, username)) errors.push(`password: ${p.message}`);
  }
  if (c.display_name.length > 100) errors.push('display_name: at most 100 characters');
  if (c.email && (c.email.length > 255 || !EMAIL_RE.test(c.email))) errors.push('email: not a valid address');
  return { ...r, username, roles: list(c.roles), groupIds: [], errors };
}

/** Validate all rows; returns the checked rows and the per-row report. */
export async function validateImport(svc: UsersAdminService, rows: ImportRow[]): Promise<{ checked: Checked[]; report: RowReport[] }> {
  const seen = new Map<string, number>();
  const checked = rows.map((r) => checkCells(r, seen));
  const taken = new Set((await repo.findUsersByUsernames(svc.db, [...seen.keys()])).map((u) => u.username));
  const roleNames = [...new Set(checked.flatMap((r) => r.roles))];
  const groupNames = [...new Set(checked.flatMap((r) => list(r.cells.groups)))];
  const unknownRoles = new Set<string>();
  for (const role of roleNames) {
    try {
      await svc.access.assertRolesExist([role]);
    } catch (e) {
      if (!isAppError(e) || e.statusCode !== 400) throw e;
      unknownRoles.add(role);
    }
  }
  const groups = new Map((await groupsRepo.findGroupsByRefs(svc.db, [], groupNames)).map((g) => [g.name, g.id]));
  for (const r of checked) {
    if (taken.has(r.username)) r.errors.push('username: already exists');
    for (const role of r.roles.filter((x) => unknownRoles.has(x))) r.errors.push(`roles: no role "${role}"`);
    for (const g of list(r.cells.groups)) {
      const id = groups.get(g);
      if (id === undefined) r.errors.push(`groups: no group "${g}"`);
      else r.groupIds.push(id);
    }
  }
  const report = checked.map((r) => ({ row: r.row, username: r.cells.username, ok: r.errors.length === 0, errors: r.errors }));
  return { checked, report };
}

export interface ImportResult {
  imported: number;
  rows: { row: number; username: string; id: number; temporaryPassword?: string }[];
}

/** Store every row in one transaction (after validateImport found no error). */
export async function storeImport(svc: UsersAdminService, rows: Checked[], actor: Actor): Promise<ImportResult> {
  const { bcryptCost, passwordMaxAgeDays } = svc.security();
  // The importing admin cannot hand out roles they could not grant by hand (403, nothing stored).
  const roles = [...new Set(rows.flatMap((r) => r.roles))];
  if (roles.length) await svc.access.assertRolesExist(roles, actor);
  // Hash before the transaction opens: bcrypt is slow on purpose and must not hold the write lock.
  const prepared = await Promise.all(
    rows.map(async (r) => {
      const generated = r.cells.password ? undefined : generateTemporaryPassword(r.username);
      return { r, generated, hash: await hashPassword(r.cells.password || generated!, bcryptCost) };
    }),
  );
  const now = svc.now();
  const out = await svc.write(async (trx) => {
    const result: ImportResult['rows'] = [];
    for (const { r, generated, hash } of prepared) {
      const fields = { username: r.username, passwordHash: hash, displayName: r.cells.display_name, email: r.cells.email || null };
      const id = await users.insertUser(
        trx,
        newUserRow({ ...fields, mustChangePassword: true, createdBy: actor.userId }, now, passwordMaxAgeDays),
      );
      if (r.roles.length) await svc.access.assignRoles(trx, id, r.roles, actor);
      if (r.groupIds.length) await repo.setGroupsOfUser(trx, id, r.groupIds);
      await svc.audit(trx, actor, 'identity.user.create', id, {
        username: r.username,
        source: 'import',
        row: r.row,
        roles: r.roles,
        groups: r.groupIds,
      });
      result.push({ row: r.row, username: r.username, id, ...(generated ? { temporaryPassword: generated } : {}) });
    }
    await svc.audit(trx, actor, 'identity.users.import', undefined, { imported: result.length, usernames: result.map((x) => x.username) });
    return result;
  });
  const joined = rows.filter((r) => r.groupIds.length).map((r) => out.find((o) => o.row === r.row)!.id);
  if (joined.length) await svc.deps.ctx.events.publish(MEMBERSHIP_CHANGED, { userIds: joined });
  return { imported: out.length, rows: out };
}

/** The whole import: parse, validate, then store all or nothing (or only report, on a dry run). */
export async function importUsers(svc: UsersAdminService, csv: string, dryRun: boolean, actor: Actor) {
  const rows = parseImportCsv(csv);
  const { checked, report } = await validateImport(svc, rows);
  const valid = report.every((r) => r.ok);
  if (dryRun) return { dryRun: true as const, valid, rows: report };
  if (!valid)
    throw new ImportInvalid(report, `${report.filter((r) => !r.ok).length} of ${report.length} rows are not valid; nothing was imported.`);
  return storeImport(svc, checked, actor);
}
