/**
 * Who is calling. Core defines the shape and the two functions it needs; identity (who) and
 * access (may they) provide them when app.ts composes the server, so core imports no module.
 */
export interface Principal {
  userId: number;
  username: string;
  /** 'session' for a signed-in browser or CLI, 'api-token' for a personal API token. */
  kind: 'session' | 'api-token';
  sessionId?: number;
  tokenId?: number;
  /** An API token may be limited to some permission codes; undefined means no limit. */
  scopes?: string[];
  mustChangePassword: boolean;
  mustEnrollMfa: boolean;
}

/** What a permission is asked about: any part left out means "anywhere". */
export interface Resource {
  project?: string;
  branch?: string;
  environment?: string;
}

export interface Authenticator {
  /** Resolve a bearer token; null when it is unknown, expired or revoked. */
  authenticate(token: string): Promise<Principal | null>;
}

export interface Authorizer {
  can(userId: number, permission: string, resource?: Resource): Promise<boolean>;
}

export interface RequestMeta {
  ip: string;
  userAgent: string;
}

/** True when the token's scopes allow the permission ("*" or the code or its module prefix). */
export function scopeAllows(scopes: string[] | undefined, permission: string): boolean {
  if (!scopes) return true;
  return scopes.some((s) => s === '*' || s === permission || (s.endsWith('.*') && permission.startsWith(s.slice(0, -1))));
}
