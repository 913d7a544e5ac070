import { randomInt } from 'node:crypto';
import bcrypt from 'bcrypt';
import { WeakPassword } from './identity.errors.js';
import { passwordProblems } from './password-policy.js';

// Look-alike characters (0/O, 1/l/I) are left out: temporary passwords are read off a screen.
const UPPER = 'ABCDEFGHJKLMNPQRSTUVWXYZ';
const LOWER = 'abcdefghijkmnopqrstuvwxyz';
const DIGIT = '23456789';
const SPECIAL = '!#$%*+-=?@_';
const ALL = UPPER + LOWER + DIGIT + SPECIAL;

const pick = (set: string): string => set[randomInt(set.length)];

/** A random password that satisfies the policy, shown once to the administrator. */
export function generateTemporaryPassword(username?: string, length = 16): string {
  for (;;) {
    const chars = [pick(UPPER), pick(LOWER), pick(DIGIT), pick(SPECIAL)];
    while (chars.length < length) chars.push(pick(ALL));
    // Fisher–Yates, so the guaranteed classes are not always in front.
    for (let i = chars.length - 1; i > 0; i--) {
      const j = randomInt(i + 1);
      [chars[i], chars[j]] = [chars[j], chars[i]];
    }
    const pw = chars.join('');
    if (passwordProblems(pw, username).length === 0) return pw;
  }
}

/** Throws WEAK_PASSWORD with one entry per broken rule. */
export function assertStrongPassword(password: string, username?: string): void {
  const problems = passwordProblems(password, username);
  if (problems.length) throw new WeakPassword(problems);
}

export function hashPassword(password: string, cost: number): Promise<string> {
  return bcrypt.hash(password, cost);
}

/** Unique-constraint violation on either database (a concurrent insert won the race). */
export function isUniqueViolation(e: unknown): boolean {
  const code = (e as { code?: unknown })?.code;
  return code === '23505' || code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY';
}
