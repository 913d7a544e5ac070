import { StringDecoder } from 'node:string_decoder';

/**
 * Turns one remote stream's bytes into UTF-8 text for a callback. A decoder per stream keeps a
 * multi-byte character split across two packets whole, and keeps stdout and stderr from mixing.
 */
export class TextSink {
  private readonly decoder = new StringDecoder('utf8');

  constructor(private readonly emit: (text: string) => void) {}

  write(chunk: Buffer): void {
    const text = this.decoder.write(chunk);
    if (text) this.emit(text);
  }

  end(): void {
    const rest = this.decoder.end();
    if (rest) this.emit(rest);
  }
}

/** Looking for the pid marker stops after this much stdout (a login shell that prints a lot). */
const MARKER_SEARCH_LIMIT = 64 * 1024;

/**
 * Takes the wrapper's `gh-pid-<nonce>:<pid>` line off the front of stdout and reports the pid. Bytes
 * before it (say, a noisy shell rc file) pass through; once found, or given up on, this is a
 * pass-through with no buffering, so large output is never held.
 */
export class PidMarkerFilter {
  private head: Buffer | null = Buffer.alloc(0);
  private readonly marker: Buffer;

  constructor(
    marker: string,
    private readonly onPid: (pid: number) => void,
    private readonly pass: (chunk: Buffer) => void,
  ) {
    this.marker = Buffer.from(marker);
  }

  write(chunk: Buffer): void {
    if (this.head === null) return this.pass(chunk);
    this.head = Buffer.concat([this.head, chunk]);
    const at = this.head.indexOf(this.marker);
    if (at < 0) {
      if (this.head.length > MARKER_SEARCH_LIMIT) this.giveUp();
      return;
    }
    const nl = this.head.indexOf(0x0a, at);
    if (nl < 0) return;
    const pid = Number(this.head.subarray(at + this.marker.length, nl).toString('latin1'));
    const before = this.head.subarray(0, at);
    const after = this.head.subarray(nl + 1);
    this.head = null;
    if (Number.isSafeInteger(pid) && pid > 1) this.onPid(pid);
    if (before.length) this.pass(before);
    if (after.length) this.pass(after);
  }

  /** Flushes whatever is held (end of stream, or no marker within the limit). */
  giveUp(): void {
    const held = this.head;
    this.head = null;
    if (held?.length) this.pass(held);
  }
}
