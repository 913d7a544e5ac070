import { existsSync, mkdirSync, readdirSync, renameSync, statSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import type SQLite from 'better-sqlite3';

export interface BackupFile {
  name: string;
  bytes: number;
  createdAt: string;
}

// gatehouse-YYYYMMDD-HHMMSS.db, optionally -N when several are taken in one second.
const PATTERN = /^gatehouse-(\d{4})(\d{2})(\d{2})-(\d{2})(\d{2})(\d{2})(?:-\d+)?\.db$/;

export function backupDir(dataDir: string): string {
  return join(dataDir, 'backups');
}

/** When a backup was taken, read from its name (the clock that took it), not from the file system. */
function createdAtOf(name: string): string {
  const m = PATTERN.exec(name)!;
  return `${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6]}.000Z`;
}

function freeName(dir: string, now: Date): string {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
  let name = `gatehouse-${stamp}.db`;
  for (let i = 2; existsSync(join(dir, name)); i++) name = `gatehouse-${stamp}-${i}.db`;
  return name;
}

/**
 * An online backup of the SQLite file with SQLite's backup API, which copies a consistent snapshot
 * while Gatehouse keeps writing (writes through the same connection are carried into the copy).
 * It is written under a temporary name and renamed, so a listed backup is always complete; then
 * only the newest `retention` backups are kept.
 *
 * Restore (README "Backup and restore"): stop Gatehouse; copy the backup over
 * <dataDir>/gatehouse.db; delete gatehouse.db-wal and gatehouse.db-shm; keep <dataDir>/secret.key
 * (or GATEHOUSE_SECRET_KEY) from the same installation, without it stored secrets cannot be read;
 * start Gatehouse.
 */
export async function backupSqlite(handle: SQLite.Database, dataDir: string, now: Date, retention: number): Promise<BackupFile> {
  const dir = backupDir(dataDir);
  mkdirSync(dir, { recursive: true });
  const name = freeName(dir, now);
  const tmp = join(dir, `.${name}.partial`);
  try {
    await handle.backup(tmp);
    renameSync(tmp, join(dir, name));
  } catch (e) {
    if (existsSync(tmp)) unlinkSync(tmp);
    throw e;
  }
  pruneBackups(dir, retention);
  return { name, bytes: statSync(join(dir, name)).size, createdAt: createdAtOf(name) };
}

/** Backups, newest first. */
export function listBackups(dataDir: string): BackupFile[] {
  const dir = backupDir(dataDir);
  let names: string[];
  try {
    names = readdirSync(dir).filter((n) => PATTERN.test(n));
  } catch {
    return [];
  }
  return names.sort(byAge).map((name) => ({ name, bytes: statSync(join(dir, name)).size, createdAt: createdAtOf(name) }));
}

/** Newest first: by the time in the name, then by the -N suffix. */
function byAge(a: string, b: string): number {
  const ta = createdAtOf(a);
  const tb = createdAtOf(b);
  if (ta !== tb) return ta < tb ? 1 : -1;
  const n = (s: string) => Number(/-(\d+)\.db$/.exec(s.replace(/^gatehouse-\d{8}-\d{6}/, ''))?.[1] ?? 1);
  return n(b) - n(a);
}

function pruneBackups(dir: string, retention: number): void {
  const names = readdirSync(dir)
    .filter((n) => PATTERN.test(n))
    .sort(byAge);
  for (const old of names.slice(retention)) unlinkSync(join(dir, old));
}
