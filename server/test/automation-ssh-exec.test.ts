import { spawnSync } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runScript, type SshHop } from '../src/modules/automation/ssh/index.js';
import { resolveInterpreter, scriptCommand, scriptPayload, type Interpreter } from '../src/modules/automation/ssh/remote-command.js';
import { runCollected, SshHarness, sshHarnessAvailable } from './ssh-harness.js';

// Script execution against a real sshd: streams, exit codes, parameters as literal argv, interpreters.

const available = sshHarnessAvailable('automation-ssh-exec');
const stamp = randomBytes(4).toString('hex');
const witness = `/tmp/gh-inject-${stamp}`;

/** Parameters that a shell would expand, split, or choke on if they were ever pasted into a command line. */
const NASTY = [
  `$(touch ${witness})`,
  `\`touch ${witness}\``,
  `'; touch ${witness}; echo '`,
  `"; touch ${witness}; echo "`,
  "'; rm -rf ~",
  'a b',
  '  leading and trailing  ',
  'line1\nline2\n',
  'back\\slash \\n \\',
  '$HOME ${PATH} $1 $@ * ~ ?',
  '-e',
  '--',
  '',
  "it's",
  'tab\there | pipe & amp ; semi > gt < lt',
  'héllo wörld — 世界 🚀',
];

describe.skipIf(!available)('runScript on a real sshd', () => {
  let h: SshHarness;
  let hop: SshHop;

  beforeAll(async () => {
    h = await SshHarness.start();
    hop = h.hop((await h.startHosts(1))[0]);
  });
  afterAll(async () => {
    rmSync(witness, { force: true });
    await h?.stop();
  });

  it('keeps stdout and stderr apart, each in order, and reports the exit code', async () => {
    const r = await runCollected({ chain: [hop], content: 'for i in 1 2 3; do echo out$i; echo err$i >&2; done; exit 3' });
    expect(r).toMatchObject({ status: 'failed', exitCode: 3, signal: null, stdout: 'out1\nout2\nout3\n', stderr: 'err1\nerr2\nerr3\n' });
    expect(r.fingerprints).toEqual([hop.pinnedFingerprint]);
    expect(r.chunks.every((c) => !c.text.includes(c.stream === 'stdout' ? 'err' : 'out'))).toBe(true);
  });

  it.each([
    [0, 'succeeded'],
    [1, 'failed'],
    [42, 'failed'],
    [255, 'failed'],
  ])('exit %i → %s', async (code, status) => {
    const r = await runCollected({ chain: [hop], content: `echo ran; exit ${code}` });
    expect(r).toMatchObject({ status, exitCode: code, stdout: 'ran\n', error: null });
  });

  it('reports a script killed by a signal', async () => {
    const r = await runCollected({ chain: [hop], content: 'echo before; kill -KILL $$; echo after' });
    expect(r).toMatchObject({ status: 'failed', exitCode: null, signal: 'SIGKILL', stdout: 'before\n' });
  });

  it.each(['bash', 'sh', 'python3'] as const)('%s receives every parameter byte for byte as its own argument', async (language) => {
    const content =
      language === 'python3'
        ? 'import sys\nsys.stdout.write("".join(a + "\\0" for a in sys.argv[1:]))\n'
        : 'for a in "$@"; do printf "%s\\0" "$a"; done; printf "n=%s" "$#" >&2\n';
    const r = await runCollected({ chain: [hop], language, content, args: NASTY });
    expect(r.status).toBe('succeeded');
    expect(r.stdout.split('\0').slice(0, -1)).toEqual(NASTY);
    if (language !== 'python3') expect(r.stderr).toBe(`n=${NASTY.length}`);
    expect(existsSync(witness)).toBe(false);
  });

  it('runs sh scripts under sh and python3 scripts under python3', async () => {
    const sh = await runCollected({ chain: [hop], language: 'sh', content: 'readlink /proc/$$/exe; echo "$0"' });
    expect(sh.stdout).toMatch(/^\/(usr\/)?bin\/(dash|sh|bash)\nsh\n$/);
    expect(sh.stdout).not.toContain('bash');
    const py = await runCollected({
      chain: [hop],
      language: 'python3',
      content: 'import sys\nprint(sys.version_info[0], sys.argv[0])\nprint("to err", file=sys.stderr)\nsys.exit(7)\n',
    });
    expect(py).toMatchObject({ status: 'failed', exitCode: 7, stdout: '3 -\n', stderr: 'to err\n' });
  });

  it('shows a python traceback with the script line', async () => {
    const r = await runCollected({ chain: [hop], language: 'python3', content: 'x = 1\nraise ValueError("boom " + str(x))\n' });
    expect(r).toMatchObject({ status: 'failed', exitCode: 1 });
    expect(r.stderr).toContain('File "<script>", line 2');
    expect(r.stderr).toContain('raise ValueError("boom " + str(x))');
    expect(r.stderr).toContain('ValueError: boom 1');
  });

  it('lets an allowed interpreter line override the language, with its option word', async () => {
    const py = await runCollected({
      chain: [hop],
      language: 'bash',
      content: '#!/usr/bin/env python3\nimport sys; print("py", sys.argv[1:])',
      args: ['a'],
    });
    expect(py).toMatchObject({ status: 'succeeded', stdout: "py ['a']\n" });
    const strict = await runCollected({
      chain: [hop],
      language: 'sh',
      content: '#!/bin/bash -eu\necho "$BASH_VERSION" | cut -c1; false; echo not-reached',
    });
    expect(strict).toMatchObject({ status: 'failed', exitCode: 1, stdout: expect.stringMatching(/^\d\n$/) });
  });

  it.each([
    '#!/usr/bin/perl\nprint "x"',
    '#!/bin/bash; touch /tmp/x\necho',
    '#!/bin/bash -c "touch /tmp/x"\necho',
    '#!bash\necho',
    '#!/usr/bin/env bash -e\necho',
    '#!/tmp/bash\necho',
    '#!/bin/bash --rcfile /tmp/x\necho',
  ])('refuses the interpreter line of %j without connecting', async (content) => {
    const r = await runCollected({ chain: [hop], content });
    expect(r).toMatchObject({ status: 'failed', exitCode: null, fingerprints: [null] });
    expect(r.error).toMatch(/interpreter line .* is not allowed/);
    expect(r.chunks).toEqual([]);
  });

  it('gives the script an empty stdin, so commands reading it cannot eat the rest of the script', async () => {
    const r = await runCollected({ chain: [hop], content: 'cat; read x || echo "read: eof"\necho still-running\n' });
    expect(r).toMatchObject({ status: 'succeeded', stdout: 'read: eof\nstill-running\n' });
  });

  it('runs a script larger than one command-line argument may be (300 kB)', async () => {
    const content = `# ${'x'.repeat(300_000)}\necho big-ok "$1"\n`;
    const r = await runCollected({ chain: [hop], content, args: ['p'] });
    expect(r).toMatchObject({ status: 'succeeded', stdout: 'big-ok p\n' });
  });

  it('keeps a UTF-8 character whole when its bytes arrive in different packets', async () => {
    const r = await runCollected({
      chain: [hop],
      content: "printf '\\342'; sleep 0.2; printf '\\202\\254 ok\\n'; printf '\\360\\237' >&2; sleep 0.2; printf '\\232\\200' >&2",
    });
    expect(r).toMatchObject({ status: 'succeeded', stdout: '€ ok\n', stderr: '🚀' });
    expect(r.chunks.some((c) => c.text.includes('\uFFFD'))).toBe(false);
  });

  it('streams 20 MB of output in small pieces as it arrives', async () => {
    const size = 20 * 1024 * 1024;
    let total = 0;
    let largest = 0;
    let pieces = 0;
    let tail = '';
    const r = await runScript({
      chain: [hop],
      language: 'bash',
      content: `head -c ${size} /dev/zero | tr '\\0' x; echo; echo END; echo done-err >&2`,
      args: [],
      connectTimeoutMs: 5000,
      timeoutMs: 30_000,
      onStdout: (t) => {
        total += t.length;
        largest = Math.max(largest, t.length);
        pieces++;
        tail = (tail + t).slice(-10);
      },
      onStderr: (t) => expect(t).toBe('done-err\n'),
    });
    expect(r.status).toBe('succeeded');
    expect(total).toBe(size + '\nEND\n'.length);
    expect(tail).toBe('xxxxx\nEND\n');
    expect(pieces).toBeGreaterThan(100);
    expect(largest).toBeLessThanOrEqual(64 * 1024);
  });
});

// The wrapper itself, run by local shells (no sshd needed): a script cut short in transfer never runs.
describe('the remote wrapper', () => {
  // Node hands a child a socket as stdin; sshd hands it a pipe (bash reads a pipe itself, a socket via cat).
  const run = (interp: Interpreter, stdin: string, via: 'pipe' | 'socket') => {
    const command = scriptCommand(interp, ['a1'], 'abc123');
    const argv = via === 'pipe' ? ['-c', 'cat | /bin/sh -c "$0"', command] : ['-c', command];
    return spawnSync('/bin/sh', argv, { input: stdin, encoding: 'utf8' });
  };

  it.each([
    ['bash', 'pipe'],
    ['bash', 'socket'],
    ['sh', 'pipe'],
    ['python3', 'pipe'],
  ] as const)('%s, stdin a %s: runs the whole script, refuses a truncated one', (language, via) => {
    const interp = resolveInterpreter(language, '') as Interpreter;
    const line = language === 'python3' ? 'import sys; print("ran", sys.argv[1])' : 'echo ran "$1"';
    const full = run(interp, scriptPayload(line, 'abc123'), via);
    expect(full.stdout).toMatch(/^gh-pid-abc123:\d+\nran a1\n$/);
    const cut = run(interp, scriptPayload(line, 'abc123').slice(0, -5), via);
    expect(cut.status).toBe(125);
    expect(cut.stdout).not.toContain('ran');
    expect(cut.stderr).toContain('did not arrive completely');
  });
});
