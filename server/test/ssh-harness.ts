import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { runScript, type ExecRequest, type ExecResult, type SshHop } from '../src/modules/automation/ssh/index.js';
import {
  MOUNTS,
  fingerprintOfPubFile,
  SSHD,
  USER_PREFIX,
  WORK_PREFIX,
  deleteUserSync,
  ipLinkDelSync,
  descendants,
  isAlive,
  killTree,
  run,
  sshdConfig,
  sweepStale,
  track,
  waitFor,
  type Tracked,
} from './ssh-harness-system.js';
import { freeSubnet, nsHolder, vethPair } from './ssh-harness-netns.js';

export { sshHarnessAvailable } from './ssh-harness-system.js';

/**
 * Throwaway OpenSSH servers for tests (as ../shared/bench/fanout/hosts-up.sh does, in-process):
 * each an `sshd -D` with its own ed25519 host key, root login by public key only (a key this harness
 * generates), MaxStartups/MaxSessions high. Root-namespace hosts listen on 127.a.b.N:22 in a random
 * 127.a.b.0 block; jump topologies live in network namespaces held by a sleeping process (no
 * /run/netns entry). Each sshd runs in a private mount namespace where /root/.bashrc is an empty file
 * (root's real one runs pyenv, ~0.15 s per session) and, if the system lacks it, /run/sshd exists.
 * stop() — and an exit handler, if a test dies — kills exactly the processes started here (by pid +
 * start time, with their descendants), deletes the users, links and the work dir.
 */
export interface HarnessHost {
  name: string;
  host: string;
  port: number;
  /** The host key fingerprint ("SHA256:…", as `ssh-keygen -lf` prints it). */
  fingerprint: string;
  proc: Tracked;
  /** The namespace holder the sshd runs in; null: the root namespace. */
  ns: Tracked | null;
  config: string;
}

export interface JumpTopology {
  /** Reachable from here (root namespace), over a veth pair into namespace A. */
  jump1: HarnessHost;
  /** On namespace A's loopback: reachable only from jump1. */
  target1: HarnessHost;
  /** In namespace B, reachable only from namespace A. */
  jump2: HarnessHost;
  /** On namespace B's loopback: reachable only from jump2. */
  target2: HarnessHost;
}

const live = new Set<SshHarness>();
function hookExit(): void {
  if (live.size) return;
  process.once('exit', () => {
    for (const h of live) h.stopSync();
  });
}

export class SshHarness {
  readonly hosts: HarnessHost[] = [];
  private readonly holders: Tracked[] = [];
  private readonly users: string[] = [];
  private readonly links: string[] = [];
  private readonly servers: net.Server[] = [];
  private readonly sockets = new Set<net.Socket>();
  private readonly block = [100 + Math.floor(Math.random() * 100), Math.floor(Math.random() * 200)];
  private seq = 0;
  private stopped = false;

  private constructor(
    readonly dir: string,
    readonly clientKey: { privateKey: string; publicKey: string; fingerprint: string },
  ) {}

  static async start(): Promise<SshHarness> {
    sweepStale();
    const dir = `${WORK_PREFIX}${process.pid}-${randomBytes(4).toString('hex')}`;
    mkdirSync(dir, { recursive: true });
    chmodSync(dir, 0o711); // a test user's home lives inside; sshd reads its files as that user
    writeFileSync(`${dir}/empty`, '');
    await run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'gh-harness-client', '-f', `${dir}/client`]);
    const publicKey = readFileSync(`${dir}/client.pub`, 'utf8').trim();
    writeFileSync(`${dir}/authorized_keys`, publicKey + '\n', { mode: 0o600 });
    const fp = (await run('ssh-keygen', ['-lf', `${dir}/client.pub`])).split(' ')[1]; // OpenSSH's own view
    const h = new SshHarness(dir, { privateKey: readFileSync(`${dir}/client`, 'utf8'), publicKey, fingerprint: fp });
    writeFileSync(
      `${dir}/sshd_config`,
      sshdConfig([
        `AuthorizedKeysFile ${dir}/authorized_keys`,
        'AllowUsers root',
        'PermitRootLogin prohibit-password',
        'PasswordAuthentication no',
        'StrictModes no',
      ]),
    );
    hookExit();
    live.add(h);
    return h;
  }

  /** An SshHop for `h`, logging in as root with the harness key; pinned to its real host key unless told. */
  hop(h: { host: string; port: number; fingerprint?: string }, opts: { pin?: string | null; privateKey?: string } = {}): SshHop {
    const pin = opts.pin === undefined ? (h.fingerprint ?? null) : opts.pin;
    return {
      host: h.host,
      port: h.port,
      username: 'root',
      privateKey: opts.privateKey ?? this.clientKey.privateKey,
      pinnedFingerprint: pin,
    };
  }

  /** Starts `n` hosts in the root namespace, each on its own loopback address, port 22. */
  async startHosts(n: number): Promise<HarnessHost[]> {
    const out: HarnessHost[] = [];
    for (let i = 0; i < n; i += 16) {
      const batch = Array.from({ length: Math.min(16, n - i) }, async () => this.launch(await this.freeAddress(), null, 'sshd_config'));
      out.push(...(await Promise.all(batch)));
    }
    return out;
  }

  /** Restarts `h` with a new host key (same address); returns it with the new fingerprint. */
  async rotateHostKey(h: HarnessHost): Promise<HarnessHost> {
    killTree(h.proc);
    await waitFor(() => !isAlive(h.proc), 5000, `sshd ${h.name} to exit`);
    const fresh = await this.launch({ host: h.host, port: h.port }, h.ns, h.config);
    Object.assign(h, fresh);
    this.hosts.splice(this.hosts.indexOf(fresh), 1);
    return h;
  }

  /** A TCP listener that accepts connections and never says anything (no SSH banner). */
  async startSilentHost(): Promise<{ host: string; port: number }> {
    const server = net.createServer((s) => {
      this.sockets.add(s);
      s.on('error', () => {});
      s.on('close', () => this.sockets.delete(s));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    this.servers.push(server);
    return { host: '127.0.0.1', port: (server.address() as net.AddressInfo).port };
  }

  /** An address in this harness's block where nothing listens (connections are refused). */
  unusedAddress(): { host: string; port: number } {
    return { host: `127.${this.block[0]}.${this.block[1]}.254`, port: 22 };
  }

  /** How many processes the host's sshd has below it: open connections and their sessions. */
  openSessions(h: HarnessHost): number {
    return descendants(h.proc.pid).length;
  }

  private async freeAddress(): Promise<{ host: string; port: number }> {
    for (;;) {
      const i = this.seq++;
      const host = `127.${this.block[0]}.${this.block[1] + Math.floor(i / 250)}.${1 + (i % 250)}`;
      const free = await new Promise<boolean>((resolve) => {
        const s = net.createServer();
        s.once('error', () => resolve(false));
        s.listen(22, host, () => s.close(() => resolve(true)));
      });
      if (free) return { host, port: 22 };
    }
  }

  private async launch(at: { host: string; port: number }, ns: Tracked | null, config: string): Promise<HarnessHost> {
    const name = `h${this.hosts.length + 1}-${randomBytes(2).toString('hex')}`;
    const key = `${this.dir}/${name}.key`;
    await run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', `gh-harness-${name}`, '-f', key]);
    const fingerprint = fingerprintOfPubFile(`${key}.pub`);
    const pidFile = `${this.dir}/${name}.pid`;
    const listen = at.host.includes(':') ? `[${at.host}]:${at.port}` : `${at.host}:${at.port}`;
    const options = { HostKey: key, ListenAddress: listen, PidFile: pidFile };
    const sshd = [SSHD, '-D', '-f', `${this.dir}/${config}`, ...Object.entries(options).flatMap(([k, v]) => ['-o', `${k}=${v}`])];
    const argv = [
      ...(ns ? ['nsenter', `--net=/proc/${ns.pid}/ns/net`, '--'] : []),
      ...['unshare', '-m', '--', '/bin/sh', '-c', MOUNTS, this.dir],
    ];
    const child = spawn(argv[0], [...argv.slice(1), ...sshd, '-E', `${this.dir}/${name}.log`], { stdio: 'ignore' });
    let exited = false;
    child.on('exit', () => (exited = true));
    const host: HarnessHost = { name, host: at.host, port: at.port, fingerprint, proc: track(child.pid as number), ns, config };
    this.hosts.push(host);
    await waitFor(
      () => exited || (existsSync(pidFile) && readFileSync(pidFile, 'utf8').trim() !== ''),
      10_000,
      `sshd ${name} on ${listen}`,
    );
    if (exited) throw new Error(`sshd ${name} on ${listen} did not start: ${this.log(host).slice(-2000)}`);
    host.proc = track(child.pid as number); // after the execs (nsenter → unshare → sh → sshd), same pid
    return host;
  }

  /** The sshd's log (for assertion messages). */
  log(h: HarnessHost): string {
    try {
      return readFileSync(`${this.dir}/${h.name}.log`, 'utf8');
    } catch {
      return '(no log)';
    }
  }

  /**
   * Gatehouse → jump1 (namespace A) → target1 on A's loopback; jump1 → jump2 (namespace B) → target2
   * on B's loopback. From here, target1/target2 addresses (127.77.0.x) are this machine's own
   * loopback, where nothing listens, so a direct connection is refused.
   */
  async startJumpTopology(): Promise<JumpTopology> {
    const [a, b] = [await nsHolder(this.dir), await nsHolder(this.dir)];
    this.holders.push(a, b);
    const net = await freeSubnet();
    const tag = randomBytes(2).toString('hex');
    const jump1Addr = await vethPair(null, a, net, 0, `gh${tag}0`);
    this.links.push(`gh${tag}0a`);
    const jump2Addr = await vethPair(a, b, net, 4, `gh${tag}1`);
    return {
      jump1: await this.launch({ host: jump1Addr, port: 22 }, a, 'sshd_config'),
      target1: await this.launch({ host: '127.77.0.1', port: 22 }, a, 'sshd_config'),
      jump2: await this.launch({ host: jump2Addr, port: 22 }, b, 'sshd_config'),
      target2: await this.launch({ host: '127.77.0.2', port: 22 }, b, 'sshd_config'),
    };
  }

  /**
   * A host that allows only password login, for a local user made for it (login shell /bin/sh, home in
   * the work dir, ~/.ssh/authorized_keys with StrictModes on). The user is deleted by stop().
   */
  async startPasswordHost(): Promise<{ host: HarnessHost; username: string; password: string; home: string }> {
    const username = `${USER_PREFIX}${process.pid}-${randomBytes(3).toString('hex')}`;
    const home = `${this.dir}/home-${username}`;
    const password = `Gh!${randomBytes(12).toString('base64url')}9a`;
    await run('useradd', ['-m', '-d', home, '-s', '/bin/sh', '-c', 'Gatehouse SSH test user', username]);
    this.users.push(username);
    await run('chpasswd', [], `${username}:${password}\n`);
    const config = `sshd_config_${username}`;
    writeFileSync(
      `${this.dir}/${config}`,
      sshdConfig([
        `AllowUsers ${username}`,
        'PermitRootLogin no',
        'AuthorizedKeysFile .ssh/authorized_keys',
        'PasswordAuthentication yes',
        'StrictModes yes',
      ]),
    );
    return { host: await this.launch(await this.freeAddress(), null, config), username, password, home };
  }

  /** What this harness has made so far (for the cleanup tests). */
  resources(): { dir: string; processes: Tracked[]; users: string[]; links: string[] } {
    return {
      dir: this.dir,
      processes: [...this.hosts.map((x) => x.proc), ...this.holders],
      users: [...this.users],
      links: [...this.links],
    };
  }

  /** Kills every process this harness started, removes its users, links and work dir. */
  async stop(): Promise<void> {
    for (const s of this.servers) s.close();
    const procs = [...this.hosts.map((h) => h.proc), ...this.holders];
    this.stopSync();
    await waitFor(() => procs.every((p) => !isAlive(p)), 5000, 'harness processes to exit').catch(() => {});
  }

  stopSync(): void {
    if (this.stopped) return;
    this.stopped = true;
    live.delete(this);
    for (const s of this.sockets) s.destroy();
    for (const s of this.servers) s.close();
    for (const h of this.hosts) killTree(h.proc);
    for (const t of this.holders) killTree(t);
    for (const l of this.links) ipLinkDelSync(l);
    for (const u of this.users) deleteUserSync(u);
    rmSync(this.dir, { recursive: true, force: true });
  }
}

export interface Collected extends ExecResult {
  stdout: string;
  stderr: string;
  /** Every callback in arrival order. */
  chunks: { stream: 'stdout' | 'stderr'; text: string }[];
}

/** runScript with the output collected (for tests with small output) and test-friendly defaults. */
export async function runCollected(req: Partial<ExecRequest> & Pick<ExecRequest, 'chain' | 'content'>): Promise<Collected> {
  const chunks: Collected['chunks'] = [];
  const r = await runScript({
    language: 'bash',
    args: [],
    connectTimeoutMs: 5000,
    timeoutMs: 15_000,
    ...req,
    onStdout: (text) => {
      chunks.push({ stream: 'stdout', text });
      req.onStdout?.(text);
    },
    onStderr: (text) => {
      chunks.push({ stream: 'stderr', text });
      req.onStderr?.(text);
    },
  });
  const join = (s: 'stdout' | 'stderr') =>
    chunks
      .filter((c) => c.stream === s)
      .map((c) => c.text)
      .join('');
  return { ...r, stdout: join('stdout'), stderr: join('stderr'), chunks };
}
