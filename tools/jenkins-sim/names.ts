/**
 * Name and URL encodings Jenkins applies (reference §0 and §4).
 * - rawEncode: hudson.Util.rawEncode, used for every path segment Jenkins emits in a `url`.
 * - encodeBranch/decodeBranch: branch-api NameEncoder, which turns an SCM branch name into an item name.
 */

// Characters rawEncode keeps as they are, besides ASCII letters and digits.
const RAW_SAFE = new Set("!$&'()*+,-.=@_".split(''));

export function rawEncode(segment: string): string {
  let out = '';
  for (const ch of segment) {
    const code = ch.codePointAt(0)!;
    const isAlnum = (code >= 48 && code <= 57) || (code >= 65 && code <= 90) || (code >= 97 && code <= 122);
    if (isAlnum || RAW_SAFE.has(ch)) {
      out += ch;
      continue;
    }
    for (const byte of Buffer.from(ch, 'utf8')) out += '%' + byte.toString(16).toUpperCase().padStart(2, '0');
  }
  return out;
}

const BRANCH_ESCAPES: Record<string, string> = {
  '/': '%2F',
  '%': '%25',
  '#': '%23',
  '?': '%3F',
  '[': '%5B',
  ']': '%5D',
  '\\': '%5C',
};

/** NameEncoder.encode: the item name of a branch job. Whole-name specials first ("", ".", ".."). */
export function encodeBranch(branch: string): string {
  if (branch === '') return '%00';
  if (branch === '.') return '%2E';
  if (branch === '..') return '%2E.';
  let out = '';
  for (const ch of branch) out += BRANCH_ESCAPES[ch] ?? ch;
  return out;
}

const BRANCH_UNESCAPES: Record<string, string> = Object.fromEntries(Object.entries(BRANCH_ESCAPES).map(([k, v]) => [v, k]));

/** NameEncoder.decode: the SCM branch name back from an item name. */
export function decodeBranch(itemName: string): string {
  if (itemName === '%00') return '';
  if (itemName === '%2E') return '.';
  if (itemName === '%2E.') return '..';
  return itemName.replace(/%(2F|25|23|3F|5B|5D|5C)/gi, (m) => BRANCH_UNESCAPES[m.toUpperCase()] ?? m);
}

/** Stapler percent-decodes each raw path segment once; a malformed escape is kept literally. */
export function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

/** Jenkins.checkGoodName: characters users may not put in item names (branch jobs are exempt). */
export function isGoodName(name: string): boolean {
  return name.trim() !== '' && name !== '.' && name !== '..' && !/[?*/\\%!@#$^&|<>[\]:;]/.test(name);
}
