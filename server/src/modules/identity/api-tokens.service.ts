import type { AppContext } from '../../core/context.js';
import { randomToken, sha256 } from '../../core/crypto/secret-box.js';
import type { Db } from '../../core/db/db.js';
import { createError, Forbidden } from '../../core/http/errors.js';
import { scopeAllows } from '../../core/http/principal.js';
import type { AuditService } from '../audit/index.js';
import type { Meta } from './auth.types.js';
import { TokenNotFound } from './identity.errors.js';
import type { ApiTokenRow, IdentityTables } from './identity.types.js';
import * as sessions from './sessions.repo.js';

const UnknownScope = createError('UNKNOWN_SCOPE', 400, 'A scope is not a known permission code.');

export const toApiToken = (r: ApiTokenRow) => ({
  id: r.id,
  name: r.name,
  prefix: r.prefix,
  scopes: JSON.parse(r.scopes) as string[],
  expiresAt: r.expires_at,
  lastUsedAt: r.last_used_at,
  createdAt: r.created_at,
});

/** Personal API tokens for machines (Jenkins calling back, scripts): scoped, expiring, revocable. */
export class ApiTokensService {
  constructor(
    private readonly ctx: AppContext,
    private readonly audit: AuditService,
  ) {}

  private get db(): Db<IdentityTables> {
    return this.ctx.db;
  }

  /** `callerScopes`: the scopes of the API token making the call (undefined for a signed-in session). */
  async create(
    actor: Meta & { userId: number; username: string },
    input: { name: string; expiresInDays?: number; scopes?: string[] },
    callerScopes?: string[],
  ) {
    const scopes = input.scopes?.length ? input.scopes : ['*'];
    const bad = scopes.filter((s) => s !== '*' && !this.ctx.permissions.has(s) && !/^[a-z][a-z0-9-]*\.\*$/.test(s));
    if (bad.length) throw new UnknownScope({ scopes: bad });
    // A scoped token must not mint a wider one: that would undo the limit it was given.
    const wider = scopes.filter((s) => !scopeAllows(callerScopes, s));
    if (wider.length) throw new Forbidden({ scopes: wider }, `This API token may only create tokens within its own scopes.`);
    const token = randomToken('ghp_');
    const now = this.ctx.clock.now();
    const row = {
      user_id: actor.userId,
      name: input.name,
      token_hash: sha256(token),
      prefix: token.slice(0, 10),
      scopes: JSON.stringify(scopes),
      expires_at: input.expiresInDays ? new Date(now.getTime() + input.expiresInDays * 86_400_000).toISOString() : null,
      last_used_at: null,
      revoked_at: null,
      created_at: now.toISOString(),
    };
    const id = await this.db.transaction().execute(async (trx) => {
      const id = await sessions.insertApiToken(trx, row);
      await this.audit.record(trx, {
        actor,
        action: 'identity.token.create',
        resourceType: 'api-token',
        resourceId: id,
        details: { name: input.name, scopes, expiresAt: row.expires_at },
      });
      return id;
    });
    return { ...toApiToken({ id, ...row }), token };
  }

  async list(userId: number) {
    return (await sessions.listApiTokens(this.db, userId)).map(toApiToken);
  }

  async revoke(actor: Meta & { userId: number; username: string }, id: number): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      if (!(await sessions.revokeApiToken(trx, actor.userId, id, this.ctx.clock.now().toISOString()))) throw new TokenNotFound();
      await this.audit.record(trx, { actor, action: 'identity.token.revoke', resourceType: 'api-token', resourceId: id });
    });
  }
}
