import type { AppContext } from '../../core/context.js';
import { randomToken, sha256 } from '../../core/crypto/secret-box.js';
import type { Db } from '../../core/db/db.js';
import type { AuditService } from '../audit/index.js';
import { countFailedSignIn } from './auth.service.js';
import type { Meta } from './auth.types.js';
import { InvalidOtp, MfaAlreadyEnabled, MfaNotPending, UserNotFound, WrongCurrentPassword } from './identity.errors.js';
import type { IdentityTables, UserRow } from './identity.types.js';
import { generateTotpSecret, otpauthUrl, verifyTotp } from './mfa/totp.js';
import * as users from './users.repo.js';
import bcrypt from 'bcrypt';

const RECOVERY_CODES = 10;

/** Recovery codes look like `abcd-efgh-ijkl`: easy to read aloud, 60 bits each. */
const newRecoveryCode = () =>
  randomToken('', 9)
    .toLowerCase()
    .replace(/[^a-z0-9]/g, 'x')
    .slice(0, 12)
    .replace(/(.{4})(?=.)/g, '$1-');

/** TOTP enrolment, verification (with replay protection) and recovery codes. */
export class MfaService {
  constructor(
    private readonly ctx: AppContext,
    private readonly audit: AuditService,
  ) {}

  private get db(): Db<IdentityTables> {
    return this.ctx.db;
  }

  async setup(userId: number, meta: Meta) {
    const row = await this.user(userId);
    if (row.mfa_enabled === 1) throw new MfaAlreadyEnabled();
    const secret = generateTotpSecret();
    const url = otpauthUrl(this.ctx.config.get().security.mfaIssuer, row.username, secret);
    await this.db.transaction().execute(async (trx) => {
      await users.updateUser(trx, userId, {
        mfa_pending_secret: this.ctx.secrets.seal(secret),
        updated_at: this.ctx.clock.now().toISOString(),
      });
      await this.audit.record(trx, {
        actor: { userId, username: row.username, ...meta },
        action: 'identity.mfa.setup',
        resourceType: 'user',
        resourceId: userId,
      });
    });
    // qrcode is loaded when someone enrols, not at start-up.
    const { default: QRCode } = await import('qrcode');
    return { secret, otpauthUrl: url, qrDataUrl: await QRCode.toDataURL(url, { margin: 1, width: 220 }) };
  }

  async enable(userId: number, otp: string, meta: Meta): Promise<{ recoveryCodes: string[] }> {
    const row = await this.user(userId);
    if (row.mfa_enabled === 1) throw new MfaAlreadyEnabled();
    if (!row.mfa_pending_secret) throw new MfaNotPending();
    const secret = this.ctx.secrets.open(row.mfa_pending_secret);
    const step = verifyTotp(secret, otp, this.ctx.clock.now());
    if (step === null) throw new InvalidOtp();
    const codes = Array.from({ length: RECOVERY_CODES }, newRecoveryCode);
    await this.db.transaction().execute(async (trx) => {
      await users.updateUser(trx, userId, {
        mfa_secret: row.mfa_pending_secret,
        mfa_pending_secret: null,
        mfa_enabled: 1,
        mfa_last_counter: step,
        updated_at: this.ctx.clock.now().toISOString(),
      });
      await this.replaceCodes(trx, userId, codes);
      await this.audit.record(trx, {
        actor: { userId, username: row.username, ...meta },
        action: 'identity.mfa.enable',
        resourceType: 'user',
        resourceId: userId,
      });
    });
    return { recoveryCodes: codes };
  }

  async disable(userId: number, password: string, otp: string, meta: Meta): Promise<void> {
    const row = await this.user(userId);
    const actor = { userId, username: row.username, ...meta };
    // Wrong answers count towards the lockout, as at sign-in: a session must not be a free oracle.
    if (!(await bcrypt.compare(password, row.password_hash)))
      throw await countFailedSignIn(this.ctx, this.audit, row, actor, 'mfa-disable-wrong-password', new WrongCurrentPassword());
    if (row.mfa_enabled === 1 && !(await this.verifyLoginCode(row, otp)))
      throw await countFailedSignIn(this.ctx, this.audit, row, actor, 'mfa-disable-wrong-otp', new InvalidOtp());
    await this.clear(userId, actor, 'identity.mfa.disable');
  }

  /** An administrator clears a user's MFA (lost phone); the user enrols again. */
  async adminReset(targetId: number, actor: Meta & { userId: number; username: string }): Promise<void> {
    await this.user(targetId);
    await this.clear(targetId, actor, 'identity.mfa.reset');
  }

  async regenerateCodes(userId: number, otp: string, meta: Meta): Promise<{ recoveryCodes: string[] }> {
    const row = await this.user(userId);
    if (row.mfa_enabled !== 1) throw new MfaNotPending(undefined, 'MFA is not enabled.');
    if (!(await this.verifyLoginCode(row, otp)))
      throw await countFailedSignIn(this.ctx, this.audit, row, { userId, username: row.username, ...meta }, 'wrong-otp', new InvalidOtp());
    const codes = Array.from({ length: RECOVERY_CODES }, newRecoveryCode);
    await this.db.transaction().execute(async (trx) => {
      await this.replaceCodes(trx, userId, codes);
      await this.audit.record(trx, {
        actor: { userId, username: row.username, ...meta },
        action: 'identity.mfa.recovery-codes',
        resourceType: 'user',
        resourceId: userId,
      });
    });
    return { recoveryCodes: codes };
  }

  /**
   * A TOTP code (a step newer than the last one used) or an unused recovery code. Either is spent
   * by this call, so the same code never signs in twice.
   */
  async verifyLoginCode(row: UserRow, code: string): Promise<boolean> {
    const c = code.trim();
    if (/^\d{6}$/.test(c) && row.mfa_secret) {
      const step = verifyTotp(this.ctx.secrets.open(row.mfa_secret), c, this.ctx.clock.now());
      if (step === null || (row.mfa_last_counter !== null && step <= row.mfa_last_counter)) return false;
      const r = await this.db
        .updateTable('identity_users')
        .set({ mfa_last_counter: step })
        .where('id', '=', row.id)
        .where((eb) => eb.or([eb('mfa_last_counter', 'is', null), eb('mfa_last_counter', '<', step)]))
        .executeTakeFirst();
      return Number(r.numUpdatedRows) === 1;
    }
    const r = await this.db
      .updateTable('identity_recovery_codes')
      .set({ used_at: this.ctx.clock.now().toISOString() })
      .where('user_id', '=', row.id)
      .where('code_hash', '=', sha256(c.toLowerCase()))
      .where('used_at', 'is', null)
      .executeTakeFirst();
    return Number(r.numUpdatedRows) === 1;
  }

  private async clear(userId: number, actor: Meta & { userId: number; username: string }, action: string) {
    await this.db.transaction().execute(async (trx) => {
      await users.updateUser(trx, userId, {
        mfa_secret: null,
        mfa_pending_secret: null,
        mfa_enabled: 0,
        mfa_last_counter: null,
        updated_at: this.ctx.clock.now().toISOString(),
      });
      await trx.deleteFrom('identity_recovery_codes').where('user_id', '=', userId).execute();
      await this.audit.record(trx, { actor, action, resourceType: 'user', resourceId: userId });
    });
  }

  private async replaceCodes(trx: Db<IdentityTables>, userId: number, codes: string[]) {
    await trx.deleteFrom('identity_recovery_codes').where('user_id', '=', userId).execute();
    await trx
      .insertInto('identity_recovery_codes')
      .values(codes.map((c) => ({ user_id: userId, code_hash: sha256(c), used_at: null })) as never)
      .execute();
  }

  private async user(id: number): Promise<UserRow> {
    const row = await users.findUserById(this.db, id);
    if (!row) throw new UserNotFound();
    return row;
  }
}
