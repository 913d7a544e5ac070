import bcrypt from 'bcrypt';
import type { AppContext } from '../../core/context.js';
import { parseDuration } from '../../core/clock.js';
import { randomToken, sha256 } from '../../core/crypto/secret-box.js';
import type { Db } from '../../core/db/db.js';
import type { AuditService } from '../audit/index.js';
import type { NotifyService } from '../notify/index.js';
import { AccessTokens } from './access-tokens.js';
import { assertStrongPassword } from './admin-passwords.js';
import type { LoginInput, LoginResult, Meta, TokenPair } from './auth.types.js';
import {
  AccountDisabled,
  AccountLocked,
  InvalidCredentials,
  InvalidOtp,
  InvalidRefreshToken,
  MfaRequired,
  PasswordReused,
  WrongCurrentPassword,
} from './identity.errors.js';
import { toUser, type IdentityTables, type UserRow } from './identity.types.js';
import type { MfaService } from './mfa.service.js';
import type { RsaLoginKeys } from './rsa-login.js';
import * as sessions from './sessions.repo.js';
import * as users from './users.repo.js';

type FailureActor = Meta & { userId: number | null; username: string };

// Compared against when the username is unknown, so a miss costs as much time as a hit.
let dummyHash: Promise<string> | undefined;
const dummy = (cost: number) => (dummyHash ??= bcrypt.hash('gatehouse-dummy', cost));

/** Sign-in, token refresh, sign-out and password change: the rules of seed 004 and DESIGN.md. */
export class AuthService {
  readonly tokens: AccessTokens;

  constructor(
    private readonly ctx: AppContext,
    private readonly audit: AuditService,
    private readonly mfa: MfaService,
    private readonly rsa: RsaLoginKeys,
    private readonly notify?: NotifyService,
  ) {
    this.tokens = new AccessTokens(
      ctx.masterKey,
      () => parseDuration(this.sec().accessTokenTtl),
      () => ctx.clock.now().getTime(),
    );
  }

  private get db(): Db<IdentityTables> {
    return this.ctx.db;
  }
  private sec() {
    return this.ctx.config.get().security;
  }
  private nowIso() {
    return this.ctx.clock.now().toISOString();
  }

  async login(input: LoginInput, meta: Meta): Promise<LoginResult> {
    const password = input.encryptedPassword !== undefined ? this.rsa.decrypt(input.encryptedPassword) : (input.password ?? '');
    const username = input.username.trim().toLowerCase();
    const row = await users.findUserByUsername(this.db, username);
    const ok = await bcrypt.compare(password, row?.password_hash ?? (await dummy(this.sec().bcryptCost)));
    const actor = { userId: row?.id ?? null, username, ...meta };
    if (!row) {
      await this.audit.record(this.db, { actor, action: 'identity.login', outcome: 'failure', details: { reason: 'unknown-user' } });
      throw new InvalidCredentials();
    }
    const now = this.ctx.clock.now();
    if (row.status === 'disabled') {
      await this.audit.record(this.db, {
        actor,
        action: 'identity.login',
        outcome: 'denied',
        resourceType: 'user',
        resourceId: row.id,
        details: { reason: 'disabled' },
      });
      throw new AccountDisabled();
    }
    if (row.status === 'locked' || (row.locked_until && row.locked_until > now.toISOString())) {
      await this.audit.record(this.db, {
        actor,
        action: 'identity.login',
        outcome: 'denied',
        resourceType: 'user',
        resourceId: row.id,
        details: { reason: 'locked' },
      });
      throw new AccountLocked(row.status === 'locked' ? null : row.locked_until);
    }
    if (!ok) throw await this.fail(row, actor, 'wrong-password', new InvalidCredentials());
    if (row.mfa_enabled === 1) {
      if (!input.otp) throw new MfaRequired();
      const accepted = await this.mfa.verifyLoginCode(row, input.otp);
      if (!accepted) throw await this.fail(row, actor, 'wrong-otp', new InvalidOtp());
    }
    const result = await this.db.transaction().execute(async (trx) => {
      await users.updateUser(trx, row.id, {
        failed_login_attempts: 0,
        locked_until: null,
        last_login_at: now.toISOString(),
        last_login_ip: meta.ip,
      });
      if (this.sec().singleSession) await sessions.revokeAllSessions(trx, row.id, 'single-session', now.toISOString());
      const pair = await this.openSession(trx, row.id, meta);
      await this.audit.record(trx, {
        actor,
        action: 'identity.login',
        resourceType: 'user',
        resourceId: row.id,
        details: { mfa: row.mfa_enabled === 1, encrypted: input.encryptedPassword !== undefined },
      });
      return { ...pair, user: this.loginUser({ ...row, last_login_at: now.toISOString(), last_login_ip: meta.ip }) };
    });
    if (row.last_login_ip !== null && row.last_login_ip !== meta.ip) await this.tellNewAddress(row, meta, now);
    return result;
  }

  /** A sign-in from another address than last time: tell the account's owner (never fails the sign-in). */
  private async tellNewAddress(row: UserRow, meta: Meta, now: Date): Promise<void> {
    await this.notify
      ?.publish(null, {
        event: 'login.new-address',
        recipients: [row.id],
        severity: 'warning',
        link: '/profile',
        vars: {
          username: row.username,
          ip: meta.ip,
          previousIp: row.last_login_ip,
          at: now.toISOString(),
          userAgent: meta.userAgent || null,
        },
      })
      .catch((e: unknown) => this.ctx.log.warn({ err: e, userId: row.id }, 'could not send the new sign-in address notice'));
  }

  /** Count a failure; the threshold locks the account. The error to throw is returned. */
  private fail(row: UserRow, actor: FailureActor, reason: string, err: Error): Promise<Error> {
    return countFailedSignIn(this.ctx, this.audit, row, actor, reason, err);
  }

  loginUser(row: UserRow) {
    const now = this.ctx.clock.now();
    const passwordExpired = row.password_expires_at <= now.toISOString();
    return {
      ...toUser(row, now),
      mustChangePassword: row.must_change_password === 1 || passwordExpired,
      passwordExpired,
      mustEnrollMfa: this.sec().mfaEnforced && row.mfa_enabled !== 1,
    };
  }

  async openSession(trx: Db, userId: number, meta: Meta): Promise<TokenPair> {
    const refresh = randomToken('ghr_');
    const now = this.ctx.clock.now();
    const id = await sessions.insertSession(trx as Db<IdentityTables>, {
      user_id: userId,
      refresh_hash: sha256(refresh),
      previous_refresh_hash: null,
      created_at: now.toISOString(),
      refreshed_at: now.toISOString(),
      expires_at: new Date(now.getTime() + parseDuration(this.sec().refreshTokenTtl)).toISOString(),
      revoked_at: null,
      revoked_reason: null,
      ip_address: meta.ip,
      user_agent: meta.userAgent,
    });
    const { token, expiresIn } = this.tokens.issue(userId, id);
    return { accessToken: token, refreshToken: refresh, expiresIn, tokenType: 'Bearer' };
  }

  async refresh(refreshToken: string, meta: Meta): Promise<TokenPair> {
    const hash = sha256(refreshToken);
    const now = this.ctx.clock.now();
    const s = await sessions.findSessionByRefresh(this.db, hash);
    if (!s) {
      // A rotated token presented again means it was copied: end that session for everyone.
      const stolen = await sessions.findSessionByPreviousRefresh(this.db, hash);
      if (stolen && !stolen.revoked_at) {
        await this.db.transaction().execute(async (trx) => {
          await sessions.revokeSession(trx, stolen.id, 'refresh-reuse', now.toISOString());
          await this.audit.record(trx, {
            actor: { userId: stolen.user_id, ...meta },
            action: 'identity.session.reuse-detected',
            outcome: 'denied',
            resourceType: 'session',
            resourceId: stolen.id,
          });
        });
      }
      throw new InvalidRefreshToken();
    }
    const user = await users.findUserById(this.db, s.user_id);
    // A locked-out account gets no new tokens either: they would be refused on first use anyway.
    const lockedOut = !!user?.locked_until && user.locked_until > now.toISOString();
    if (s.revoked_at || s.expires_at <= now.toISOString() || !user || user.status !== 'active' || lockedOut)
      throw new InvalidRefreshToken();
    const next = randomToken('ghr_');
    const expiresAt = new Date(now.getTime() + parseDuration(this.sec().refreshTokenTtl)).toISOString();
    if (!(await sessions.rotateRefresh(this.db, s.id, hash, sha256(next), now.toISOString(), expiresAt))) throw new InvalidRefreshToken();
    const { token, expiresIn } = this.tokens.issue(s.user_id, s.id);
    return { accessToken: token, refreshToken: next, expiresIn, tokenType: 'Bearer' };
  }

  async logout(userId: number, username: string, sessionId: number | undefined, meta: Meta): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      if (sessionId) await sessions.revokeSession(trx, sessionId, 'logout', this.nowIso());
      await this.audit.record(trx, {
        actor: { userId, username, ...meta },
        action: 'identity.logout',
        resourceType: 'session',
        resourceId: sessionId,
      });
    });
  }

  /** Change one's own password: every session ends and this client gets a fresh one. */
  async changePassword(userId: number, current: string, next: string, meta: Meta): Promise<LoginResult> {
    const row = await users.findUserById(this.db, userId);
    if (!row) throw new InvalidCredentials();
    const actor = { userId, username: row.username, ...meta };
    if (!(await bcrypt.compare(current, row.password_hash)))
      throw await this.fail(row, actor, 'wrong-current-password', new WrongCurrentPassword());
    assertStrongPassword(next, row.username);
    if (await bcrypt.compare(next, row.password_hash)) throw new PasswordReused();
    const hash = await bcrypt.hash(next, this.sec().bcryptCost);
    const now = this.ctx.clock.now();
    return this.db.transaction().execute(async (trx) => {
      const patch = {
        password_hash: hash,
        password_changed_at: now.toISOString(),
        password_expires_at: new Date(now.getTime() + this.sec().passwordMaxAgeDays * 86_400_000).toISOString(),
        password_reminded_at: null,
        must_change_password: 0,
        failed_login_attempts: 0,
        updated_at: now.toISOString(),
      };
      await users.updateUser(trx, userId, patch);
      await sessions.revokeAllSessions(trx, userId, 'password-change', now.toISOString());
      const pair = await this.openSession(trx, userId, meta);
      await this.audit.record(trx, { actor, action: 'identity.password.change', resourceType: 'user', resourceId: userId });
      return { ...pair, user: this.loginUser({ ...row, ...patch }) };
    });
  }
}

/**
 * Count a failed sign-in for the lockout rule, audited as one: a wrong password or code at login,
 * and also on the routes that re-check them for a signed-in user (password change, MFA), so a
 * stolen session cannot guess without limit. The threshold locks the account; the error to throw
 * is returned.
 */
export async function countFailedSignIn(
  ctx: AppContext,
  audit: AuditService,
  row: UserRow,
  actor: FailureActor,
  reason: string,
  err: Error,
): Promise<Error> {
  const s = ctx.config.get().security;
  const now = ctx.clock.now();
  return (ctx.db as Db<IdentityTables>).transaction().execute(async (trx) => {
    const fresh = await users.findUserById(trx, row.id);
    const attempts = (fresh?.failed_login_attempts ?? 0) + 1;
    const lock = attempts >= s.lockoutThreshold;
    const lockedUntil = lock ? new Date(now.getTime() + s.lockoutMinutes * 60_000).toISOString() : null;
    await users.updateUser(trx, row.id, {
      failed_login_attempts: lock ? 0 : attempts,
      locked_until: lockedUntil ?? fresh?.locked_until ?? null,
    });
    await audit.record(trx, {
      actor,
      action: 'identity.login',
      outcome: 'failure',
      resourceType: 'user',
      resourceId: row.id,
      details: { reason, attempts },
    });
    if (lock)
      await audit.record(trx, {
        actor,
        action: 'identity.user.lockout',
        resourceType: 'user',
        resourceId: row.id,
        details: { lockedUntil },
      });
    return lock ? new AccountLocked(lockedUntil) : err;
  });
}
