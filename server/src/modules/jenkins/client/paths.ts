/**
 * URL building and name handling (reference §0, §4): job paths, branch item names, item kinds by
 * `_class`, artifact paths, queue ids from Location headers.
 */
import type { ItemKind, JobPath } from './types.js';

/**
 * "/job/a/job/b/" for ['a', 'b']. Each item name is encodeURIComponent'ed, so a branch item name
 * `feature%2Flogin` travels as `feature%252Flogin`, which Stapler decodes once back to the name
 * (reference §4: proxies often reject a raw %2F). Empty names are skipped, so a BranchInfo with
 * itemName '' appended to its project's path addresses the job itself.
 */
export function jobUrlPath(path: JobPath): string {
  const names = path.filter((n) => n !== '');
  if (names.length === 0) throw new TypeError('A job path needs at least one item name');
  return names.map((n) => `/job/${encodeURIComponent(n)}`).join('') + '/';
}

export function buildUrlPath(path: JobPath, n: number): string {
  if (!Number.isSafeInteger(n) || n < 0) throw new TypeError(`Invalid build number: ${n}`);
  return `${jobUrlPath(path)}${n}/`;
}

/** "a/b c.txt" → "a/b%20c.txt"; null when a segment is empty, "." or ".." (never leave the artifact dir). */
export function artifactUrlPath(relativePath: string): string | null {
  const segments = relativePath.split('/');
  if (segments.some((s) => s === '' || s === '.' || s === '..')) return null;
  return segments.map(encodeURIComponent).join('/');
}

const BRANCH_UNESCAPES: Record<string, string> = {
  '%2F': '/',
  '%25': '%',
  '%23': '#',
  '%3F': '?',
  '%5B': '[',
  '%5D': ']',
  '%5C': '\\',
};

/** branch-api NameEncoder.decode: the SCM branch name of a branch job's item name. */
export function decodeBranchName(itemName: string): string {
  if (itemName === '%00') return '';
  if (itemName === '%2E') return '.';
  if (itemName === '%2E.') return '..';
  return itemName.replace(/%(2F|25|23|3F|5B|5D|5C)/gi, (m) => BRANCH_UNESCAPES[m.toUpperCase()] ?? m);
}

const KINDS: Record<string, ItemKind> = {
  'com.cloudbees.hudson.plugins.folder.Folder': 'folder',
  'org.jenkinsci.plugins.workflow.multibranch.WorkflowMultiBranchProject': 'multibranch',
  'jenkins.branch.OrganizationFolder': 'org-folder',
  'org.jenkinsci.plugins.workflow.job.WorkflowJob': 'pipeline',
  'hudson.model.FreeStyleProject': 'freestyle',
};

export function kindOf(jenkinsClass: unknown): ItemKind {
  return typeof jenkinsClass === 'string' ? (KINDS[jenkinsClass] ?? 'other') : 'other';
}

/** The queue item id of a trigger's Location header (".../queue/item/57/"). */
export function queueIdFromLocation(location: string | null): number | null {
  const m = /\/queue\/item\/([0-9]+)\/?$/.exec(location ?? '');
  return m ? Number(m[1]) : null;
}
