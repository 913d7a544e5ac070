/** Rows as stored (snake_case), domain objects as returned (camelCase), with explicit mappers. */
export interface UserRow {
  id: number;
  username: string;
  display_name: string;
  email: string | null;
  password_hash: string;
  /** active | disabled | locked (locked by an admin until unlocked; automatic lockout uses locked_until) */
  status: string;
  must_change_password: number;
  password_changed_at: string;
  password_expires_at: string;
  password_reminded_at: string | null;
  failed_login_attempts: number;
  locked_until: string | null;
  mfa_secret: string | null;
  mfa_pending_secret: string | null;
  mfa_enabled: number;
  mfa_last_counter: number | null;
  locale: string | null;
  created_by: number | null;
  created_at: string;
  updated_at: string;
  last_login_at: string | null;
  last_login_ip: string | null;
}

export interface RecoveryCodeRow {
  id: number;
  user_id: number;
  code_hash: string;
  used_at: string | null;
}

export interface SessionRow {
  id: number;
  user_id: number;
  refresh_hash: string;
  previous_refresh_hash: string | null;
  created_at: string;
  refreshed_at: string;
  expires_at: string;
  revoked_at: string | null;
  revoked_reason: string | null;
  ip_address: string | null;
  user_agent: string | null;
}

export interface ApiTokenRow {
  id: number;
  user_id: number;
  name: string;
  token_hash: string;
  prefix: string;
  scopes: string;
  expires_at: string | null;
  last_used_at: string | null;
  revoked_at: string | null;
  created_at: string;
}

export interface GroupRow {
  id: number;
  name: string;
  description: string;
  created_at: string;
}

export interface GroupMemberRow {
  group_id: number;
  user_id: number;
}

export interface IdentityTables {
  identity_users: UserRow;
  identity_recovery_codes: RecoveryCodeRow;
  identity_sessions: SessionRow;
  identity_api_tokens: ApiTokenRow;
  identity_groups: GroupRow;
  identity_group_members: GroupMemberRow;
}

export type UserStatus = 'active' | 'disabled' | 'locked';

export interface User {
  id: number;
  username: string;
  displayName: string;
  email: string | null;
  /** The state a person sees: locked when admin-locked or inside an automatic lockout. */
  status: UserStatus;
  lockedUntil: string | null;
  mustChangePassword: boolean;
  mfaEnabled: boolean;
  passwordExpiresAt: string;
  lastLoginAt: string | null;
  lastLoginIp: string | null;
  locale: string | null;
  createdAt: string;
  updatedAt: string;
}

export function effectiveStatus(r: Pick<UserRow, 'status' | 'locked_until'>, now: Date): UserStatus {
  if (r.status === 'disabled') return 'disabled';
  if (r.status === 'locked') return 'locked';
  if (r.locked_until && r.locked_until > now.toISOString()) return 'locked';
  return 'active';
}

export const toUser = (r: UserRow, now: Date): User => ({
  id: r.id,
  username: r.username,
  displayName: r.display_name,
  email: r.email,
  status: effectiveStatus(r, now),
  lockedUntil: r.status === 'locked' ? null : r.locked_until && r.locked_until > now.toISOString() ? r.locked_until : null,
  mustChangePassword: r.must_change_password === 1,
  mfaEnabled: r.mfa_enabled === 1,
  passwordExpiresAt: r.password_expires_at,
  lastLoginAt: r.last_login_at,
  lastLoginIp: r.last_login_ip,
  locale: r.locale,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});
