import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { run, waitFor, type Tracked, track } from './ssh-harness-system.js';

/**
 * Network namespaces for the SSH harness, without `ip netns add` (which would leave /run/netns
 * behind): a namespace lives as long as its holder process, a `sleep` whose argv[0] names the work
 * dir (so a crashed run's holders can be found and swept). When the holder dies, the namespace and
 * its veth pairs go with it.
 */

/** A process holding a new network namespace with loopback up. The caller tracks and kills it. */
export async function nsHolder(workDir: string): Promise<Tracked> {
  const p = spawn('unshare', ['--net', '--', 'bash', '-c', 'exec -a "$0" sleep infinity', `gh-holder:${workDir}`], { stdio: 'ignore' });
  const t = track(p.pid as number);
  await waitFor(() => readFileSync(`/proc/${t.pid}/cmdline`, 'utf8').startsWith('gh-holder:'), 5000, 'the namespace holder');
  await inNs(t, ['link', 'set', 'lo', 'up']);
  return t;
}

export function inNs(ns: Tracked, ipArgs: string[]): Promise<string> {
  return run('nsenter', [`--net=/proc/${ns.pid}/ns/net`, '--', 'ip', ...ipArgs]);
}

/**
 * A veth pair `<name>a` in `a` (null: the root namespace) and `<name>b` in `b`, addressed
 * `<net>.<base+1>` and `<net>.<base+2>` (/30). Returns b's address.
 */
export async function vethPair(a: Tracked | null, b: Tracked, net: string, base: number, name: string): Promise<string> {
  const ip = (ns: Tracked | null, args: string[]) => (ns ? inNs(ns, args) : run('ip', args));
  const [na, nb] = [`${name}a`, `${name}b`];
  await ip(a, ['link', 'add', na, 'type', 'veth', 'peer', 'name', nb, 'netns', String(b.pid)]);
  await ip(a, ['addr', 'add', `${net}.${base + 1}/30`, 'dev', na]);
  await ip(a, ['link', 'set', na, 'up']);
  await inNs(b, ['addr', 'add', `${net}.${base + 2}/30`, 'dev', nb]);
  await inNs(b, ['link', 'set', nb, 'up']);
  return `${net}.${base + 2}`;
}

/** A random 10.2xx.y.0/24 that no interface of the root namespace uses ("10.212.7"). */
export async function freeSubnet(): Promise<string> {
  const addrs = await run('ip', ['-4', '-o', 'addr']);
  for (;;) {
    const net = `10.${200 + Math.floor(Math.random() * 50)}.${Math.floor(Math.random() * 256)}`;
    if (!addrs.includes(` ${net}.`)) return net;
  }
}
