import type { AppContext } from '../../core/context.js';
import type { AuditService } from '../audit/index.js';
import type { IdentityService } from './identity.service.js';
import { toUser, type UserRow, type UserStatus } from './identity.types.js';

/** What the administration services are built from. */
export interface UsersAdminDeps {
  ctx: AppContext;
  audit: AuditService;
  identity: IdentityService;
}

/** The administrator doing the change, as written to the audit trail. */
export interface Actor {
  userId: number;
  username: string;
  ip?: string;
  userAgent?: string;
}

export type RoleRef = string | { role: string; project?: string };
/** A group named by id (number) or by name (string). */
export type GroupRef = number | string;

export interface UserQuery {
  q?: string;
  role?: string;
  status?: UserStatus;
  project?: string;
}

/** A user as the administration pages see it: the account state plus roles and groups. */
export interface AdminUser {
  id: number;
  username: string;
  displayName: string;
  email: string | null;
  status: UserStatus;
  lockedUntil: string | null;
  mustChangePassword: boolean;
  mfaEnabled: boolean;
  passwordExpiresAt: string;
  lastLoginAt: string | null;
  locale: string | null;
  createdAt: string;
  roles: string[];
  groups: { id: number; name: string }[];
}

export function toAdminUser(r: UserRow, now: Date, roles: string[], groups: { id: number; name: string }[]): AdminUser {
  const u = toUser(r, now);
  return {
    id: u.id,
    username: u.username,
    displayName: u.displayName,
    email: u.email,
    status: u.status,
    lockedUntil: u.lockedUntil,
    mustChangePassword: u.mustChangePassword,
    mfaEnabled: u.mfaEnabled,
    passwordExpiresAt: u.passwordExpiresAt,
    lastLoginAt: u.lastLoginAt,
    locale: u.locale,
    createdAt: u.createdAt,
    roles,
    groups,
  };
}

export interface NewUserFields {
  username: string;
  passwordHash: string;
  displayName?: string;
  email?: string | null;
  mustChangePassword: boolean;
  createdBy: number | null;
}

/** The row of a new account: password age starts now, no lockout, no MFA. */
export function newUserRow(f: NewUserFields, now: Date, passwordMaxAgeDays: number): Omit<UserRow, 'id'> {
  const at = now.toISOString();
  return {
    username: f.username.toLowerCase(),
    display_name: f.displayName ?? '',
    email: f.email || null,
    password_hash: f.passwordHash,
    status: 'active',
    must_change_password: f.mustChangePassword ? 1 : 0,
    password_changed_at: at,
    password_expires_at: new Date(now.getTime() + passwordMaxAgeDays * 86_400_000).toISOString(),
    password_reminded_at: null,
    failed_login_attempts: 0,
    locked_until: null,
    mfa_secret: null,
    mfa_pending_secret: null,
    mfa_enabled: 0,
    mfa_last_counter: null,
    locale: null,
    created_by: f.createdBy,
    created_at: at,
    updated_at: at,
    last_login_at: null,
    last_login_ip: null,
  };
}
