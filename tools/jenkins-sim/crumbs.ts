/**
 * CSRF crumbs (reference §2): issued by /crumbIssuer, bound to the HTTP session (JSESSIONID.<hex>
 * cookie) and the user name; checked on POST unless the request authenticated with an API token.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { Principal } from './auth.js';

export interface Session {
  id: string;
  /** Set by a form login; null for a session created only to carry a crumb. */
  userId: string | null;
}

export class SessionStore {
  readonly sessions = new Map<string, Session>();

  create(userId: string | null = null): Session {
    const s: Session = { id: `node0${randomBytes(12).toString('hex')}`, userId };
    this.sessions.set(s.id, s);
    return s;
  }

  get(id: string | undefined): Session | null {
    return id ? (this.sessions.get(id) ?? null) : null;
  }

  clear(): void {
    this.sessions.clear();
  }
}

/** DefaultCrumbIssuer: SHA-256 over user name ; session id, salted. */
export function crumbFor(principal: Principal, sessionId: string, salt: string): string {
  return createHash('sha256').update(`${principal.name};${sessionId}${salt}`).digest('hex');
}

/** CrumbFilter's decision for a POST: API-token requests are exempt (ApiCrumbExclusion). */
export function crumbValid(principal: Principal, session: Session | null, sent: string | null, salt: string): boolean {
  if (principal.via === 'token') return true;
  if (!session || !sent) return false;
  return sent === crumbFor(principal, session.id, salt);
}
