import type { AppContext } from '../../core/context.js';
import { sha256 } from '../../core/crypto/secret-box.js';
import type { Db } from '../../core/db/db.js';
import type { Authenticator, Principal } from '../../core/http/principal.js';
import type { AccessTokens } from './access-tokens.js';
import type { IdentityTables, UserRow } from './identity.types.js';
import * as sessions from './sessions.repo.js';
import * as users from './users.repo.js';

const TOUCH_EVERY_MS = 60_000;

/**
 * Turns a bearer token into a Principal. Access tokens (JWTs) are checked against their session
 * row and the user on every request, so logout, password change and disable take effect at once.
 * Personal API tokens (`ghp_…`) are looked up by hash.
 */
export function createAuthenticator(ctx: AppContext, tokens: AccessTokens): Authenticator {
  const db = ctx.db as Db<IdentityTables>;
  const usable = (u: UserRow | undefined): u is UserRow => !!u && u.status === 'active';
  const flags = (u: UserRow) => {
    const now = ctx.clock.now().toISOString();
    return {
      mustChangePassword: u.must_change_password === 1 || u.password_expires_at <= now,
      mustEnrollMfa: ctx.config.get().security.mfaEnforced && u.mfa_enabled !== 1,
    };
  };
  return {
    async authenticate(token: string): Promise<Principal | null> {
      const now = ctx.clock.now();
      if (token.startsWith('ghp_')) {
        const t = await sessions.findApiTokenByHash(db, sha256(token));
        if (!t || t.revoked_at || (t.expires_at && t.expires_at <= now.toISOString())) return null;
        const u = await users.findUserById(db, t.user_id);
        if (!usable(u)) return null;
        if (!t.last_used_at || now.getTime() - Date.parse(t.last_used_at) > TOUCH_EVERY_MS) {
          await sessions.touchApiToken(db, t.id, now.toISOString());
        }
        // A machine token cannot answer a forced password change, so it is not held up by one.
        return {
          userId: u.id,
          username: u.username,
          kind: 'api-token',
          tokenId: t.id,
          scopes: JSON.parse(t.scopes) as string[],
          mustChangePassword: false,
          mustEnrollMfa: false,
        };
      }
      const claims = tokens.check(token);
      if (!claims) return null;
      const found = await sessions.findSessionWithUser(db, claims.sid);
      if (!found) return null;
      const { session: s, user: u } = found;
      if (s.revoked_at || String(s.user_id) !== claims.sub || s.expires_at <= now.toISOString()) return null;
      if (!usable(u) || (u.locked_until && u.locked_until > now.toISOString())) return null;
      return { userId: u.id, username: u.username, kind: 'session', sessionId: s.id, ...flags(u) };
    },
  };
}
