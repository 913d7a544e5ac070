/**
 * The password rules of seed 004: at least 8 characters with upper case, lower case, a digit and a
 * special character. Also refused: more than 72 bytes, because bcrypt reads only the first 72 and
 * would silently ignore the rest.
 */
export interface PolicyProblem {
  rule: 'length' | 'upper' | 'lower' | 'digit' | 'special' | 'too-long';
  message: string;
}

export function passwordProblems(password: string, _username?: string): PolicyProblem[] {
  const p: PolicyProblem[] = [];
  if (password.length < 8) p.push({ rule: 'length', message: 'at least 8 characters' });
  if (Buffer.byteLength(password) > 72) p.push({ rule: 'too-long', message: 'at most 72 bytes' });
  if (!/[A-Z]/.test(password)) p.push({ rule: 'upper', message: 'an upper-case letter' });
  if (!/[a-z]/.test(password)) p.push({ rule: 'lower', message: 'a lower-case letter' });
  if (!/[0-9]/.test(password)) p.push({ rule: 'digit', message: 'a digit' });
  if (!/[^A-Za-z0-9]/.test(password)) p.push({ rule: 'special', message: 'a special character' });
  return p;
}
