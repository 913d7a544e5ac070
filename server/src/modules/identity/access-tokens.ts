import { createSigner, createVerifier } from 'fast-jwt';
import { deriveKey } from '../../core/crypto/secret-box.js';

export interface AccessClaims {
  sub: string;
  sid: number;
}

/**
 * Short-lived access tokens: HS256 JWTs under a key derived from the master key. They carry only
 * the user and session ids; every request re-checks the session, so revocation is immediate.
 */
export class AccessTokens {
  private readonly sign: (p: Record<string, unknown>) => string;
  private readonly verify: (t: string) => AccessClaims & { exp: number };

  constructor(
    masterKey: Buffer,
    private readonly ttlMs: () => number,
    private readonly nowMs: () => number,
  ) {
    const key = deriveKey(masterKey, 'jwt');
    this.sign = createSigner({ key, algorithm: 'HS256', iss: 'gatehouse', noTimestamp: true }) as never;
    this.verify = createVerifier({
      key,
      algorithms: ['HS256'],
      allowedIss: 'gatehouse',
      clockTimestamp: undefined,
      ignoreExpiration: true,
      // Verifying the signature was a tenth of an authorised request's CPU; a token's claims never
      // change, so a verified one is remembered (expiry is still checked below, the session per call).
      cache: 2_000,
      cacheTTL: 10 * 60_000,
    }) as never;
  }

  issue(userId: number, sessionId: number): { token: string; expiresIn: number } {
    const iat = Math.floor(this.nowMs() / 1000);
    const expiresIn = Math.floor(this.ttlMs() / 1000);
    return { token: this.sign({ sub: String(userId), sid: sessionId, iat, exp: iat + expiresIn }), expiresIn };
  }

  /** Claims of a well-signed, unexpired token (against our clock), or null. */
  check(token: string): AccessClaims | null {
    try {
      const c = this.verify(token);
      if (typeof c.exp !== 'number' || c.exp * 1000 <= this.nowMs()) return null;
      return { sub: c.sub, sid: Number(c.sid) };
    } catch {
      return null;
    }
  }
}
