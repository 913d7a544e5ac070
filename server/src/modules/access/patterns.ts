import { createError } from '../../core/http/errors.js';

export const InvalidPattern = createError('INVALID_PATTERN', 400, 'A scope pattern is not valid.');

export type Matcher = (value: string | undefined) => boolean;

/**
 * A scope part is one of:
 *   '*'            anything, and also "not asked" (a global check)
 *   an exact name  'payments', 'main'
 *   a glob         'feature/*' — '*' matches any run of characters, '/' included, '?' one character
 *   a /regex/      '/^release-\d+$/' — JavaScript syntax, matched against the whole value as written
 * A value that is not asked (undefined) is matched only by '*': asking globally needs a global grant.
 */
export function compilePattern(p: string): Matcher {
  if (p === '*') return () => true;
  if (p.length > 1 && p.startsWith('/') && p.endsWith('/')) {
    const re = new RegExp(p.slice(1, -1));
    return (v) => v !== undefined && re.test(v);
  }
  if (/[*?]/.test(p)) {
    const re = new RegExp(
      '^' +
        p
          .replace(/[.+^${}()|[\]\\]/g, '\\$&')
          .replace(/\*/g, '.*')
          .replace(/\?/g, '.') +
        '$',
    );
    return (v) => v !== undefined && re.test(v);
  }
  return (v) => v === p;
}

export const isExact = (p: string): boolean => p !== '*' && !/[*?]/.test(p) && !(p.startsWith('/') && p.endsWith('/') && p.length > 1);

/**
 * True for a repeated group that holds an unbounded quantifier or an alternation — (a+)+, ((a+))+,
 * (a|a)* — the shapes that backtrack exponentially on a crafted branch name and would stall the
 * server in can(). Groups are tracked through nesting; escapes and character classes are skipped.
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

export function validatePattern(field: string, p: string): void {
  if (p.length === 0 || p.length > 200) throw new InvalidPattern({ field, pattern: p }, `${field}: a pattern must be 1 to 200 characters.`);
  if (p.length > 1 && p.startsWith('/') && p.endsWith('/')) {
    if (hasNestedQuantifier(p.slice(1, -1)))
      throw new InvalidPattern({ field, pattern: p }, `${field}: nested quantifiers such as (a+)+ or (a|b)* are refused.`);
    try {
      new RegExp(p.slice(1, -1));
    } catch (e) {
      throw new InvalidPattern({ field, pattern: p }, `${field}: not a valid regular expression: ${(e as Error).message}`);
    }
  }
}

/** Does a permission list (codes, 'module.*' wildcards, '*') cover a code? */
export function permissionCovers(list: string[], code: string): boolean {
  return list.some((p) => p === '*' || p === code || (p.endsWith('.*') && code.startsWith(p.slice(0, -1))));
}
