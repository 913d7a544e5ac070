import { createError } from '../../core/http/errors.js';
import { patternProblem } from '../../core/patterns.js';

// The rules themselves live in core (notify and approvals use them too).
export { compilePattern, hasNestedQuantifier, isExact, type Matcher } from '../../core/patterns.js';

export const InvalidPattern = createError('INVALID_PATTERN', 400, 'A scope pattern is not valid.');

export function validatePattern(field: string, p: string): void {
  const problem = patternProblem(p);
  if (problem) throw new InvalidPattern({ field, pattern: p }, `${field}: ${problem}.`);
}

/** Does a permission list (codes, 'module.*' wildcards, '*') cover a code? */
export function permissionCovers(list: string[], code: string): boolean {
  return list.some((p) => p === '*' || p === code || (p.endsWith('.*') && code.startsWith(p.slice(0, -1))));
}
