import { constants, createHash, generateKeyPairSync, privateDecrypt } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createError } from '../../core/http/errors.js';

export const InvalidEncryptedPassword = createError(
  'INVALID_ENCRYPTED_PASSWORD',
  400,
  'The encrypted password cannot be decrypted; fetch the current public key and try again.',
);

/**
 * Optional RSA-OAEP (SHA-256) encryption of the password field at login (seed 004). The key pair
 * lives in <dataDir>/keys and is made on first use, not at start, since generating it takes time.
 * This is defence in depth against logging proxies; TLS is still required.
 */
export class RsaLoginKeys {
  private pair?: { publicKey: string; privateKey: string; keyId: string };

  constructor(private readonly dataDir: string) {}

  private load() {
    if (this.pair) return this.pair;
    const dir = join(this.dataDir, 'keys');
    const pub = join(dir, 'public.pem');
    const priv = join(dir, 'private.pem');
    if (!existsSync(pub) || !existsSync(priv)) {
      mkdirSync(dir, { recursive: true });
      const { publicKey, privateKey } = generateKeyPairSync('rsa', {
        modulusLength: 2048,
        publicKeyEncoding: { type: 'spki', format: 'pem' },
        privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
      });
      writeFileSync(priv, privateKey, { mode: 0o600 });
      chmodSync(priv, 0o600);
      writeFileSync(pub, publicKey);
    }
    const publicKey = readFileSync(pub, 'utf8');
    this.pair = {
      publicKey,
      privateKey: readFileSync(priv, 'utf8'),
      keyId: createHash('sha256').update(publicKey).digest('hex').slice(0, 16),
    };
    return this.pair;
  }

  publicInfo() {
    const p = this.load();
    return { algorithm: 'RSA-OAEP-256', publicKey: p.publicKey, keyId: p.keyId };
  }

  decrypt(b64: string): string {
    try {
      const buf = privateDecrypt(
        { key: this.load().privateKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256' },
        Buffer.from(b64, 'base64'),
      );
      return buf.toString('utf8');
    } catch {
      throw new InvalidEncryptedPassword();
    }
  }
}
