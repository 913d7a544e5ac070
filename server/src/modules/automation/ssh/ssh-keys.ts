import { createHash } from 'node:crypto';
import type ssh2 from 'ssh2';
import { loadSsh2 } from './ssh2-lib.js';
import type { KeyPair } from './ssh.types.js';

type Parsed = ssh2.ParsedKey;

/** ssh2's parser returns an Error instead of throwing, and an array for multi-key files. */
function parse(text: string): Parsed | Error {
  let r: Parsed | Parsed[] | Error;
  try {
    r = loadSsh2().utils.parseKey(text.trim()) as Parsed | Parsed[] | Error;
  } catch (e) {
    return e instanceof Error ? e : new Error(String(e));
  }
  if (Array.isArray(r)) return r[0] ?? new Error('no key found');
  return r;
}

/** The OpenSSH SHA256 fingerprint of a public key blob (the wire format of the key). */
export function fingerprintOfBlob(blob: Buffer): string {
  return 'SHA256:' + createHash('sha256').update(blob).digest('base64').replace(/=+$/, '');
}

/**
 * The SHA256 fingerprint ("SHA256:…", as `ssh-keygen -lf` prints it) of an OpenSSH public key line or
 * of a private key (its public half). Throws on text that is not a key.
 */
export function fingerprintOf(publicKeyOrPrivateKey: string): string {
  const key = parse(publicKeyOrPrivateKey);
  if (key instanceof Error) throw new Error(`not an SSH key: ${key.message}`);
  return fingerprintOfBlob(key.getPublicSSH());
}

/**
 * A new ed25519 key pair; the public key line carries `comment`.
 *
 * ssh2's generator drops a leading zero byte of the 32-byte public key (about 1 key in 128), which
 * yields a key nobody can parse — sshd included. Such a pair is thrown away and another one made.
 */
export function generateKeyPair(comment: string): KeyPair {
  const safe = comment.replace(/[\r\n]+/g, ' ').trim();
  for (let attempt = 0; attempt < 32; attempt++) {
    const kp = loadSsh2().utils.generateKeyPairSync('ed25519', { comment: safe });
    const pub = parse(kp.public);
    const priv = validatePrivateKey(kp.private);
    if (pub instanceof Error || !priv.ok) continue;
    const blob = pub.getPublicSSH();
    if (blob.toString('base64') !== priv.publicKey.split(' ')[1]) continue;
    return { privateKey: kp.private, publicKey: kp.public.trim(), fingerprint: fingerprintOfBlob(blob) };
  }
  throw new Error('could not generate a usable ed25519 key pair');
}

/**
 * Whether `pem` is a private key Gatehouse can log in with: parseable, a private (not public) key,
 * and not protected by a passphrase (there is nobody to type it when a task runs at 3 a.m.).
 */
export function validatePrivateKey(
  pem: string,
): { ok: true; type: string; publicKey: string; fingerprint: string } | { ok: false; message: string } {
  if (typeof pem !== 'string' || !pem.trim()) return { ok: false, message: 'the private key is empty' };
  const key = parse(pem);
  if (key instanceof Error) {
    if (/encrypted|passphrase/i.test(key.message))
      return { ok: false, message: 'the private key is protected by a passphrase; upload an unencrypted key' };
    return { ok: false, message: `the private key cannot be read: ${key.message}` };
  }
  if (!key.isPrivateKey()) return { ok: false, message: 'this is a public key; upload the private key' };
  const blob = key.getPublicSSH();
  return { ok: true, type: key.type, publicKey: `${key.type} ${blob.toString('base64')}`, fingerprint: fingerprintOfBlob(blob) };
}

/** "type base64" of a one-line OpenSSH public key, or null when the text is not one. */
export function publicKeyLine(publicKey: string): { line: string; blob: string } | null {
  const text = publicKey.trim();
  if (/[\r\n\0]/.test(text)) return null;
  const key = parse(text);
  if (key instanceof Error || key.isPrivateKey()) return null;
  const blob = key.getPublicSSH().toString('base64');
  const comment = text.split(/\s+/).slice(2).join(' ');
  return { line: `${key.type} ${blob}${comment ? ' ' + comment : ''}`, blob };
}
