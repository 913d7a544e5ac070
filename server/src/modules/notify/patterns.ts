/**
 * Channel routing patterns, the same rules as the access module's scope patterns (notify sits below
 * access and may not import it): '*' anything (also "no project given"), an exact name, a glob
 * ('*' any run of characters, '?' one), or a /regex/ matched as JavaScript. A value that was not
 * given (null) is matched only by '*'.
 */
export type Matcher = (value: string | null | undefined) => boolean;

const isRegex = (p: string) => p.length > 1 && p.startsWith('/') && p.endsWith('/');

export function compilePattern(p: string): Matcher {
  if (p === '*') return () => true;
  let re: RegExp | null = null;
  if (isRegex(p)) re = new RegExp(p.slice(1, -1));
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

/**
 * A repeated group holding an unbounded quantifier or an alternation — (a+)+, (a|b)* — backtracks
 * exponentially on a crafted name; such patterns are refused when a channel is saved.
 */
function hasNestedQuantifier(src: string): boolean {
  const open: boolean[] = [];
  let riskyJustClosed = false;
  for (let i = 0; i < src.length; i++) {
    const c = src[i];
    let closedRisky = false;
    if (c === '\\') i++;
    else if (c === '[') {
      for (i++; i < src.length && src[i] !== ']'; i++) if (src[i] === '\\') i++;
    } else if (c === '(') open.push(false);
    else if (c === ')') closedRisky = open.pop() ?? false;
    else if (c === '|' && open.length) open[open.length - 1] = true;
    else if (c === '*' || c === '+' || c === '{') {
      if (riskyJustClosed) return true;
      if (!(c === '{' && /^\{\d+(,\d+)?\}/.test(src.slice(i))) && open.length) open[open.length - 1] = true;
    }
    if (closedRisky && open.length) open[open.length - 1] = true;
    riskyJustClosed = closedRisky;
  }
  return false;
}

/** Why a pattern cannot be used, or null when it can. */
export function patternProblem(p: string): string | null {
  if (p.length === 0 || p.length > 200) return 'a pattern must be 1 to 200 characters';
  if (!isRegex(p)) return null;
  if (hasNestedQuantifier(p.slice(1, -1))) return 'nested quantifiers such as (a+)+ or (a|b)* are refused';
  try {
    new RegExp(p.slice(1, -1));
    return null;
  } catch (e) {
    return `not a valid regular expression: ${(e as Error).message}`;
  }
}

/** Does an events filter take this event? [] = every event that is not about one person. */
export function eventMatches(filter: string[], event: string, personal: boolean): boolean {
  if (filter.length === 0) return !personal;
  return filter.some((f) => {
    if (f === event) return true;
    if (personal) return false; // a wildcard never sends someone's password reminder to a group chat
    return f === '*' || (f.endsWith('.*') && event.startsWith(f.slice(0, -1)));
  });
}
