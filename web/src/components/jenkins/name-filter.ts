/**
 * The filter of the branch-access tree. The text is read the way a grant pattern is read, so what
 * the tree shows for `feature/*` or `/^release-\d+$/` is what a pattern grant of that text covers:
 * - `/…/`: a JavaScript regular expression (unanchored, as written);
 * - text with `*` or `?`: a glob over the whole name (`*` any run, `/` included; `?` one character);
 * - anything else: fuzzy, case-insensitive (the letters in order, gaps allowed).
 */

export interface NameFilter {
  kind: 'all' | 'fuzzy' | 'glob' | 'regex';
  /** Set when a regular expression does not compile; nothing matches then. */
  error?: string;
  test(name: string): boolean;
}

const REGEX_SPECIALS = /[.+^${}()|[\]\\]/g;

export function globToRegExp(glob: string): RegExp {
  const body = glob.replace(REGEX_SPECIALS, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${body}$`);
}

export function fuzzyMatch(query: string, name: string): boolean {
  const q = query.toLowerCase();
  const n = name.toLowerCase();
  let i = 0;
  for (let j = 0; j < n.length && i < q.length; j++) if (n[j] === q[i]) i++;
  return i === q.length;
}

export function parseNameFilter(input: string | null | undefined): NameFilter {
  const text = (input ?? '').trim();
  if (!text) return { kind: 'all', test: () => true };
  if (text.length > 2 && text.startsWith('/') && text.endsWith('/')) {
    try {
      const re = new RegExp(text.slice(1, -1));
      return { kind: 'regex', test: (name) => re.test(name) };
    } catch (e) {
      return { kind: 'regex', error: e instanceof Error ? e.message : String(e), test: () => false };
    }
  }
  if (/[*?]/.test(text)) {
    const re = globToRegExp(text);
    return { kind: 'glob', test: (name) => re.test(name) };
  }
  return { kind: 'fuzzy', test: (name) => fuzzyMatch(text, name) };
}

/** True when the text can be stored as a pattern grant (a glob or a valid regular expression). */
export function isPatternText(input: string | null | undefined): boolean {
  const f = parseNameFilter(input);
  return (f.kind === 'glob' || f.kind === 'regex') && !f.error;
}

export interface TreeProject {
  project: string;
  description?: string | null;
  branches: string[];
}

export interface VisibleProject extends TreeProject {
  /** Every branch, before filtering (select-all works on the visible ones). */
  allBranches: string[];
  /** The filter matched the project's name itself: all its branches are shown. */
  projectMatched: boolean;
}

/** Projects whose name matches show every branch; otherwise only matching branches, and projects with none drop out. */
export function filterTree(items: TreeProject[], filter: NameFilter): VisibleProject[] {
  const out: VisibleProject[] = [];
  for (const p of items) {
    const projectMatched = filter.test(p.project);
    const branches = projectMatched ? p.branches : p.branches.filter((b) => filter.test(b));
    if (branches.length || projectMatched) out.push({ ...p, branches, allBranches: p.branches, projectMatched });
  }
  return out;
}

/** One selection key per project and branch (names may hold "/" but never a newline). */
export const treeKey = (project: string, branch: string) => `${project}\n${branch}`;
export function fromTreeKey(key: string): { project: string; branch: string } {
  const i = key.indexOf('\n');
  return { project: key.slice(0, i), branch: key.slice(i + 1) };
}
