import { AppError, createError } from '../../core/http/errors.js';
import type { PolicyProblem } from './password-policy.js';

export const InvalidCredentials = createError('INVALID_CREDENTIALS', 401, 'Wrong username or password.');
export const InvalidOtp = createError('INVALID_OTP', 401, 'The authentication code is wrong or expired.');
export const MfaRequired = createError('MFA_REQUIRED', 401, 'Enter the code from your authenticator app (field "otp").');
export const AccountDisabled = createError('ACCOUNT_DISABLED', 403, 'This account is disabled; ask an administrator.');
export const InvalidRefreshToken = createError('INVALID_REFRESH_TOKEN', 401, 'The refresh token is not valid; sign in again.');
export const UserNotFound = createError('USER_NOT_FOUND', 404, 'No such user.');
export const UsernameTaken = createError('USERNAME_TAKEN', 409, 'That username is already taken.');
export const GroupNotFound = createError('GROUP_NOT_FOUND', 404, 'No such group.');
export const GroupNameTaken = createError('GROUP_NAME_TAKEN', 409, 'That group name is already taken.');
export const TokenNotFound = createError('TOKEN_NOT_FOUND', 404, 'No such API token.');
export const WrongCurrentPassword = createError('WRONG_CURRENT_PASSWORD', 400, 'The current password is wrong.');
export const PasswordReused = createError('PASSWORD_REUSED', 400, 'The new password must differ from the current one.');
export const MfaNotPending = createError('MFA_NOT_PENDING', 409, 'Start MFA enrolment first (POST /api/me/mfa/setup).');
export const MfaAlreadyEnabled = createError('MFA_ALREADY_ENABLED', 409, 'MFA is already enabled.');
export const CannotModifySelf = createError('CANNOT_MODIFY_SELF', 409, 'You cannot do this to your own account.');

/** 423 with the time the lock ends, so the UI can say when to try again. */
export class AccountLocked extends AppError {
  constructor(until: string | null) {
    super(
      'ACCOUNT_LOCKED',
      423,
      until
        ? `Too many failed sign-ins; the account is locked until ${until}.`
        : 'This account is locked; ask an administrator to unlock it.',
      { lockedUntil: until },
    );
  }
}

export class WeakPassword extends AppError {
  constructor(problems: PolicyProblem[]) {
    super('WEAK_PASSWORD', 400, `The password needs ${problems.map((p) => p.message).join(', ')}.`, { problems });
  }
}
