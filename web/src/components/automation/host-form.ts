/** The connection fields that targets and jump hosts share, and what a save sends for them. */

export interface AuthState {
  method: 'gatehouse-key' | 'private-key';
  privateKey: string;
  password: string;
}

export interface HostFieldsState {
  name: string;
  host: string;
  port: number | string;
  username: string;
}

export const emptyAuth = (method: AuthState['method'] = 'gatehouse-key'): AuthState => ({ method, privateKey: '', password: '' });

/**
 * The auth part of a create or update body. A stored private key is replaced only when a new one is
 * typed; switching back to Gatehouse's key sends privateKey: null.
 */
export function authBody(a: AuthState, stored: 'gatehouse-key' | 'private-key' | null): { privateKey?: string | null; password?: string } {
  if (a.method === 'private-key') return a.privateKey.trim() ? { privateKey: a.privateKey.trim() + '\n' } : {};
  return {
    ...(stored === 'private-key' ? { privateKey: null } : {}),
    ...(a.password ? { password: a.password } : {}),
  };
}

export const HOST_RE = /^[A-Za-z0-9]([A-Za-z0-9.:-]*[A-Za-z0-9])?$/;
export const USER_RE = /^[A-Za-z0-9._][A-Za-z0-9._@-]*$/;
