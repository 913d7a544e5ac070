/**
 * CSRF crumbs and the session cookie they are bound to (reference §2). POSTs authenticated with an
 * API token are exempt, so in token mode no crumb is fetched until Jenkins asks for one (a 403
 * "No valid crumb"); in password mode every POST carries one. The crumb is cached and reused; when
 * Jenkins rejects it (restart, expired session) the caller forgets it and fetches a new one once.
 */

export interface Crumb {
  field: string;
  value: string;
}

/** Fetches /crumbIssuer/api/json; null when the issuer is disabled (404). */
export type CrumbFetcher = () => Promise<Crumb | null>;

export class CrumbSession {
  /** undefined = not fetched yet; null = Jenkins issues no crumbs. */
  private crumb: Crumb | null | undefined = undefined;
  private pending: Promise<Crumb | null> | null = null;
  private readonly cookies = new Map<string, string>();

  constructor(private required: boolean) {}

  /** Headers a POST needs: the crumb when one is required, fetched once for all concurrent callers. */
  async headers(fetch: CrumbFetcher): Promise<Record<string, string>> {
    if (!this.required) return {};
    if (this.crumb === undefined) {
      this.pending ??= fetch().finally(() => (this.pending = null));
      this.crumb = await this.pending;
    }
    return this.crumb ? { [this.crumb.field]: this.crumb.value } : {};
  }

  /** After "No valid crumb": from now on crumbs are required, and the old session is dropped. */
  invalidate(): void {
    this.required = true;
    this.crumb = undefined;
    this.cookies.clear();
  }

  cookieHeader(): string | null {
    if (this.cookies.size === 0) return null;
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }

  /** Keeps name=value of each Set-Cookie (attributes are irrelevant for one Jenkins origin). */
  store(setCookie: string | string[] | undefined): void {
    for (const line of Array.isArray(setCookie) ? setCookie : setCookie ? [setCookie] : []) {
      const pair = line.split(';', 1)[0];
      const eq = pair.indexOf('=');
      if (eq > 0) this.cookies.set(pair.slice(0, eq).trim(), pair.slice(eq + 1).trim());
    }
  }
}

export function isCrumbBody(text: string): boolean {
  return /No valid crumb/i.test(text);
}
