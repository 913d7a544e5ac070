import { ref } from 'vue';

/**
 * The token pair of the signed-in user. Kept outside Pinia so the API client (which the stores use)
 * can read it without an import cycle; the auth store is the only writer. Stored in localStorage so a
 * reload or a second tab stays signed in; logout and a failed refresh clear it.
 */
export interface TokenPair {
  accessToken: string;
  refreshToken: string;
}

const KEY = 'gatehouse.session';

function load(): TokenPair | null {
  try {
    const raw = localStorage.getItem(KEY);
    const v = raw ? (JSON.parse(raw) as Partial<TokenPair>) : null;
    return v?.accessToken && v.refreshToken ? { accessToken: v.accessToken, refreshToken: v.refreshToken } : null;
  } catch {
    return null;
  }
}

export const tokens = ref<TokenPair | null>(load());

export function setTokens(t: TokenPair | null): void {
  tokens.value = t ? { accessToken: t.accessToken, refreshToken: t.refreshToken } : null;
  if (t) localStorage.setItem(KEY, JSON.stringify(tokens.value));
  else localStorage.removeItem(KEY);
}

// Another tab signing out (or in) changes the same key; follow it.
window.addEventListener('storage', (e) => {
  if (e.key === KEY) tokens.value = load();
});

let expiredHandler: () => void = () => {};
/** Called when the session cannot be refreshed any more; the router sends the user to the login page. */
export function onSessionExpired(fn: () => void): void {
  expiredHandler = fn;
}
export function sessionExpired(): void {
  setTokens(null);
  expiredHandler();
}
