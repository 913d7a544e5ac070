import type { ScriptLanguage } from './ssh.types.js';

/**
 * The remote command lines Gatehouse sends. Every command is a constant text made here; user data
 * (script parameters) appears in it only POSIX-single-quoted, and the script itself travels on stdin.
 */

/** POSIX single quoting: the only character that needs care inside '…' is ' itself (→ '\''). */
export function shellQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

/** How a script is started: the interpreter argv prefix (validated, never free text) and its option word. */
export interface Interpreter {
  language: ScriptLanguage;
  /** e.g. ['bash'], ['/bin/bash'], ['/usr/bin/env', 'python3'] */
  argv: string[];
  /** Option letters from the interpreter line, e.g. 'eu' from `#!/bin/bash -eu`; '' when none. */
  options: string;
}

const NAME = /^(bash|sh|dash|python3(?:\.\d{1,2})?)$/;
const PATH = /^\/(?:usr\/(?:local\/)?)?bin\/(bash|sh|dash|python3(?:\.\d{1,2})?|env)$/;
const SHELL_OPTIONS = /^-[eux]{1,3}$/;
const PYTHON_OPTIONS = /^-[uBEIsS]{1,6}$/;

export const INTERPRETER_RULE =
  'an interpreter line must be #!<dir>/<name> [option] or #!<dir>/env <name>, where <dir> is /bin, /usr/bin or ' +
  '/usr/local/bin, <name> is bash, sh, dash or python3[.N], and the option is one word of -e/-u/-x letters for a ' +
  'shell or of -u/-B/-E/-I/-s/-S letters for python3';

function languageOf(name: string): ScriptLanguage {
  if (name.startsWith('python3')) return 'python3';
  return name === 'bash' ? 'bash' : 'sh';
}

/**
 * The interpreter for a script: its `#!` line when it names an allowed one (see INTERPRETER_RULE),
 * else the declared language. Any other interpreter line is refused rather than guessed at.
 */
export function resolveInterpreter(language: ScriptLanguage, content: string): Interpreter | { error: string } {
  const first = content.split('\n', 1)[0].replace(/\r$/, '');
  if (!first.startsWith('#!')) return { language, argv: [language], options: '' };
  const words = first
    .slice(2)
    .trim()
    .split(/[ \t]+/);
  const path = PATH.exec(words[0] ?? '');
  const refuse = { error: `the interpreter line "${first.slice(0, 80)}" is not allowed: ${INTERPRETER_RULE}` };
  if (!path || words.length > 2) return refuse;
  if (path[1] === 'env') {
    const name = NAME.exec(words[1] ?? '');
    return name ? { language: languageOf(name[1]), argv: [words[0], name[1]], options: '' } : refuse;
  }
  const lang = languageOf(path[1]);
  const option = words[1];
  if (option === undefined) return { language: lang, argv: [words[0]], options: '' };
  const allowed = lang === 'python3' ? PYTHON_OPTIONS : SHELL_OPTIONS;
  return allowed.test(option) ? { language: lang, argv: [words[0]], options: option.slice(1) } : refuse;
}

/** The line the wrapper prints first on stdout, so Gatehouse learns the remote process group id. */
export function pidMarker(nonce: string): string {
  return `gh-pid-${nonce}:`;
}

/** What ends the script on stdin; a transfer cut short lacks it and the wrapper refuses to run. */
function endMarker(nonce: string): string {
  return `#gh-end-${nonce}`;
}

/** The bytes to write to the remote stdin: the script, then the end marker. */
export function scriptPayload(content: string, nonce: string): string {
  return `${content}\n${endMarker(nonce)}\n`;
}

// bash reads stdin itself with $(</dev/stdin): no subshell and no cat process per run (sh/dash have no
// such form). Where /dev/stdin cannot be opened (a socket on Linux) it falls back to cat, silently.
const BASH_READ_ALL = '{ s=$(</dev/stdin); } 2>/dev/null || s=$(cat) || exit 125';

// Reads the whole script first (so commands inside it that read stdin cannot eat the rest of it, and a
// truncated transfer never runs), then evaluates it with stdin from /dev/null.
function shellWrapper(nonce: string, options: string, language: ScriptLanguage): string {
  const end = endMarker(nonce);
  return [
    language === 'bash' ? BASH_READ_ALL : 's=$(cat) || exit 125',
    `case "$s" in *"${end}") ;; *) echo "gatehouse: the script did not arrive completely" >&2; exit 125;; esac`,
    `s=\${s%"${end}"}`,
    'exec </dev/null',
    options ? `s="set -${options}; $s"` : '',
    'eval "$s"',
  ]
    .filter(Boolean)
    .join('; ');
}

function pythonWrapper(nonce: string): string {
  return [
    'import linecache, os, sys',
    'd = sys.stdin.buffer.read()',
    `m = b"\\n${endMarker(nonce)}\\n"`,
    'if not d.endswith(m): sys.stderr.write("gatehouse: the script did not arrive completely\\n"); sys.exit(125)',
    'd = d[: -len(m)]',
    'n = os.open(os.devnull, os.O_RDONLY); os.dup2(n, 0); os.close(n)',
    'sys.argv[0] = "-"',
    't = d.decode("utf-8", "replace"); linecache.cache["<script>"] = (len(t), None, t.splitlines(True), "<script>")',
    'try:',
    '    exec(compile(d, "<script>", "exec", dont_inherit=True), {"__name__": "__main__", "__builtins__": __builtins__})',
    'except SystemExit:',
    '    raise',
    // Printed here, without this wrapper's frame, so the traceback shows the script's source lines.
    'except BaseException as e:',
    '    import traceback',
    '    h = traceback.print_exception if sys.excepthook is sys.__excepthook__ else sys.excepthook',
    '    h(type(e), e, e.__traceback__.tb_next); sys.exit(1)',
  ].join('\n');
}

/**
 * The command for one run. The login shell prints the pid marker (its pid is the session's process
 * group, since sshd starts every session with setsid), then `exec`s the interpreter, which keeps that
 * pid, so everything the script starts stays in a group Gatehouse can signal.
 */
export function scriptCommand(interp: Interpreter, args: string[], nonce: string): string {
  const exe = interp.argv.map(shellQuote).join(' ');
  const params = args.map(shellQuote).join(' ');
  const tail = params ? ' ' + params : '';
  if (interp.language === 'python3') {
    const opts = interp.options ? ' ' + shellQuote('-' + interp.options) : '';
    return `echo ${pidMarker(nonce)}$$; exec ${exe} -u${opts} -c ${shellQuote(pythonWrapper(nonce))}${tail}`;
  }
  const arg0 = shellQuote(interp.language);
  return `echo ${pidMarker(nonce)}$$; exec ${exe} -c ${shellQuote(shellWrapper(nonce, interp.options, interp.language))} ${arg0}${tail}`;
}

/**
 * Ends session `pid` on the remote side: TERM to its process group and (pkill -s) to every process of
 * the session, wait up to `graceMs` for them to go, then KILL and wait again. "Gone" ignores zombies
 * (`ps -s`; init may reap orphans slowly); without procps it falls back to `kill -0`. It runs as a
 * separate exec and needs nothing from Gatehouse once started.
 */
export function killCommand(pid: number, graceMs: number): string {
  if (!Number.isSafeInteger(pid) || pid < 2) throw new Error(`bad pid ${pid}`);
  const ticks = Math.max(1, Math.ceil(graceMs / 100));
  const wait = (n: number) => `n=0; while gh_alive && [ $n -lt ${n} ]; do sleep 0.1; n=$((n+1)); done`;
  return [
    `p=${pid}`,
    `gh_alive() { if s=$(ps -o stat= -s $p 2>/dev/null); then printf '%s\n' "$s" | grep -qv '^Z'; else kill -0 -- -$p 2>/dev/null; fi; }`,
    'gh_signal() { kill -$1 -- -$p 2>/dev/null; pkill -$1 -s $p 2>/dev/null; kill -$1 $p 2>/dev/null; }',
    'gh_signal TERM',
    wait(ticks),
    'gh_signal KILL',
    wait(30),
    'exit 0',
  ].join('; ');
}
