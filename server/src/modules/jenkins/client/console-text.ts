/**
 * Progressive console text (reference §9). Since Jenkins 2.509 progressiveText streams hidden
 * console notes (ESC[8mha:<base64>ESC[0m) and it always rewrites line ends to CRLF; we strip both
 * and keep ANSI colour codes, which the log viewer renders.
 */

// eslint-disable-next-line no-control-regex -- console notes are delimited by ESC sequences.
const NOTE_RE = /\u001b\[8mha:[^\u001b]*\u001b\[0m/g;
const NOTE_START = '\u001b[8mha:';
const NOTE_END = '\u001b[0m';

export interface ProgressiveChunk {
  text: string;
  nextStart: number;
  more: boolean;
}

/**
 * Turns one progressiveText answer into clean text. While the log still grows, a tail that is cut
 * mid-way (an incomplete UTF-8 character, a note without its end) is held back: `nextStart` points
 * at its first byte so the next poll returns it whole. The held bytes contain no line end, so they
 * are byte-identical in the CRLF-rewritten body and in the raw log that X-Text-Size counts.
 */
export function cleanProgressiveChunk(body: Buffer, textSize: number, more: boolean): ProgressiveChunk {
  let keep = body.length;
  if (more) {
    keep = completeUtf8Length(body);
    const head = body.subarray(0, keep).toString('utf8');
    const open = head.lastIndexOf(NOTE_START);
    if (open >= 0 && !head.includes(NOTE_END, open) && !head.includes('\n', open)) {
      keep = Buffer.byteLength(head.slice(0, open), 'utf8');
    }
  }
  const held = body.length - keep;
  const text = body.subarray(0, keep).toString('utf8').replace(NOTE_RE, '').replace(/\r\n/g, '\n');
  return { text, nextStart: Math.max(0, textSize - held), more };
}

/** Length of the longest prefix that does not end inside a multi-byte UTF-8 sequence. */
function completeUtf8Length(buf: Buffer): number {
  // Look back at most 3 bytes for the lead byte of the last sequence.
  for (let i = buf.length - 1; i >= Math.max(0, buf.length - 4); i--) {
    const b = buf[i];
    if ((b & 0xc0) === 0x80) continue; // continuation byte
    const need = b >= 0xf0 ? 4 : b >= 0xe0 ? 3 : b >= 0xc0 ? 2 : 1;
    return buf.length - i >= need ? buf.length : i;
  }
  return buf.length;
}
