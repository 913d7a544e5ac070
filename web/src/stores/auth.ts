import { defineStore } from 'pinia';
import { api, unwrap } from '@/api/client';
import { setTokens, tokens } from '@/api/session';
import { encryptPassword, rsaSupported } from '@/api/rsa';
import type { ResponseOf } from '@/api/types';

export type Me = ResponseOf<'/api/me', 'get'>;
export type AccessMe = ResponseOf<'/api/access/me', 'get'>;
type LoginResult = ResponseOf<'/api/auth/login', 'post'>;

export interface Credentials {
  username: string;
  password: string;
  otp?: string;
}

/** The signed-in user, what they may do, and the session actions (login, password change, logout). */
export const useAuthStore = defineStore('auth', {
  state: () => ({
    user: null as Me | null,
    access: null as AccessMe | null,
    publicKey: undefined as { enabled: boolean; publicKey?: string | null } | undefined,
  }),
  getters: {
    isAuthenticated: () => !!tokens.value,
    /** The page the user must see before anything else, if any. */
    pendingStep(state): 'password' | 'mfa' | null {
      if (state.user?.mustChangePassword) return 'password';
      if (state.user?.mustEnrollMfa) return 'mfa';
      return null;
    },
    permissionCodes(state): Set<string> {
      return new Set((state.access?.permissions ?? []).map((p) => p.code));
    },
  },
  actions: {
    /** True when the user holds the permission anywhere (super admin holds '*'). The server checks each request again. */
    can(code: string | undefined): boolean {
      if (!code || code === 'authenticated') return true;
      const codes = this.permissionCodes;
      const wildcard = code.includes('.') ? code.slice(0, code.indexOf('.')) + '.*' : '';
      return codes.has('*') || codes.has(code) || (!!wildcard && codes.has(wildcard));
    },
    async loginBody(c: Credentials) {
      this.publicKey ??= await unwrap(api.GET('/api/auth/public-key')).catch(() => ({ enabled: false }));
      const otp = c.otp ? { otp: c.otp } : {};
      if (this.publicKey.enabled && this.publicKey.publicKey && rsaSupported()) {
        return { username: c.username, encryptedPassword: await encryptPassword(this.publicKey.publicKey, c.password), ...otp };
      }
      return { username: c.username, password: c.password, ...otp };
    },
    async login(c: Credentials): Promise<LoginResult> {
      const body = await this.loginBody(c);
      const res = await unwrap(api.POST('/api/auth/login', { body }));
      setTokens(res);
      this.user = res.user as Me;
      this.access = null;
      await this.load(true);
      return res;
    },
    /** Fetch the user (and, once no forced step is pending, their permissions). */
    async load(force = false) {
      if (!tokens.value) return;
      if (force || !this.user) this.user = await unwrap(api.GET('/api/me'));
      if (!this.pendingStep && (force || !this.access)) this.access = await unwrap(api.GET('/api/access/me'));
    },
    async changePassword(currentPassword: string, newPassword: string) {
      const res = await unwrap(api.POST('/api/auth/password', { body: { currentPassword, newPassword } }));
      if (res && 'accessToken' in res) setTokens(res);
      await this.load(true);
    },
    async logout() {
      if (tokens.value) {
        // The access token names the session; the server takes no body here.
        await unwrap(api.POST('/api/auth/logout')).catch(() => undefined);
      }
      this.clear();
    },
    clear() {
      setTokens(null);
      this.user = null;
      this.access = null;
    },
  },
});
