import { afterAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { deriveKey, loadMasterKey, SecretBox } from '../src/core/crypto/index.js';

const dir = mkdtempSync(join(tmpdir(), 'gatehouse-crypto-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('secret box', () => {
  const key = randomBytes(32);
  const box = new SecretBox(key);

  it('seals to a versioned, randomised form and opens it again', () => {
    const a = box.seal('ssh-password 密码');
    const b = box.seal('ssh-password 密码');
    expect(a).toMatch(/^v1\.[\w-]+\.[\w-]+\.[\w-]+$/);
    expect(a).not.toBe(b); // fresh IV each time
    expect(a).not.toContain('ssh-password');
    expect(box.open(a)).toBe('ssh-password 密码');
    expect(box.open(box.seal(''))).toBe('');
  });

  it('refuses a tampered secret, another key, and things that are not sealed', () => {
    const sealed = box.seal('token-123');
    const parts = sealed.split('.');
    const flipped = Buffer.from(parts[3], 'base64url');
    flipped[0] ^= 1;
    expect(() => box.open([parts[0], parts[1], parts[2], flipped.toString('base64url')].join('.'))).toThrow();
    expect(() => new SecretBox(randomBytes(32)).open(sealed)).toThrow();
    expect(() => box.open('plain text')).toThrow('Not a sealed secret.');
    expect(() => new SecretBox(randomBytes(16))).toThrow(/32 bytes/);
  });

  it('derives distinct purpose keys from one master key', () => {
    expect(deriveKey(key, 'jwt').equals(deriveKey(key, 'jwt'))).toBe(true);
    expect(deriveKey(key, 'jwt').equals(deriveKey(key, 'csrf'))).toBe(false);
  });
});

describe('master key', () => {
  it('is generated once into the data directory, readable only by its owner, then reused', () => {
    const data = join(dir, 'data');
    const first = loadMasterKey('', data);
    expect(first).toHaveLength(32);
    const file = join(data, 'secret.key');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(Buffer.from(readFileSync(file, 'utf8').trim(), 'base64').equals(first)).toBe(true);
    expect(loadMasterKey('', data).equals(first)).toBe(true);
  });

  it('comes from configuration when set, and must be 32 bytes', () => {
    const key = randomBytes(32);
    expect(loadMasterKey(key.toString('base64'), join(dir, 'unused')).equals(key)).toBe(true);
    expect(() => loadMasterKey(randomBytes(20).toString('base64'), dir)).toThrow(/exactly 32 bytes/);
  });
});
