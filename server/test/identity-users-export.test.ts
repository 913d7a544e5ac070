import ExcelJS from 'exceljs';
import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeDb } from './test-app.js';
import { adminFixture, auditRows, createUser, expectError, plainUserToken, type AdminFixture } from './identity-users-helpers.js';

const HEADER = [
  'Username',
  'Display name',
  'Email',
  'Roles',
  'Grants (project/branch)',
  'Status',
  'Password expires at',
  'Last login at',
  'Groups',
];

describeDb('user administration: CSV and XLSX export without secrets', () => {
  let f: AdminFixture;
  beforeAll(async () => {
    f = await adminFixture();
    await f.t.inject({ method: 'POST', url: '/api/groups', token: f.admin, payload: { name: 'release' } });
    await createUser(f, { username: 'mei', displayName: '王美', email: 'mei@example.com', roles: ['user'], groups: ['release'] });
    await createUser(f, { username: 'evil', displayName: '=HYPERLINK("http://attacker.example","click")', email: 'evil@example.com' });
    const off = await createUser(f, { username: 'gone', displayName: 'Gone' });
    await f.t.inject({ method: 'POST', url: `/api/users/${off.id}/disable`, token: f.admin });
    // Give one user MFA and a token-like secret, so the test would see them leak.
    await f.t.gh.ctx.db
      .updateTable('identity_users')
      .set({ mfa_secret: 'MFASECRETVALUE1234', mfa_enabled: 1 })
      .where('username', '=', 'mei')
      .execute();
  });
  afterAll(async () => f?.t.close());

  const get = (query: string, token = f.admin) => f.t.inject({ method: 'GET', url: `/api/users/export?${query}`, token });

  it('exports CSV with a BOM, the seed-004 columns and defused formulas, never a hash or secret', async () => {
    const res = await get('format=csv');
    expect(res.statusCode, res.body).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/csv/);
    expect(res.headers['content-disposition']).toMatch(/^attachment; filename="gatehouse-users-\d{4}-\d{2}-\d{2}\.csv"$/);
    expect(res.body.startsWith('\ufeff')).toBe(true);
    expect(res.body).not.toMatch(/\$2[aby]\$/);
    expect(res.body).not.toContain('MFASECRETVALUE1234');
    const rows = parse(res.body, { bom: true }) as string[][];
    expect(rows[0]).toEqual(HEADER);
    const byName = new Map(rows.slice(1).map((r) => [r[0], r]));
    expect([...byName.keys()].sort()).toEqual(['admin', 'evil', 'gone', 'mei']);
    const mei = byName.get('mei')!;
    expect(mei.slice(0, 4)).toEqual(['mei', '王美', 'mei@example.com', 'user']);
    expect(mei[5]).toBe('active');
    expect(mei[6]).toMatch(/^\d{4}-\d{2}-\d{2}T/);
    expect(mei[8]).toBe('release');
    expect(byName.get('gone')![5]).toBe('disabled');
    expect(byName.get('evil')![1]).toBe(`'=HYPERLINK("http://attacker.example","click")`);
    const ev = (await auditRows(f, 'identity.users.export')).at(-1)!;
    expect(ev).toMatchObject({ user_id: f.adminId, details: { format: 'csv', count: 4 } });
  });

  it('exports XLSX that reads back with the same columns and no secrets', async () => {
    const res = await get('format=xlsx');
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('application/vnd.openxmlformats-officedocument.spreadsheetml.sheet');
    expect(res.headers['content-disposition']).toMatch(/\.xlsx"$/);
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(res.rawPayload as unknown as ArrayBuffer);
    const ws = wb.getWorksheet('Users')!;
    const values = ws
      .getSheetValues()
      .filter(Boolean)
      .map((r) => (r as unknown[]).slice(1).map((c) => (c === undefined ? '' : c)));
    expect(values[0]).toEqual(HEADER);
    expect(values).toHaveLength(5);
    const text = JSON.stringify(values);
    expect(text).not.toMatch(/\$2[aby]\$/);
    expect(text).not.toContain('MFASECRETVALUE1234');
    const mei = values.find((r) => r[0] === 'mei')!;
    expect(mei.slice(0, 4)).toEqual(['mei', '王美', 'mei@example.com', 'user']);
    // A formula-looking name is stored as text, not as a formula.
    const evilRow = ws.getRows(1, ws.rowCount)!.find((r) => r.getCell(1).value === 'evil')!;
    expect(evilRow.getCell(2).type).toBe(ExcelJS.ValueType.String);
    expect((await auditRows(f, 'identity.users.export')).at(-1)!.details.format).toBe('xlsx');
  });

  it('applies the list filters', async () => {
    const res = await get('format=csv&status=disabled');
    const rows = parse(res.body, { bom: true }) as string[][];
    expect(rows.slice(1).map((r) => r[0])).toEqual(['gone']);
    const byRole = parse((await get('role=user')).body, { bom: true }) as string[][];
    expect(byRole.slice(1).map((r) => r[0])).toEqual(['mei']);
    const none = parse((await get(`q=${encodeURIComponent("' OR 1=1 --")}`)).body, { bom: true }) as string[][];
    expect(none).toEqual([HEADER]);
  });

  it('refuses unknown formats and bad filters with 400', async () => {
    expectError(await get('format=pdf'), 400, 'VALIDATION_FAILED');
    expectError(await get('format=csv&status=nope'), 400, 'VALIDATION_FAILED');
    expectError(await get('q=a%00'), 400, 'VALIDATION_FAILED');
  });

  it('is forbidden to a plain user', async () => {
    const plain = await plainUserToken(f, 'plain.exporter');
    const before = (await auditRows(f, 'identity.users.export')).length;
    expectError(await get('format=xlsx', plain.token), 403, 'FORBIDDEN');
    expect((await auditRows(f, 'identity.users.export')).length).toBe(before);
  });
});
