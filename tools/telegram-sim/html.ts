/**
 * parse_mode=HTML as the Bot API server parses it (reference §4.4): supported tags only,
 * case-insensitive names, named entities &lt; &gt; &amp; &quot; and numeric ones; unknown
 * "&…" stays literal text. Errors carry the byte offset of the offending tag, like TDLib.
 */
import { E } from './errors.js';
import type { MessageEntity } from './types.js';

const TAGS: Record<string, string> = {
  b: 'bold',
  strong: 'bold',
  i: 'italic',
  em: 'italic',
  u: 'underline',
  ins: 'underline',
  s: 'strikethrough',
  strike: 'strikethrough',
  del: 'strikethrough',
  a: 'text_link',
  code: 'code',
  pre: 'pre',
  blockquote: 'blockquote',
  'tg-spoiler': 'spoiler',
  span: 'spoiler',
  'tg-emoji': 'custom_emoji',
  'tg-time': 'date_time',
};

interface Open {
  tag: string;
  entity: MessageEntity | null;
}

export interface Formatted {
  text: string;
  entities: MessageEntity[];
}

const bytesBefore = (raw: string, i: number) => Buffer.byteLength(raw.slice(0, i), 'utf8');

function decodeEntity(raw: string, i: number): { text: string; length: number } | null {
  const m = /^&(lt|gt|amp|quot|#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6});/.exec(raw.slice(i, i + 12));
  if (!m) return null;
  const name = m[1];
  const named: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"' };
  if (named[name]) return { text: named[name], length: m[0].length };
  const code = name[1] === 'x' || name[1] === 'X' ? parseInt(name.slice(2), 16) : parseInt(name.slice(1), 10);
  if (code > 0x10ffff || code === 0) return null;
  return { text: String.fromCodePoint(code), length: m[0].length };
}

export function parseHtml(raw: string): Formatted {
  let out = '';
  const stack: Open[] = [];
  const entities: MessageEntity[] = [];
  let i = 0;
  while (i < raw.length) {
    const c = raw[i];
    if (c === '&') {
      const d = decodeEntity(raw, i);
      out += d ? d.text : '&';
      i += d ? d.length : 1;
    } else if (c !== '<') {
      out += c;
      i++;
    } else if (raw[i + 1] === '/') {
      i = closeTag(raw, i, stack, out.length, entities);
    } else {
      const tag = openTag(raw, i, stack, out.length);
      i = tag.next;
    }
  }
  if (stack.length) throw E.cantParse(`Can't find end tag corresponding to start tag "${stack[stack.length - 1].tag}"`);
  return { text: out, entities: sortEntities(entities.filter((e) => e.length > 0)) };
}

export function sortEntities(list: MessageEntity[]): MessageEntity[] {
  return list.sort((a, b) => a.offset - b.offset || b.length - a.length);
}

function closeTag(raw: string, i: number, stack: Open[], offset: number, entities: MessageEntity[]): number {
  const at = bytesBefore(raw, i);
  const end = raw.indexOf('>', i);
  if (end < 0) throw E.cantParse(`Unclosed end tag at byte offset ${at}`);
  const name = raw
    .slice(i + 2, end)
    .trim()
    .toLowerCase();
  const top = stack.pop();
  if (!top) throw E.cantParse(`Unexpected end tag at byte offset ${at}`);
  if (name !== top.tag) throw E.cantParse(`Unmatched end tag at byte offset ${at}, expected "</${top.tag}>", found "</${name}>"`);
  if (top.entity) {
    top.entity.length = offset - top.entity.offset;
    entities.push(top.entity);
  }
  return end + 1;
}

function openTag(raw: string, i: number, stack: Open[], offset: number): { next: number } {
  const at = bytesBefore(raw, i);
  let j = i + 1;
  while (j < raw.length && !/[\s>]/.test(raw[j])) j++;
  const tag = raw.slice(i + 1, j).toLowerCase();
  if (!TAGS[tag]) throw E.cantParse(`Unsupported start tag "${tag}" at byte offset ${at}`);
  const attrs: Record<string, string> = {};
  for (;;) {
    while (j < raw.length && /\s/.test(raw[j])) j++;
    if (j >= raw.length) throw E.cantParse(`Unclosed start tag at byte offset ${at}`);
    if (raw[j] === '>') break;
    j = readAttribute(raw, j, tag, at, attrs);
  }
  stack.push({ tag, entity: entityFor(tag, attrs, offset, stack, at) });
  return { next: j + 1 };
}

function readAttribute(raw: string, j: number, tag: string, at: number, attrs: Record<string, string>): number {
  let k = j;
  while (k < raw.length && !/[\s=>]/.test(raw[k])) k++;
  const name = raw.slice(j, k).toLowerCase();
  if (!name) throw E.cantParse(`Empty attribute name in the tag "${tag}" at byte offset ${at}`);
  if (raw[k] !== '=') {
    attrs[name] = '';
    return k;
  }
  k++;
  const quote = raw[k];
  let value = '';
  if (quote === '"' || quote === "'") {
    const end = raw.indexOf(quote, k + 1);
    if (end < 0) throw E.cantParse(`Unclosed start tag at byte offset ${at}`);
    value = raw.slice(k + 1, end);
    k = end + 1;
  } else {
    const start = k;
    while (k < raw.length && /[A-Za-z0-9.\-_]/.test(raw[k])) k++;
    value = raw.slice(start, k);
  }
  attrs[name] = value.replace(/&(lt|gt|amp|quot);/g, (_m, n: string) => ({ lt: '<', gt: '>', amp: '&', quot: '"' })[n] ?? '');
  return k;
}

function entityFor(tag: string, attrs: Record<string, string>, offset: number, stack: Open[], at: number): MessageEntity | null {
  const type = TAGS[tag];
  if (tag === 'span' && attrs.class !== 'tg-spoiler') throw E.cantParse(`Tag "span" must have class "tg-spoiler" at byte offset ${at}`);
  if (tag === 'a') return attrs.href ? { type, offset, length: 0, url: attrs.href } : null;
  if (tag === 'tg-emoji') {
    if (!attrs['emoji-id']) throw E.cantParse(`Tag "tg-emoji" must have attribute "emoji-id" at byte offset ${at}`);
    return { type, offset, length: 0, custom_emoji_id: attrs['emoji-id'] };
  }
  if (tag === 'code') {
    // <pre><code class="language-x"> is one pre entity with a language, not a nested code entity.
    const parent = stack[stack.length - 1];
    const lang = /^language-(.+)$/.exec(attrs.class ?? '');
    if (parent?.tag === 'pre' && parent.entity && parent.entity.offset === offset) {
      if (lang) parent.entity.language = lang[1];
      return null;
    }
  }
  if (tag === 'blockquote' && 'expandable' in attrs) return { type: 'expandable_blockquote', offset, length: 0 };
  return { type, offset, length: 0 };
}
