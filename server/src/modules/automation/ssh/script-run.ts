import { randomBytes } from 'node:crypto';
import type ssh2 from 'ssh2';
import type { Chain } from './chain-connect.js';
import { PidMarkerFilter, TextSink } from './output-streams.js';
import { killCommand, pidMarker, scriptCommand, scriptPayload, type Interpreter } from './remote-command.js';
import type { ExecRequest, ExecResult, ExecStatus } from './ssh.types.js';

/** After TERM, how long the script's processes get to exit before KILL. */
export const TERM_GRACE_MS = 2_000;
/** After the interpreter exits, how long to wait for the streams to end (background jobs may hold them). */
const EXIT_DRAIN_MS = 2_000;
/** After a stop, the longest wait for the remote side to confirm before giving up on it. */
const STOP_WAIT_MS = TERM_GRACE_MS + 5_000;

type StopReason = 'timeout' | 'cancelled' | 'output-error';
type Outcome = Omit<ExecResult, 'fingerprints'>;

/**
 * One script execution on a connected chain's target. Resolves once the remote interpreter has ended
 * and, after a stop (timeout, cancel), once the kill helper has seen its whole process group gone.
 */
export class ScriptRun {
  private readonly nonce = randomBytes(8).toString('hex');
  private readonly stdout: TextSink;
  private readonly stderr: TextSink;
  private readonly marker: PidMarkerFilter;
  private channel: ssh2.ClientChannel | null = null;
  private pid: number | null = null;
  private exit: { code: number | null; signal: string | null } | null = null;
  private stopReason: StopReason | null = null;
  private failure: string | null = null;
  private killing: 'no' | 'running' | 'done' = 'no';
  private mainClosed = false;
  private done = false;
  private readonly timers: NodeJS.Timeout[] = [];
  private resolve!: (o: Outcome) => void;

  constructor(
    private readonly chain: Chain,
    private readonly interp: Interpreter,
    private readonly req: ExecRequest,
  ) {
    this.stdout = new TextSink(this.guard(req.onStdout));
    this.stderr = new TextSink(this.guard(req.onStderr));
    this.marker = new PidMarkerFilter(
      pidMarker(this.nonce),
      (pid) => this.onPid(pid),
      (c) => this.stdout.write(c),
    );
  }

  start(): Promise<Outcome> {
    return new Promise((resolve) => {
      this.resolve = resolve;
      this.timers.push(setTimeout(() => this.stop('timeout'), this.req.timeoutMs));
      this.req.signal?.addEventListener('abort', this.onAbort, { once: true });
      this.chain.onLost = (err) => this.onLost(err);
      if (this.req.signal?.aborted) this.stopReason = 'cancelled';
      const command = scriptCommand(this.interp, this.req.args, this.nonce);
      try {
        this.chain.target.exec(command, (err, ch) => (err ? this.fail(`could not start the script: ${err.message}`) : this.attach(ch)));
      } catch (e) {
        this.fail(`could not start the script: ${(e as Error).message}`); // the connection dropped just now
      }
    });
  }

  private readonly onAbort = () => this.stop('cancelled');

  /** Output callbacks run inside ssh2's event handlers; a throw there must not escape into ssh2. */
  private guard(emit: (text: string) => void): (text: string) => void {
    return (text) => {
      if (this.done) return;
      try {
        emit(text);
      } catch (e) {
        this.failure = `the output handler failed: ${(e as Error).message}`;
        this.stop('output-error');
      }
    };
  }

  private attach(ch: ssh2.ClientChannel): void {
    if (this.done) return void ch.close();
    this.channel = ch;
    ch.on('data', (d: Buffer) => this.marker.write(d));
    ch.stderr.on('data', (d: Buffer) => this.stderr.write(d));
    ch.on('exit', (code: number | null, signal?: string) => {
      this.exit = { code: typeof code === 'number' ? code : null, signal: signal ?? null };
      // After a stop, wait for the kill helper instead: survivors may still hold the streams open.
      if (!this.stopReason) this.timers.push(setTimeout(() => this.finish(), EXIT_DRAIN_MS));
    });
    ch.on('close', () => {
      this.mainClosed = true;
      this.maybeFinish();
    });
    // Stopped before the channel opened: send no script; the wrapper sees it incomplete and runs nothing.
    if (this.stopReason) ch.end();
    else ch.end(scriptPayload(this.req.content, this.nonce));
  }

  private onPid(pid: number): void {
    this.pid = pid;
    if (this.stopReason) this.killGroup();
  }

  private stop(reason: StopReason): void {
    if (this.done || this.stopReason) return;
    if (this.exit) return this.finish(); // it already ended; report how it ended
    this.stopReason = reason;
    this.channel?.signal('TERM'); // OpenSSH >= 7.9 signals the session's process group (killpg)
    this.killGroup();
    this.timers.push(setTimeout(() => this.channel?.signal('KILL'), TERM_GRACE_MS));
    this.timers.push(setTimeout(() => this.finish(), STOP_WAIT_MS));
  }

  /** A second session runs the constant kill helper on the group (works where signal requests do not). */
  private killGroup(): void {
    if (this.pid === null || this.killing !== 'no') return;
    this.killing = 'running';
    const done = () => {
      this.killing = 'done';
      this.maybeFinish();
    };
    try {
      this.chain.target.exec(killCommand(this.pid, TERM_GRACE_MS), (err, ch) => {
        if (err) return done();
        ch.resume();
        ch.stderr.resume();
        ch.end();
        ch.on('close', done);
      });
    } catch {
      done(); // the connection is gone; the signal requests were all that could be sent
    }
  }

  private onLost(err: Error): void {
    this.failure = `the connection was lost (${err.message}); processes on the target may still be running`;
    this.finish();
  }

  private fail(message: string): void {
    this.failure = message;
    this.finish();
  }

  private maybeFinish(): void {
    if (this.mainClosed && this.killing !== 'running') this.finish();
  }

  private finish(): void {
    if (this.done) return;
    this.marker.giveUp();
    this.stdout.end();
    this.stderr.end();
    this.done = true;
    for (const t of this.timers) clearTimeout(t);
    this.req.signal?.removeEventListener('abort', this.onAbort);
    this.chain.onLost = null;
    this.resolve(this.outcome());
  }

  private outcome(): Outcome {
    const exitCode = this.exit?.code ?? null;
    const signal = this.exit?.signal ?? null;
    const base = { exitCode, signal };
    if (this.stopReason === 'cancelled') return { ...base, status: 'cancelled', error: 'cancelled; the script’s processes were ended' };
    if (this.stopReason === 'timeout')
      return { ...base, status: 'timeout', error: `the script did not finish within ${this.req.timeoutMs} ms; its processes were ended` };
    if (this.failure) return { ...base, status: 'failed', error: this.failure };
    if (!this.exit) return { ...base, status: 'failed', error: 'the session ended without an exit status' };
    const status: ExecStatus = exitCode === 0 ? 'succeeded' : 'failed';
    return { ...base, status, error: signal ? `ended by signal ${signal}` : null };
  }
}
