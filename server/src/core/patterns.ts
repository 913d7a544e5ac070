/**
 * Name patterns, one set of rules for scopes (access), channel routing (notify) and policies
 * (approvals). A pattern is one of:
 *   '*'            anything, and also "not given" (a global check)
 *   an exact name  'payments', 'main'
 *   a glob         'feature/*' — '*' matches any run of characters, '/' included, '?' one character
 *   a /regex/      '/^release-\d+$/' — JavaScript syntax, matched against the whole value as written
 * A value that is not given (undefined or null) is matched only by '*'.
 */
export type Matcher = (value: string | null | undefined) => boolean;

export const isRegexPattern = (p: string): boolean => p.length > 1 && p.startsWith('/') && p.endsWith('/');

export function compilePattern(p: string): Matcher {
  if (p === '*') return () => true;
  let re: RegExp | null = null;
  if (isRegexPattern(p)) re = new RegExp(p.slice(1, -1));
  else if (/[*?]/.test(p))
    re = new RegExp(
      '^' +
        p
          .replace(/[.+^${}()|[\]\\]/g, '\\$&')
          .replace(/\*/g, '.*')
          .replace(/\?/g, '.') +
        '$',
    );
  if (!re) return (v) => v === p;
  const r = re;
  return (v) => v !== null && v !== undefined && r.test(v);
}

export const isExact = (p: string): boolean => p !== '*' && !/[*?]/.test(p) && !isRegexPattern(p);

/**
 * True for a repeated group that holds an unbounded quantifier or an alternation — (a+)+, ((a+))+,
 * (a|a)* — the shapes that backtrack exponentially on a crafted name and would stall the server.
 * Groups are tracked through nesting; escapes and character classes are skipped.
 */
export function hasNestedQuantifier(src: string): boolean {
  const open: boolean[] = []; // per open group: does it hold an unbounded quantifier or a '|'?
  let riskyGroupJustClosed = false;
  for (let i = 0; i < src.length; i++) {
    const c = src[i];
    let closedRisky = false;
    if (c === '\\') i++;
    else if (c === '[') {
      for (i++; i < src.length && src[i] !== ']'; i++) if (src[i] === '\\') i++;
    } else if (c === '(') open.push(false);
    else if (c === ')') closedRisky = open.pop() ?? false;
    else if (c === '|') {
      if (open.length) open[open.length - 1] = true;
    } else if (c === '*' || c === '+' || c === '{') {
      if (riskyGroupJustClosed) return true;
      const bounded = c === '{' && /^\{\d+(,\d+)?\}/.test(src.slice(i));
      if (!bounded && open.length) open[open.length - 1] = true;
    }
    if (closedRisky && open.length) open[open.length - 1] = true;
    riskyGroupJustClosed = closedRisky;
  }
  return false;
}

/** Why a pattern cannot be used, or null when it can. */
export function patternProblem(p: string): string | null {
  if (p.length === 0 || p.length > 200) return 'a pattern must be 1 to 200 characters';
  if (!isRegexPattern(p)) return null;
  if (hasNestedQuantifier(p.slice(1, -1))) return 'nested quantifiers such as (a+)+ or (a|b)* are refused';
  try {
    new RegExp(p.slice(1, -1));
    return null;
  } catch (e) {
    return `not a valid regular expression: ${(e as Error).message}`;
  }
}
