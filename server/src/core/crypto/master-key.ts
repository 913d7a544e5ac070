import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';

/**
 * The master key comes from config (GATEHOUSE_SECRET_KEY) or, on a fresh install, is generated once
 * into `<dataDir>/secret.key` (mode 0600). Losing it makes stored secrets unreadable, which the
 * README's backup section says.
 */
export function loadMasterKey(configured: string, dataDir: string): Buffer {
  if (configured) {
    const key = Buffer.from(configured, 'base64');
    if (key.length !== 32) throw new Error('GATEHOUSE_SECRET_KEY must be base64 of exactly 32 bytes (openssl rand -base64 32).');
    return key;
  }
  const file = join(dataDir, 'secret.key');
  if (existsSync(file)) return Buffer.from(readFileSync(file, 'utf8').trim(), 'base64');
  mkdirSync(dataDir, { recursive: true });
  const key = randomBytes(32);
  writeFileSync(file, key.toString('base64') + '\n', { mode: 0o600 });
  return key;
}
