/**
 * Build consoles (reference §9). The raw log is what Jenkins writes to the log file: text with
 * raw ANSI colour codes and hidden console notes (`ESC[8mha:<base64>ESC[0m`). Offsets handed to
 * clients (`X-Text-Size`) are byte offsets into that raw log.
 */
import { ansiToHtml, escapeHtml } from './ansi-html.js';

const ESC = '\u001b';
// eslint-disable-next-line no-control-regex -- Jenkins' console notes are wrapped in ESC[8m … ESC[0m.
export const NOTE_RE = /\u001b\[8mha:[^\u001b]*\u001b\[0m/g;

/** One hidden console note. The payload is opaque to clients; ours is JSON so progressiveHtml can render links. */
export function note(payload: { url?: string; post?: boolean; length: number }): string {
  return `${ESC}[8mha:////${Buffer.from(JSON.stringify(payload)).toString('base64')}${ESC}[0m`;
}

/** ModelHyperlinkNote.encodeTo: the note, then the text it applies to. */
export const hyperlink = (url: string, text: string, post = false): string => note({ url, post, length: text.length }) + text;

export class ConsoleLog {
  private chunks: Buffer[] = [];
  private cached: Buffer | null = null;
  private bytes = 0;
  private lazy: (() => string) | null;

  /** `lazy` produces the whole log on first use: finished history builds of big fixtures cost nothing until read. */
  constructor(lazy?: () => string) {
    this.lazy = lazy ?? null;
  }

  private materialise(): void {
    if (!this.lazy) return;
    const make = this.lazy;
    this.lazy = null;
    this.append(make());
  }

  append(text: string): void {
    this.materialise();
    if (text === '') return;
    const b = Buffer.from(text, 'utf8');
    this.chunks.push(b);
    this.bytes += b.length;
    this.cached = null;
  }

  get size(): number {
    this.materialise();
    return this.bytes;
  }

  raw(): Buffer {
    this.materialise();
    if (!this.cached) {
      this.cached = Buffer.concat(this.chunks, this.bytes);
      this.chunks = [this.cached];
    }
    return this.cached;
  }

  /** consoleText: whole log so far, notes stripped, original line endings. */
  plain(): string {
    return this.raw().toString('utf8').replace(NOTE_RE, '');
  }
}

export interface ProgressiveOptions {
  /** Jenkins ≥ 2.509 streams notes in progressiveText (JENKINS-75081); older versions strip them. */
  notes: boolean;
}

export interface TextChunk {
  body: string;
  textSize: number;
  more: boolean;
}

/** LargeText.doProgressText: from byte `start` (rollover to 0 when beyond the end) to the current end, CRLF line ends. */
export function progressiveText(log: ConsoleLog, start: number, building: boolean, opts: ProgressiveOptions): TextChunk {
  const raw = log.raw();
  const from = start > raw.length ? 0 : start;
  let text = raw.subarray(from).toString('utf8');
  if (!opts.notes) text = text.replace(NOTE_RE, '');
  text = text.replace(/\r?\n/g, '\r\n');
  return { body: text, textSize: raw.length, more: building };
}

/** progressiveHtml: notes rendered as links, ANSI colours as spans (AnsiColor's ColorConsoleAnnotator). */
export function progressiveHtml(log: ConsoleLog, start: number, building: boolean): TextChunk {
  const raw = log.raw();
  const from = start > raw.length ? 0 : start;
  const text = raw.subarray(from).toString('utf8');
  return { body: renderHtml(text), textSize: raw.length, more: building };
}

function renderHtml(text: string): string {
  let out = '';
  let last = 0;
  const re = new RegExp(NOTE_RE.source, 'g');
  for (let m = re.exec(text); m; m = re.exec(text)) {
    out += ansiToHtml(text.slice(last, m.index));
    const payload = decodeNote(m[0]);
    const len = payload?.length ?? 0;
    const target = text.slice(re.lastIndex, re.lastIndex + len);
    if (payload?.url) {
      const attrs = payload.post ? ` href="${escapeHtml(payload.url)}" class="post-link"` : ` href="${escapeHtml(payload.url)}"`;
      out += `<a${attrs}>${escapeHtml(target)}</a>`;
    } else {
      out += escapeHtml(target);
    }
    last = re.lastIndex + len;
    re.lastIndex = last;
  }
  return out + ansiToHtml(text.slice(last));
}

function decodeNote(noteText: string): { url?: string; post?: boolean; length: number } | null {
  const b64 = noteText.slice('\u001b[8mha:////'.length, -'\u001b[0m'.length);
  try {
    return JSON.parse(Buffer.from(b64, 'base64').toString('utf8'));
  } catch {
    return null;
  }
}
