import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { killCommand } from '../src/modules/automation/ssh/remote-command.js';
import { sshHarnessAvailable } from './ssh-harness.js';
import { isAlive, sweepStale, waitFor, type Tracked } from './ssh-harness-system.js';

// The harness cleans up after itself when a test process dies (exit handler), and the next harness
// sweeps what a SIGKILLed one left. Also: the kill helper alone ends a session, TERM-ignoring child too.

const available = sshHarnessAvailable('automation-ssh-harness');
const here = dirname(fileURLToPath(import.meta.url));
// `node --import tsx` runs the script in this one process (the tsx binary would add a parent).
const node = (file: string) => [process.execPath, ['--import', 'tsx', file]] as const;
const tmp = mkdtempSync('/tmp/gh-ssh-harness-test-');
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

interface Made {
  dir: string;
  processes: Tracked[];
  users: string[];
  links: string[];
}

/** A child process that builds hosts, a jump topology and a password user, prints them, then `mode`. */
function childScript(mode: 'exit' | 'hang'): string {
  const file = `${tmp}/child-${mode}.mts`;
  writeFileSync(
    file,
    `import { SshHarness } from ${JSON.stringify(resolve(here, 'ssh-harness.ts'))};
const h = await SshHarness.start();
await h.startHosts(2);
await h.startJumpTopology();
await h.startPasswordHost();
console.log(JSON.stringify(h.resources()));
${mode === 'exit' ? 'process.exit(3);' : 'setInterval(() => {}, 1000);'}
`,
  );
  return file;
}

async function expectGone(made: Made): Promise<void> {
  // SIGKILL is delivered at once, but a process ends a moment later.
  await waitFor(() => made.processes.every((p) => !isAlive(p)), 5000, 'the processes to end').catch(() => {});
  expect(made.processes.filter(isAlive)).toEqual([]);
  const passwd = readFileSync('/etc/passwd', 'utf8');
  for (const u of made.users) expect(passwd).not.toContain(`${u}:`);
  const links = spawnSync('ip', ['-o', 'link'], { encoding: 'utf8' }).stdout;
  for (const l of made.links) expect(links).not.toContain(`${l}@`);
  expect(existsSync(made.dir)).toBe(false);
}

describe.skipIf(!available)('harness cleanup', () => {
  it('a test process that exits without stop() leaves nothing behind', async () => {
    const [cmd, args] = node(childScript('exit'));
    const r = spawnSync(cmd, args, { encoding: 'utf8', timeout: 30_000, cwd: resolve(here, '../..') });
    expect(r.status, r.stderr).toBe(3);
    const made = JSON.parse(r.stdout.trim().split('\n').pop() as string) as Made;
    expect(made.processes.length).toBe(9); // 2 hosts, 4 sshds and 2 namespace holders in the topology, the password host
    expect(made.users).toHaveLength(1);
    await expectGone(made);
  });

  it('what a SIGKILLed test process left is swept by the next harness', async () => {
    const [cmd, args] = node(childScript('hang'));
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'inherit'], cwd: resolve(here, '../..') });
    const made = await new Promise<Made>((ok) => {
      let out = '';
      child.stdout.on('data', (d) => {
        out += d;
        if (out.includes('\n')) ok(JSON.parse(out.trim()) as Made);
      });
    });
    child.kill('SIGKILL');
    await waitFor(() => child.exitCode !== null || child.signalCode !== null, 10_000, 'the child to die');
    expect(made.processes.filter(isAlive).length).toBe(made.processes.length);
    sweepStale();
    await expectGone(made);
  });
});

describe.skipIf(!available)('the kill helper on its own', () => {
  it('ends a whole session, a TERM-ignoring child included', async () => {
    const m = String(100000 + Math.floor(Math.random() * 899999));
    // detached: node calls setsid(), so bash leads its own session, as sshd's session child does.
    const leader = spawn('bash', ['-c', `sleep 310.${m} & (trap '' TERM; sleep 311.${m}) & sleep 312.${m}`], {
      stdio: 'ignore',
      detached: true,
    });
    const count = () =>
      spawnSync('pgrep', ['-f', `^sleep 31[0-9].${m}`], { encoding: 'utf8' })
        .stdout.split('\n')
        .filter(Boolean).length;
    await waitFor(() => count() === 3, 5000, 'the session to start');
    const r = spawnSync('/bin/sh', ['-c', killCommand(leader.pid as number, 500)], { timeout: 10_000 });
    expect(r.status).toBe(0);
    expect(count()).toBe(0);
  });
});
