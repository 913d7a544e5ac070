import { execFile, execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { promisify } from 'node:util';

/**
 * The system side of the SSH test harness (ssh-harness.ts): prerequisites, processes tracked by pid +
 * start time (so a recycled pid is never signalled), process trees, local users, and a janitor for
 * what a crashed earlier run of the harness left behind. Nothing here kills by process name.
 */

export const SSHD = '/usr/sbin/sshd';
/** Every harness work dir starts with this, followed by the creating process's pid. */
export const WORK_PREFIX = '/tmp/gh-ssh-harness-';
/** Every harness user name starts with this, followed by the creating process's pid. */
export const USER_PREFIX = 'ghssh-';

const execFileP = promisify(execFile);

/** Runs a program (no shell) and returns its stdout; a failure names the command and its stderr. */
export async function run(cmd: string, args: string[], input?: string): Promise<string> {
  try {
    if (input !== undefined) return execFileSync(cmd, args, { input, encoding: 'utf8', stdio: ['pipe', 'pipe', 'pipe'] });
    return (await execFileP(cmd, args, { encoding: 'utf8' })).stdout;
  } catch (e) {
    const err = e as { stderr?: string; message: string };
    throw new Error(`${cmd} ${args.join(' ')} failed: ${err.stderr?.trim() || err.message}`);
  }
}

function which(name: string): boolean {
  return ['/usr/sbin', '/usr/bin', '/sbin', '/bin'].some((d) => existsSync(`${d}/${name}`));
}

/** Why the real-sshd tests cannot run here, or null when they can. */
export function missingPrerequisite(): string | null {
  if (process.platform !== 'linux') return 'not Linux';
  if (process.getuid?.() !== 0) return 'not running as root (sshd root login, port 22, network namespaces)';
  if (!existsSync(SSHD)) return `${SSHD} not found (apt-get install openssh-server)`;
  for (const tool of ['ssh-keygen', 'unshare', 'nsenter', 'ip', 'useradd', 'userdel', 'chpasswd', 'pgrep'])
    if (!which(tool)) return `${tool} not found`;
  try {
    execFileSync('unshare', ['--net', '--mount', '--', 'true'], { stdio: 'ignore' });
  } catch {
    return 'cannot create network/mount namespaces (unshare --net --mount failed)';
  }
  return null;
}

/**
 * For a test file's top level: true when the harness can run. When it cannot, prints a loud
 * SKIPPED banner and returns false, except under CI, where it throws (CI must run these tests).
 */
export function sshHarnessAvailable(what: string): boolean {
  const missing = missingPrerequisite();
  if (!missing) return true;
  const msg = `real-sshd tests (${what}) cannot run: ${missing}`;
  if (process.env.CI) throw new Error(`${msg} — CI must run them.`);
  console.warn(`\n${'!'.repeat(78)}\n!! SKIPPED: ${msg}\n${'!'.repeat(78)}\n`);
  return false;
}

export interface Tracked {
  pid: number;
  /** Field 22 of /proc/<pid>/stat; a different value means the pid was reused. */
  start: string;
}

function statOf(pid: number): { state: string; ppid: number; start: string } | null {
  try {
    const s = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = s.slice(s.lastIndexOf(')') + 2).split(' ');
    return { state: f[0], ppid: Number(f[1]), start: f[19] };
  } catch {
    return null;
  }
}

export function track(pid: number): Tracked {
  return { pid, start: statOf(pid)?.start ?? '' };
}

/** Running (a zombie is dead: only its exit status is left, and init may reap it slowly). */
export function isAlive(t: Tracked): boolean {
  const st = statOf(t.pid);
  return st !== null && st.start === t.start && st.state !== 'Z';
}

function allPids(): number[] {
  return readdirSync('/proc')
    .filter((n) => /^\d+$/.test(n))
    .map(Number);
}

/** Every process below `pid` (children, their children…), found by parent pid. */
export function descendants(pid: number): number[] {
  const kids = new Map<number, number[]>();
  for (const p of allPids()) {
    const st = statOf(p);
    if (st) kids.set(st.ppid, [...(kids.get(st.ppid) ?? []), p]);
  }
  const out: number[] = [];
  const queue = [...(kids.get(pid) ?? [])];
  while (queue.length) {
    const p = queue.shift() as number;
    out.push(p);
    queue.push(...(kids.get(p) ?? []));
  }
  return out;
}

function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {}
}

/** SIGKILLs a tracked process and everything below it (synchronous: usable from an exit handler). */
export function killTree(t: Tracked): void {
  if (!isAlive(t)) return;
  const below = descendants(t.pid);
  signal(t.pid, 'SIGKILL');
  for (const p of below) signal(p, 'SIGKILL');
}

export async function waitFor(cond: () => boolean, ms: number, what: string): Promise<void> {
  const until = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

export function deleteUserSync(name: string): void {
  try {
    execFileSync('userdel', ['-f', name], { stdio: 'ignore' });
  } catch {}
}

/** Deletes a network link if it still exists (it goes by itself when its namespace ends). */
export function ipLinkDelSync(name: string): void {
  try {
    execFileSync('ip', ['link', 'del', name], { stdio: 'ignore' });
  } catch {}
}

function pidAlive(pid: number): boolean {
  return statOf(pid) !== null;
}

/**
 * Removes what an earlier harness process left behind when it was killed before its exit handler ran:
 * processes whose command line names a harness work dir of a process that no longer exists, their
 * work dirs, and their users. Live harnesses (other test files running now) are left alone.
 */
export function sweepStale(): void {
  const dead = (owner: string) => owner !== String(process.pid) && !pidAlive(Number(owner));
  const re = new RegExp(`${WORK_PREFIX.replace(/[/.-]/g, '\\$&')}(\\d+)-`);
  for (const p of allPids()) {
    let cmd = '';
    try {
      cmd = readFileSync(`/proc/${p}/cmdline`, 'utf8');
    } catch {}
    const m = re.exec(cmd);
    if (m && dead(m[1])) killTree(track(p));
  }
  for (const name of readdirSync('/tmp')) {
    const m = /^gh-ssh-harness-(\d+)-/.exec(name);
    if (m && dead(m[1])) rmSync(`/tmp/${name}`, { recursive: true, force: true });
  }
  for (const line of readFileSync('/etc/passwd', 'utf8').split('\n')) {
    const m = new RegExp(`^(${USER_PREFIX}(\\d+)-[0-9a-f]+):`).exec(line);
    if (m && dead(m[2])) deleteUserSync(m[1]);
  }
}

/** Runs inside each sshd's private mount namespace, then execs sshd (argv after $0 = the work dir). */
export const MOUNTS =
  '[ -d /run/sshd ] || { mount -t tmpfs -o mode=755 gh-sshd /run && mkdir /run/sshd; } || exit 1; ' +
  '[ ! -f /root/.bashrc ] || mount --bind "$0/empty" /root/.bashrc || exit 1; exec "$@"';

/** An sshd_config: `extra` (who may log in, how) + what every harness host shares. */
export function sshdConfig(extra: string[]): string {
  const v = /OpenSSH_(\d+)\.(\d+)/.exec(sshdVersion());
  const penalties = v && (Number(v[1]) > 9 || (Number(v[1]) === 9 && Number(v[2]) >= 8)) ? ['PerSourcePenalties no'] : [];
  return [
    ...extra,
    'PubkeyAuthentication yes',
    'KbdInteractiveAuthentication no',
    'UsePAM no',
    'UseDNS no',
    'PrintMotd no',
    'PrintLastLog no',
    'X11Forwarding no',
    'AllowTcpForwarding yes',
    'MaxStartups 1000',
    'MaxSessions 200',
    'LogLevel INFO',
    ...penalties,
    '',
  ].join('\n');
}

let version: string | null = null;
/** `sshd -V` (it prints to stderr), e.g. "OpenSSH_9.2p1 Debian-2+deb12u10, OpenSSL 3.0.19". */
function sshdVersion(): string {
  version ??= spawnSync(SSHD, ['-V'], { encoding: 'utf8' }).stderr;
  return version;
}

/** SHA256 of the key blob, base64 without padding: what `ssh-keygen -lf` prints (computed apart from the engine's code). */
export function fingerprintOfPubFile(path: string): string {
  const blob = Buffer.from(readFileSync(path, 'utf8').split(' ')[1], 'base64');
  return 'SHA256:' + createHash('sha256').update(blob).digest('base64').replace(/=+$/, '');
}
