import { csvCell } from '../audit/index.js';
import { ExportTooLarge } from './users-admin.errors.js';
import type { UsersAdminService } from './users-admin.service.js';
import type { Actor, UserQuery } from './users-admin.types.js';

/**
 * The user export of seed 004: who, which roles and project-branch grants, account state and
 * password expiry. Built from an explicit column list, so a hash, MFA secret or token can never
 * slip in when the user row grows.
 */
export const MAX_EXPORT_ROWS = 50_000;

export const EXPORT_COLUMNS = [
  'Username',
  'Display name',
  'Email',
  'Roles',
  'Grants (project/branch)',
  'Status',
  'Password expires at',
  'Last login at',
  'Groups',
] as const;

export type ExportFormat = 'csv' | 'xlsx';

export interface ExportFile {
  body: string | Buffer;
  contentType: string;
  filename: string;
}

/** One array per user, in EXPORT_COLUMNS order. */
async function exportRows(svc: UsersAdminService, q: UserQuery): Promise<string[][]> {
  const { rows, total } = await svc.findRows(q, MAX_EXPORT_ROWS, 0);
  if (total > MAX_EXPORT_ROWS) throw new ExportTooLarge({ total, max: MAX_EXPORT_ROWS });
  const users = await svc.decorate(rows);
  const grants = await svc.access.grantsSummaryOf(users.map((u) => u.id));
  return users.map((u) => [
    u.username,
    u.displayName,
    u.email ?? '',
    u.roles.join('; '),
    (grants.get(u.id) ?? []).join('; '),
    u.status,
    u.passwordExpiresAt,
    u.lastLoginAt ?? '',
    u.groups.map((g) => g.name).join('; '),
  ]);
}

function toCsv(rows: string[][]): string {
  const lines = [EXPORT_COLUMNS.map(csvCell).join(','), ...rows.map((r) => r.map(csvCell).join(','))];
  // The BOM makes Excel read the file as UTF-8 (Chinese display names).
  return '\ufeff' + lines.join('\r\n') + '\r\n';
}

async function toXlsx(rows: string[][]): Promise<Buffer> {
  // Loaded on first use: exceljs is large and most processes never export.
  const { default: ExcelJS } = await import('exceljs');
  const wb = new ExcelJS.Workbook();
  wb.creator = 'Gatehouse';
  const ws = wb.addWorksheet('Users');
  ws.addRow([...EXPORT_COLUMNS]).font = { bold: true };
  // Plain string cells: exceljs writes them as text, never as formulas.
  for (const r of rows) ws.addRow(r);
  ws.columns.forEach((c) => (c.width = 22));
  ws.views = [{ state: 'frozen', ySplit: 1 }];
  return Buffer.from(await wb.xlsx.writeBuffer());
}

export async function exportUsers(svc: UsersAdminService, q: UserQuery, format: ExportFormat, actor: Actor): Promise<ExportFile> {
  const rows = await exportRows(svc, q);
  const stamp = svc.now().toISOString().slice(0, 10);
  const file: ExportFile =
    format === 'xlsx'
      ? {
          body: await toXlsx(rows),
          contentType: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
          filename: `gatehouse-users-${stamp}.xlsx`,
        }
      : { body: toCsv(rows), contentType: 'text/csv; charset=utf-8', filename: `gatehouse-users-${stamp}.csv` };
  // Reading is not a mutation, but a bulk export of accounts is something auditors ask about.
  await svc.deps.audit.record(svc.db, {
    actor,
    action: 'identity.users.export',
    resourceType: 'user',
    details: { format, filter: q, count: rows.length },
  });
  return file;
}
