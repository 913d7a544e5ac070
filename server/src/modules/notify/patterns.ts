// Channel routing uses the same name patterns as access scopes (core/patterns.ts).
export { compilePattern, patternProblem, type Matcher } from '../../core/patterns.js';

/** Does an events filter take this event? [] = every event that is not about one person. */
export function eventMatches(filter: string[], event: string, personal: boolean): boolean {
  if (filter.length === 0) return !personal;
  return filter.some((f) => {
    if (f === event) return true;
    if (personal) return false; // a wildcard never sends someone's password reminder to a group chat
    return f === '*' || (f.endsWith('.*') && event.startsWith(f.slice(0, -1)));
  });
}
