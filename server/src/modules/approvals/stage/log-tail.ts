import type { Readable } from 'node:stream';

const KEEP_BYTES = 64 * 1024;
const TAIL_LINES = 40;
const TAIL_CHARS = 4000;
// eslint-disable-next-line no-control-regex -- ANSI colour codes are ESC sequences.
const ANSI_RE = /\u001b\[[0-9;]*[A-Za-z]/g;

/** The last lines of a console log stream (read through, only the end kept), without colour codes. */
export async function logTail(stream: Readable): Promise<string> {
  let kept = Buffer.alloc(0);
  for await (const chunk of stream) {
    const buf = Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk));
    kept = Buffer.concat([kept, buf]);
    if (kept.length > KEEP_BYTES * 2) kept = kept.subarray(kept.length - KEEP_BYTES);
  }
  return tailOf(kept.subarray(Math.max(0, kept.length - KEEP_BYTES)).toString('utf8'));
}

export function tailOf(text: string): string {
  const lines = text.replace(ANSI_RE, '').replace(/\r\n/g, '\n').replace(/\n+$/, '').split('\n');
  const tail = lines.slice(-TAIL_LINES).join('\n');
  return tail.length > TAIL_CHARS ? tail.slice(tail.length - TAIL_CHARS) : tail;
}
