import { compilePattern, isExact, validatePattern } from '../access/index.js';

type Matcher = (value: string | undefined) => boolean;

/**
 * Policy patterns are access's scope patterns ('*', exact, glob, /regex/) plus regex flags
 * (`/^prod$/i`), which the imported fuzzy project names and approvals.productionPattern need.
 */
const FLAGGED = /^\/(.+)\/([imsu]+)$/;

export function matchPattern(p: string): Matcher {
  const m = FLAGGED.exec(p);
  if (!m) return compilePattern(p);
  const re = new RegExp(m[1], m[2]);
  return (v) => v !== undefined && re.test(v);
}

/** Throws INVALID_PATTERN (400) like access does. */
export function checkPattern(field: string, p: string): void {
  const m = FLAGGED.exec(p);
  validatePattern(field, m ? `/${m[1]}/` : p);
}

/** How specific a pattern is: exact 3 > glob 2 > regex 1 > '*' 0 (the most specific policy wins). */
export function patternRank(p: string): number {
  if (p === '*') return 0;
  if (isExact(p)) return 3;
  if (FLAGGED.test(p) || (p.length > 1 && p.startsWith('/') && p.endsWith('/'))) return 1;
  return 2;
}

/** True when `env` matches the production pattern; a broken pattern counts as "not production". */
export function isProduction(pattern: string, env: string): boolean {
  try {
    return matchPattern(pattern)(env);
  } catch {
    return false;
  }
}
