/**
 * Authentication (reference §1): preemptive basic auth with an API token or the password, a
 * session cookie from the login form, or anonymous. Permissions are a small fixed set, granted
 * per user; `canSee` narrows which items a user may read (others answer 404).
 */
import type { Folder, Item } from './model.js';
import { fullName } from './model.js';

export type Permission = 'Overall/Administer' | 'Overall/Read' | 'Item/Read' | 'Item/Build' | 'Item/Cancel';

export const PERMISSION_IDS: Record<Permission, string> = {
  'Overall/Administer': 'hudson.model.Hudson.Administer',
  'Overall/Read': 'hudson.model.Hudson.Read',
  'Item/Read': 'hudson.model.Item.Read',
  'Item/Build': 'hudson.model.Item.Build',
  'Item/Cancel': 'hudson.model.Item.Cancel',
};

/** Permission.impliedBy chains, written as one X-Permission-Implied-By header each (AccessDeniedException3). */
export const IMPLIED_BY: Record<Permission, string[]> = {
  'Overall/Administer': [],
  'Overall/Read': ['hudson.security.Permission.GenericRead', 'hudson.model.Hudson.Administer'],
  'Item/Read': ['hudson.security.Permission.GenericRead', 'hudson.model.Hudson.Administer'],
  'Item/Build': ['hudson.security.Permission.GenericUpdate', 'hudson.model.Hudson.Administer'],
  'Item/Cancel': ['hudson.model.Item.Build', 'hudson.security.Permission.GenericUpdate', 'hudson.model.Hudson.Administer'],
};

export interface User {
  id: string;
  fullName: string;
  password: string;
  tokens: Set<string>;
  permissions: Set<Permission>;
  groups: string[];
  /** Items this user may read (default: all). */
  canSee: (itemFullName: string) => boolean;
}

export interface UserSpec {
  fullName?: string;
  password?: string;
  tokens?: string[];
  permissions?: Permission[];
  groups?: string[];
  canSee?: (itemFullName: string) => boolean;
}

export type AuthVia = 'token' | 'password' | 'session' | 'anonymous';

export interface Principal {
  user: User | null;
  name: string;
  via: AuthVia;
}

export const ANONYMOUS: Principal = { user: null, name: 'anonymous', via: 'anonymous' };

export class UserStore {
  readonly users = new Map<string, User>();
  anonymousRead = false;

  add(id: string, spec: UserSpec = {}): User {
    const user: User = {
      id,
      fullName: spec.fullName ?? id,
      password: spec.password ?? `${id}-password`,
      tokens: new Set(spec.tokens ?? []),
      permissions: new Set(spec.permissions ?? ['Overall/Read', 'Item/Read', 'Item/Build', 'Item/Cancel']),
      groups: spec.groups ?? [],
      canSee: spec.canSee ?? (() => true),
    };
    this.users.set(id, user);
    return user;
  }

  /** Basic header → principal; 'invalid' for a wrong user, token or password (→ 401). */
  fromBasic(header: string): Principal | 'invalid' | null {
    const m = /^Basic\s+(.+)$/i.exec(header.trim());
    if (!m) return null;
    const decoded = Buffer.from(m[1], 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon < 0) return 'invalid';
    const id = decoded.slice(0, colon);
    const secret = decoded.slice(colon + 1);
    const user = this.users.get(id);
    if (!user) return 'invalid';
    if (user.tokens.has(secret)) return { user, name: user.id, via: 'token' };
    if (user.password === secret) return { user, name: user.id, via: 'password' };
    return 'invalid';
  }

  has(p: Principal, perm: Permission): boolean {
    if (!p.user) return this.anonymousRead && (perm === 'Overall/Read' || perm === 'Item/Read');
    const ps = p.user.permissions;
    if (ps.has('Overall/Administer') || ps.has(perm)) return true;
    return perm === 'Item/Cancel' && ps.has('Item/Build');
  }

  isAdmin(p: Principal): boolean {
    return !!p.user?.permissions.has('Overall/Administer');
  }

  /** Item/Read on this item (and the folders above it). */
  canRead(p: Principal, item: Item): boolean {
    if (item.kind === 'root') return true;
    if (!this.has(p, 'Item/Read')) return false;
    if (!p.user || this.isAdmin(p)) return true;
    return p.user.canSee(fullName(item));
  }

  /** Children of a folder the principal may read (the rest are invisible, as in Jenkins). */
  visibleChildren(p: Principal, folder: Folder): Item[] {
    const out: Item[] = [];
    for (const c of folder.children.values()) if (this.canRead(p, c)) out.push(c);
    return out;
  }
}
