import { parseAnsi, renderSegments, type AnsiStyle, type Mark, type Segment } from './ansi';

/**
 * A build log as it streams in: complete lines parsed once, plus the unfinished last line that is
 * parsed again whenever more of it arrives (a chunk may end mid-line or mid-escape). The colour open
 * at the end of a line carries into the next, as in a terminal.
 */

export interface LogLine {
  /** Plain text (no escapes): what search looks at. */
  text: string;
  segments: Segment[];
}

export interface LogMatch {
  line: number;
  start: number;
  end: number;
}

export const MAX_MATCHES = 10_000;

function parseLine(raw: string, style: AnsiStyle): { line: LogLine; style: AnsiStyle } {
  const body = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
  // A lone carriage return rewinds the line (progress bars): show what was written last, keeping
  // the colour that was open when it rewound.
  const cr = body.lastIndexOf('\r');
  const start = cr < 0 ? style : parseAnsi(body.slice(0, cr), style).style;
  const r = parseAnsi(cr < 0 ? body : body.slice(cr + 1), start);
  return { line: { text: r.segments.map((s) => s.text).join(''), segments: r.segments }, style: r.style };
}

export class LogBuffer {
  private readonly complete: LogLine[] = [];
  private tail = '';
  private tailStyle: AnsiStyle = {};
  private tailLine: LogLine | null = null;

  append(text: string): void {
    if (!text) return;
    const parts = (this.tail + text).split('\n');
    this.tail = parts.pop() ?? '';
    for (const raw of parts) {
      const r = parseLine(raw, this.tailStyle);
      this.complete.push(r.line);
      this.tailStyle = r.style;
    }
    // An unfinished line with nothing visible yet (say, half an escape) is not shown.
    const tail = this.tail ? parseLine(this.tail, this.tailStyle).line : null;
    this.tailLine = tail?.text ? tail : null;
  }

  /** Lines shown, the unfinished last one included. */
  get count(): number {
    return this.complete.length + (this.tailLine ? 1 : 0);
  }

  /** Complete lines only: these never change once added. */
  get completeCount(): number {
    return this.complete.length;
  }

  line(i: number): LogLine {
    return i < this.complete.length ? this.complete[i] : (this.tailLine ?? { text: '', segments: [] });
  }

  /** Case-insensitive matches of `query` in the plain text, in order (at most MAX_MATCHES). */
  search(query: string): LogMatch[] {
    const q = query.toLowerCase();
    const out: LogMatch[] = [];
    if (!q) return out;
    for (let i = 0; i < this.count && out.length < MAX_MATCHES; i++) {
      const text = this.line(i).text.toLowerCase();
      for (let at = text.indexOf(q); at >= 0 && out.length < MAX_MATCHES; at = text.indexOf(q, at + q.length)) {
        out.push({ line: i, start: at, end: at + q.length });
      }
    }
    return out;
  }

  /** HTML of lines [from, to), with the given matches (ids are their index in `matches`) marked. */
  renderRange(from: number, to: number, matches: LogMatch[] = [], activeId = -1): string {
    const byLine = new Map<number, Mark[]>();
    matches.forEach((m, id) => {
      if (m.line < from || m.line >= to) return;
      byLine.set(m.line, [...(byLine.get(m.line) ?? []), { start: m.start, end: m.end, id }]);
    });
    const html: string[] = [];
    for (let i = from; i < Math.min(to, this.count); i++) html.push(renderSegments(this.line(i).segments, byLine.get(i), activeId));
    return html.join('\n');
  }
}
