/**
 * parse_mode=MarkdownV2 and legacy Markdown (reference §4.4). MarkdownV2: the 18 reserved
 * characters must be escaped outside entities; inside code/pre only ` and \; inside a link URL
 * only ) and \. Errors name the entity and the byte offset of its start, like TDLib.
 */
import { E } from './errors.js';
import { type Formatted, sortEntities } from './html.js';
import type { MessageEntity } from './types.js';

const RESERVED = '_*[]()~`>#+-=|{}.!';
const NAMES: Record<string, string> = {
  bold: 'Bold',
  italic: 'Italic',
  underline: 'Underline',
  strikethrough: 'Strikethrough',
  spoiler: 'Spoiler',
  code: 'Code',
  pre: 'Pre',
  text_link: 'TextUrl',
  custom_emoji: 'CustomEmoji',
};

interface Open {
  type: string;
  offset: number;
  at: number;
  language?: string;
}

const bytesBefore = (raw: string, i: number) => Buffer.byteLength(raw.slice(0, i), 'utf8');
const reserved = (c: string) => E.cantParse(`Character '${c}' is reserved and must be escaped with the preceding '\\'`);

/** Length of the closing delimiter for `top` at raw[i], or 0 when raw[i] does not close it. */
function closing(top: Open, raw: string, i: number): number {
  const c = raw[i];
  switch (top.type) {
    case 'bold':
      return c === '*' ? 1 : 0;
    case 'italic':
      return c === '_' ? 1 : 0;
    case 'underline':
      return raw.startsWith('__', i) ? 2 : 0;
    case 'strikethrough':
      return c === '~' ? 1 : 0;
    case 'spoiler':
      return raw.startsWith('||', i) ? 2 : 0;
    case 'text_link':
    case 'custom_emoji':
      return c === ']' ? 1 : 0;
    default:
      return 0;
  }
}

/** Reads "(url)" after a link's "]"; returns the URL and the index after ")". */
function readUrl(raw: string, i: number): { url: string; next: number } | null {
  if (raw[i] !== '(') return null;
  let url = '';
  let j = i + 1;
  while (j < raw.length && raw[j] !== ')') {
    if (raw[j] === '\\' && (raw[j + 1] === ')' || raw[j + 1] === '\\')) j++;
    url += raw[j++];
  }
  if (j >= raw.length) throw E.cantParse(`Can't find end of a url at byte offset ${bytesBefore(raw, i)}`);
  return { url, next: j + 1 };
}

export function parseMarkdownV2(raw: string): Formatted {
  const st = { out: '', stack: [] as Open[], entities: [] as MessageEntity[], quote: null as MessageEntity | null };
  let i = 0;
  while (i < raw.length) i = stepV2(raw, i, st);
  if (st.quote) st.entities.push(closeQuote(st.quote, st.out.length));
  const open = st.stack[st.stack.length - 1];
  if (open) throw E.cantParse(`Can't find end of ${NAMES[open.type] ?? open.type} entity at byte offset ${open.at}`);
  return { text: st.out, entities: sortEntities(st.entities.filter((e) => e.length > 0)) };
}

type V2State = { out: string; stack: Open[]; entities: MessageEntity[]; quote: MessageEntity | null };

const closeQuote = (q: MessageEntity, end: number): MessageEntity => ({ ...q, length: end - q.offset });

function stepV2(raw: string, i: number, st: V2State): number {
  const c = raw[i];
  const top = st.stack[st.stack.length - 1];
  const code = raw.charCodeAt(i + 1);
  if (c === '\\' && code >= 1 && code <= 126) {
    st.out += raw[i + 1];
    return i + 2;
  }
  if (top?.type === 'code' || top?.type === 'pre') {
    const len = top.type === 'code' ? (c === '`' ? 1 : 0) : raw.startsWith('```', i) ? 3 : 0;
    if (!len) {
      st.out += c;
      return i + 1;
    }
    st.stack.pop();
    const e: MessageEntity = { type: top.type, offset: top.offset, length: st.out.length - top.offset };
    if (top.language) e.language = top.language;
    st.entities.push(e);
    return i + len;
  }
  if (c === '\n' && st.quote) {
    // A quote spans consecutive ">" lines; it ends with the first line that does not start with ">".
    if (raw[i + 1] !== '>') {
      st.entities.push(closeQuote(st.quote, st.out.length));
      st.quote = null;
    }
  }
  if (!RESERVED.includes(c)) {
    st.out += c;
    return i + 1;
  }
  if (top) {
    const len = closing(top, raw, i);
    if (len) return closeV2(raw, i + len, top, st);
  }
  return openV2(raw, i, st);
}

function closeV2(raw: string, next: number, top: Open, st: V2State): number {
  st.stack.pop();
  const e: MessageEntity = { type: top.type, offset: top.offset, length: st.out.length - top.offset };
  if (top.type === 'text_link' || top.type === 'custom_emoji') {
    const link = readUrl(raw, next);
    if (!link) return next; // "[text]" without "(url)": plain text, no entity
    if (top.type === 'custom_emoji') e.custom_emoji_id = /id=(\d+)/.exec(link.url)?.[1] ?? '';
    else e.url = link.url;
    st.entities.push(e);
    return link.next;
  }
  st.entities.push(e);
  return next;
}

function openV2(raw: string, i: number, st: V2State): number {
  const c = raw[i];
  const at = bytesBefore(raw, i);
  const push = (type: string, len: number, language?: string) => {
    st.stack.push({ type, offset: st.out.length, at, language });
    return i + len;
  };
  if (c === '*') return push('bold', 1);
  if (c === '~') return push('strikethrough', 1);
  if (c === '[') return push('text_link', 1);
  if (c === '_') return raw[i + 1] === '_' ? push('underline', 2) : push('italic', 1);
  if (c === '|' && raw[i + 1] === '|') return push('spoiler', 2);
  if (c === '!' && raw[i + 1] === '[') return push('custom_emoji', 2);
  if (c === '`' && raw.startsWith('```', i)) {
    const nl = raw.indexOf('\n', i + 3);
    const lang = nl >= 0 ? raw.slice(i + 3, nl) : '';
    if (nl >= 0 && /^[^\s`]*$/.test(lang)) return push('pre', nl + 1 - i, lang || undefined);
    return push('pre', 3);
  }
  if (c === '`') return push('code', 1);
  if (c === '>' && (i === 0 || raw[i - 1] === '\n')) {
    if (!st.quote) st.quote = { type: 'blockquote', offset: st.out.length, length: 0 };
    return i + 1;
  }
  throw reserved(c);
}

/** Legacy Markdown: *bold*, _italic_, `code`, ```pre```, [text](url); no nesting, \ escapes _*`[. */
export function parseMarkdown(raw: string): Formatted {
  let out = '';
  const entities: MessageEntity[] = [];
  let i = 0;
  const delims: Record<string, string> = { '*': 'bold', _: 'italic', '`': 'code', '[': 'text_link' };
  while (i < raw.length) {
    const c = raw[i];
    if (c === '\\' && '_*`['.includes(raw[i + 1] ?? '')) {
      out += raw[i + 1];
      i += 2;
      continue;
    }
    if (!delims[c]) {
      out += c;
      i++;
      continue;
    }
    const pre = raw.startsWith('```', i);
    const endMark = pre ? '```' : c === '[' ? ']' : c;
    const start = i + (pre ? 3 : 1);
    const end = raw.indexOf(endMark, start);
    if (end < 0) throw E.cantParse(`Can't find end of the entity starting at byte offset ${bytesBefore(raw, i)}`);
    const inner = raw.slice(start, end);
    const e: MessageEntity = { type: pre ? 'pre' : delims[c], offset: out.length, length: inner.length };
    out += inner;
    i = end + endMark.length;
    if (c === '[') {
      const close = raw[i] === '(' ? raw.indexOf(')', i) : -1;
      if (close < 0) continue;
      e.url = raw.slice(i + 1, close);
      i = close + 1;
    }
    entities.push(e);
  }
  return { text: out, entities: sortEntities(entities.filter((e) => e.length > 0)) };
}
