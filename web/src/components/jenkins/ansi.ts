/**
 * ANSI SGR → HTML for build logs. Jenkins keeps the colour codes tools print; we turn them into
 * spans with fixed class names (the palette lives in CSS so light and dark themes can differ).
 *
 * Safety: every piece of log text goes through escapeHtml before it is placed in markup, and the
 * only attribute values we write are our own class names or colours computed from numbers, so a
 * log can never inject markup, however it is crafted.
 */

export interface AnsiStyle {
  /** 0–15: palette index (a CSS class); a string: a #rrggbb colour computed here (256-colour, true colour). */
  fg?: number | string;
  bg?: number | string;
  bold?: boolean;
  dim?: boolean;
  italic?: boolean;
  underline?: boolean;
}

export interface Segment {
  text: string;
  style: AnsiStyle;
}

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ESCAPES[c]);
}

// CSI (ESC [ params final), OSC (ESC ] … BEL or ESC \), any other two-character escape, and an
// escape cut off at the end of the text (the rest arrives with the next chunk).
const ESCAPE_RE =
  // eslint-disable-next-line no-control-regex
  /\u001b\[([0-9;:?<=>]*)([ -/]*)([@-~])|\u001b\][^\u0007\u001b]*(?:\u0007|\u001b\\)|\u001b[@-Z\\-_]|\u001b(?:\[[0-9;:?<=>]*[ -/]*|\][^\u0007\u001b]*)?$/g;
// Control characters other than tab and newline are not text (a stray ESC included).
// eslint-disable-next-line no-control-regex
const CONTROL_RE = /[\u0000-\u0008\u000b-\u001f\u007f]/g;

const hex2 = (n: number) =>
  Math.max(0, Math.min(255, Math.round(n)))
    .toString(16)
    .padStart(2, '0');
const rgb = (r: number, g: number, b: number) => `#${hex2(r)}${hex2(g)}${hex2(b)}`;

/** xterm's 256-colour cube and grey ramp; 0–15 stay palette indices so the theme decides them. */
export function colour256(n: number): number | string {
  if (!Number.isInteger(n) || n < 0 || n > 255) return 7;
  if (n < 16) return n;
  if (n >= 232) {
    const v = 8 + (n - 232) * 10;
    return rgb(v, v, v);
  }
  const i = n - 16;
  const c = (x: number) => (x === 0 ? 0 : 55 + x * 40);
  return rgb(c(Math.floor(i / 36)), c(Math.floor(i / 6) % 6), c(i % 6));
}

/** 38;5;n / 38;2;r;g;b (and 48;…): returns the colour and how many parameters it used. */
function extendedColour(params: number[], i: number): [number | string | undefined, number] {
  if (params[i + 1] === 5) return [colour256(params[i + 2] ?? -1), 2];
  if (params[i + 1] === 2) return [rgb(params[i + 2] ?? 0, params[i + 3] ?? 0, params[i + 4] ?? 0), 4];
  return [undefined, 0];
}

/** The style after one SGR sequence (ESC [ … m); unknown codes are ignored. */
export function applySgr(current: AnsiStyle, params: number[]): AnsiStyle {
  let s: AnsiStyle = { ...current };
  const list = params.length ? params : [0];
  for (let i = 0; i < list.length; i++) {
    const p = list[i];
    if (p === 0) s = {};
    else if (p === 1) s.bold = true;
    else if (p === 2) s.dim = true;
    else if (p === 3) s.italic = true;
    else if (p === 4) s.underline = true;
    else if (p === 22) s.bold = s.dim = undefined;
    else if (p === 23) s.italic = undefined;
    else if (p === 24) s.underline = undefined;
    else if (p >= 30 && p <= 37) s.fg = p - 30;
    else if (p >= 90 && p <= 97) s.fg = p - 90 + 8;
    else if (p === 39) s.fg = undefined;
    else if (p >= 40 && p <= 47) s.bg = p - 40;
    else if (p >= 100 && p <= 107) s.bg = p - 100 + 8;
    else if (p === 49) s.bg = undefined;
    else if (p === 38 || p === 48) {
      const [colour, used] = extendedColour(list, i);
      if (colour !== undefined) s[p === 38 ? 'fg' : 'bg'] = colour;
      i += used;
    }
  }
  for (const k of Object.keys(s) as (keyof AnsiStyle)[]) if (s[k] === undefined) delete s[k];
  return s;
}

/**
 * Split text into styled segments, starting in `start` style (the style open at the end of the
 * previous line). Non-SGR escapes and control characters are dropped.
 */
export function parseAnsi(input: string, start: AnsiStyle = {}): { segments: Segment[]; style: AnsiStyle } {
  const segments: Segment[] = [];
  let style = start;
  let last = 0;
  const push = (raw: string) => {
    const text = raw.replace(CONTROL_RE, '');
    if (!text) return;
    const prev = segments[segments.length - 1];
    if (prev && prev.style === style) prev.text += text;
    else segments.push({ text, style });
  };
  for (const m of input.matchAll(ESCAPE_RE)) {
    push(input.slice(last, m.index));
    last = m.index + m[0].length;
    if (m[3] === 'm' && !m[2]) style = applySgr(style, m[1].split(/[;:]/).filter(Boolean).map(Number));
  }
  push(input.slice(last));
  return { segments, style };
}

export function stripAnsi(input: string): string {
  return parseAnsi(input)
    .segments.map((s) => s.text)
    .join('');
}

function classAndStyle(s: AnsiStyle): { cls: string[]; css: string[] } {
  const cls: string[] = [];
  const css: string[] = [];
  if (typeof s.fg === 'number') cls.push(`ansi-fg-${s.fg}`);
  else if (s.fg) css.push(`color:${s.fg}`);
  if (typeof s.bg === 'number') cls.push(`ansi-bg-${s.bg}`);
  else if (s.bg) css.push(`background-color:${s.bg}`);
  if (s.bold) cls.push('ansi-bold');
  if (s.dim) cls.push('ansi-dim');
  if (s.italic) cls.push('ansi-italic');
  if (s.underline) cls.push('ansi-underline');
  return { cls, css };
}

function styled(text: string, s: AnsiStyle): string {
  const { cls, css } = classAndStyle(s);
  if (!cls.length && !css.length) return escapeHtml(text);
  const c = cls.length ? ` class="${cls.join(' ')}"` : '';
  const st = css.length ? ` style="${css.join(';')}"` : '';
  return `<span${c}${st}>${escapeHtml(text)}</span>`;
}

/** A highlighted range of a line's plain text: [start, end) and the match's number (for next/prev). */
export interface Mark {
  start: number;
  end: number;
  id: number;
}

/**
 * HTML for one line's segments, with search matches wrapped in <mark>. Marks are in plain-text
 * positions, so a match may cross colour changes; each piece gets its own <mark data-m="id">.
 */
export function renderSegments(segments: Segment[], marks: Mark[] = [], activeId = -1): string {
  let out = '';
  let pos = 0;
  let mi = 0;
  for (const seg of segments) {
    let offset = 0;
    while (offset < seg.text.length) {
      const at = pos + offset;
      while (mi < marks.length && marks[mi].end <= at) mi++;
      const mark = marks[mi];
      const inMark = !!mark && mark.start <= at;
      const stop = inMark ? mark.end : mark ? mark.start : Infinity;
      const piece = seg.text.slice(offset, Math.min(seg.text.length, stop - pos));
      const html = styled(piece, seg.style);
      out += inMark
        ? `<mark class="gh-log-mark${mark.id === activeId ? ' gh-log-mark--active' : ''}" data-m="${mark.id}">${html}</mark>`
        : html;
      offset += piece.length;
    }
    pos += seg.text.length;
  }
  return out;
}

/** Whole text → HTML (lines kept), for small snippets and tests. */
export function ansiToHtml(input: string): string {
  let style: AnsiStyle = {};
  return input
    .split('\n')
    .map((line) => {
      const r = parseAnsi(line, style);
      style = r.style;
      return renderSegments(r.segments);
    })
    .join('\n');
}
