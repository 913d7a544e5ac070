/** ANSI SGR colour codes → HTML spans, the way the AnsiColor plugin renders progressiveHtml (xterm palette). */

const PALETTE = ['#000000', '#CD0000', '#00CD00', '#CDCD00', '#1E90FF', '#CD00CD', '#00CDCD', '#E5E5E5'];
const BRIGHT = ['#7F7F7F', '#FF0000', '#00FF00', '#FFFF00', '#5C5CFF', '#FF00FF', '#00FFFF', '#FFFFFF'];

export function escapeHtml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

interface Style {
  fg?: string;
  bg?: string;
  bold?: boolean;
  italic?: boolean;
  underline?: boolean;
}

function css(s: Style): string {
  const parts: string[] = [];
  if (s.fg) parts.push(`color: ${s.fg};`);
  if (s.bg) parts.push(`background-color: ${s.bg};`);
  if (s.bold) parts.push('font-weight: bold;');
  if (s.italic) parts.push('font-style: italic;');
  if (s.underline) parts.push('text-decoration: underline;');
  return parts.join(' ');
}

function color256(n: number): string {
  if (n < 8) return PALETTE[n];
  if (n < 16) return BRIGHT[n - 8];
  if (n >= 232) {
    const v = (8 + (n - 232) * 10).toString(16).padStart(2, '0');
    return `#${v}${v}${v}`;
  }
  const i = n - 16;
  const c = (x: number) => (x === 0 ? 0 : 55 + x * 40).toString(16).padStart(2, '0');
  return `#${c(Math.floor(i / 36))}${c(Math.floor(i / 6) % 6)}${c(i % 6)}`;
}

function apply(style: Style, codes: number[]): Style {
  const s = { ...style };
  for (let i = 0; i < codes.length; i++) {
    const c = codes[i];
    if (c === 0) Object.keys(s).forEach((k) => delete (s as Record<string, unknown>)[k]);
    else if (c === 1) s.bold = true;
    else if (c === 3) s.italic = true;
    else if (c === 4) s.underline = true;
    else if (c === 22) s.bold = false;
    else if (c === 23) s.italic = false;
    else if (c === 24) s.underline = false;
    else if (c >= 30 && c <= 37) s.fg = PALETTE[c - 30];
    else if (c >= 90 && c <= 97) s.fg = BRIGHT[c - 90];
    else if (c >= 40 && c <= 47) s.bg = PALETTE[c - 40];
    else if (c >= 100 && c <= 107) s.bg = BRIGHT[c - 100];
    else if (c === 39) delete s.fg;
    else if (c === 49) delete s.bg;
    else if ((c === 38 || c === 48) && codes[i + 1] === 5) {
      s[c === 38 ? 'fg' : 'bg'] = color256(codes[i + 2] ?? 0);
      i += 2;
    } else if ((c === 38 || c === 48) && codes[i + 1] === 2) {
      const hex = codes.slice(i + 2, i + 5).map((x) => (x ?? 0).toString(16).padStart(2, '0'));
      s[c === 38 ? 'fg' : 'bg'] = `#${hex.join('')}`;
      i += 4;
    }
  }
  return s;
}

export function ansiToHtml(text: string): string {
  let out = '';
  let style: Style = {};
  let open = false;
  let last = 0;
  // eslint-disable-next-line no-control-regex -- ANSI SGR sequences start with ESC; matching it is the point.
  const re = /\u001b\[([0-9;]*)m/g;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    out += escapeHtml(text.slice(last, m.index));
    last = re.lastIndex;
    const codes = m[1] === '' ? [0] : m[1].split(';').map((x) => Number.parseInt(x || '0', 10));
    style = apply(style, codes);
    if (open) out += '</span>';
    const c = css(style);
    open = c !== '';
    if (open) out += `<span style="${c}">`;
  }
  out += escapeHtml(text.slice(last));
  return open ? out + '</span>' : out;
}
