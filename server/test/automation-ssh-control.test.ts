import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkConnection, generateKeyPair, runScript } from '../src/modules/automation/ssh/index.js';
import { runCollected, SshHarness, sshHarnessAvailable, type HarnessHost } from './ssh-harness.js';
import { descendants, waitFor } from './ssh-harness-system.js';

// Failure paths against real sshds: cancel and timeout end every remote process, wrong key, nothing
// listening, no banner, changed host key, keepalive, and no connection left open afterwards.

const available = sshHarnessAvailable('automation-ssh-control');
const stamp = randomBytes(4).toString('hex');
const witness = `/tmp/gh-ssh-witness-${stamp}`;

/** Processes on this machine (where the sshds run) whose command line contains `marker`. */
function remaining(marker: string): string[] {
  return spawnSync('pgrep', ['-af', marker], { encoding: 'utf8' }).stdout.split('\n').filter(Boolean);
}

/** A script that starts children (one ignoring TERM if `stubborn`), each recognisable by `sleep 30N.<marker>`. */
function childrenScript(marker: string, stubborn: boolean): string {
  return [
    `sleep 300.${marker} &`,
    stubborn ? `(trap '' TERM; sleep 301.${marker}) &` : `sleep 301.${marker} &`,
    `bash -c 'sleep 302.${marker}; :' &`,
    'echo started',
    `sleep 303.${marker}`,
    'echo never',
  ].join('\n');
}

const marker = () => String(100000 + Math.floor(Math.random() * 899999));
const tcpHandles = () => process.getActiveResourcesInfo().filter((r) => r === 'TCPSocketWrap').length;

describe.skipIf(!available)('cancel, timeout and connection failures on real sshds', () => {
  let h: SshHarness;
  let host: HarnessHost;
  let frozen: HarnessHost;
  let rotating: HarnessHost;

  beforeAll(async () => {
    h = await SshHarness.start();
    [host, frozen, rotating] = await h.startHosts(3);
  });
  afterAll(async () => {
    rmSync(witness, { force: true });
    await h?.stop();
  });

  it('cancel ends the script and every process it started, including one that ignores TERM', async () => {
    const m = marker();
    const ac = new AbortController();
    let seen = false;
    const r = await runCollected({
      chain: [h.hop(host)],
      content: childrenScript(m, true),
      signal: ac.signal,
      onStdout: (t) => {
        if (seen || !t.includes('started')) return;
        seen = true;
        void waitFor(() => remaining(m).length >= 5, 5000, 'the children to start').then(() => ac.abort());
      },
    });
    expect(r).toMatchObject({ status: 'cancelled', stdout: 'started\n' });
    expect(r.error).toMatch(/cancelled/);
    expect(remaining(m)).toEqual([]);
  });

  it('a timeout ends the script and its children, and keeps the output so far', async () => {
    const m = marker();
    const r = await runCollected({ chain: [h.hop(host)], content: childrenScript(m, false), timeoutMs: 1500 });
    expect(r).toMatchObject({ status: 'timeout', stdout: 'started\n' });
    expect(r.error).toMatch(/did not finish within 1500 ms/);
    expect(remaining(m)).toEqual([]);
  });

  it('an output callback that throws fails the run and ends the remote processes', async () => {
    const m = marker();
    const r = await runCollected({
      chain: [h.hop(host)],
      content: childrenScript(m, false),
      onStdout: () => {
        throw new Error('consumer broke');
      },
    });
    expect(r).toMatchObject({ status: 'failed', error: 'the output handler failed: consumer broke' });
    expect(remaining(m)).toEqual([]);
  });

  it('a signal aborted before or during the connect runs nothing', async () => {
    const before = await runCollected({ chain: [h.hop(host)], content: `touch ${witness}`, signal: AbortSignal.abort() });
    expect(before).toMatchObject({ status: 'cancelled', fingerprints: [null] });
    const ac = new AbortController();
    const during = runCollected({ chain: [h.hop(host)], content: `touch ${witness}`, signal: ac.signal });
    ac.abort();
    expect((await during).status).toBe('cancelled');
    expect(existsSync(witness)).toBe(false);
  });

  it('a key the host does not know → auth-failed', async () => {
    const stranger = generateKeyPair('stranger');
    const r = await runCollected({ chain: [h.hop(host, { privateKey: stranger.privateKey })], content: 'echo no' });
    expect(r).toMatchObject({ status: 'auth-failed', exitCode: null, fingerprints: [host.fingerprint], stdout: '' });
    expect(r.error).toContain(`root@${host.host}:22 rejected the login`);
    expect((await checkConnection([h.hop(host, { privateKey: stranger.privateKey })], 5000)).status).toBe('auth-failed');
    const unusable = await runCollected({ chain: [h.hop(h.unusedAddress(), { privateKey: 'not a key' })], content: 'echo no' });
    expect(unusable).toMatchObject({ status: 'auth-failed', error: expect.stringMatching(/private key .* cannot be used/) });
  });

  it('nothing listening → unreachable (refused, not a timeout)', async () => {
    const r = await runCollected({ chain: [h.hop(h.unusedAddress())], content: 'echo no', connectTimeoutMs: 20_000 });
    expect(r).toMatchObject({ status: 'unreachable', fingerprints: [null] });
    expect(r.error).toMatch(/connection refused/);
  });

  it('a host that accepts TCP but sends no banner → timeout', async () => {
    const silent = await h.startSilentHost();
    const r = await runCollected({ chain: [h.hop(silent)], content: 'echo no', connectTimeoutMs: 600 });
    expect(r).toMatchObject({ status: 'timeout', fingerprints: [null] });
    expect(r.error).toMatch(/accepted the connection but the SSH handshake did not complete within 600 ms/);
    const c = await checkConnection([h.hop(silent)], 600);
    expect(c.status).toBe('timeout');
  });

  it('a changed host key stops before login, names both keys, and runs nothing', async () => {
    const old = rotating.fingerprint;
    await h.rotateHostKey(rotating);
    expect(rotating.fingerprint).not.toBe(old);
    const r = await runCollected({ chain: [h.hop(rotating, { pin: old })], content: `touch ${witness}` });
    expect(r).toMatchObject({ status: 'host-key-changed', exitCode: null, fingerprints: [rotating.fingerprint] });
    expect(r.error).toContain(`${rotating.host}:22`);
    expect(r.error).toContain(old);
    expect(r.error).toContain(rotating.fingerprint);
    expect(r.error).toMatch(/an admin must accept the new key/);
    expect(existsSync(witness)).toBe(false);
    expect(h.log(rotating)).not.toMatch(/Accepted publickey/);
    const check = await checkConnection([h.hop(rotating, { pin: old })], 5000);
    expect(check).toMatchObject({ status: 'host-key-changed', fingerprints: [rotating.fingerprint] });
    // Unpinned (the admin accepted the change): trusted and reported for pinning.
    const tofu = await runCollected({ chain: [h.hop(rotating, { pin: null })], content: 'echo ok' });
    expect(tofu).toMatchObject({ status: 'succeeded', stdout: 'ok\n', fingerprints: [rotating.fingerprint] });
  });

  it('keepalive notices a host that stopped answering', async () => {
    let stopped: number[] = [];
    const r = await runCollected({
      chain: [h.hop(frozen)],
      content: 'echo up; sleep 20',
      keepaliveMs: 200,
      timeoutMs: 20_000,
      onStdout: () => {
        // Freeze the connection's sshd processes: TCP stays open, nothing answers.
        stopped = descendants(frozen.proc.pid).filter((p) => readFileSync(`/proc/${p}/comm`, 'utf8').trim() === 'sshd');
        for (const p of stopped) process.kill(p, 'SIGSTOP');
      },
    });
    for (const p of stopped) process.kill(p, 'SIGKILL');
    expect(stopped.length).toBeGreaterThan(0);
    expect(r).toMatchObject({ status: 'failed', stdout: 'up\n' });
    expect(r.error).toMatch(/connection was lost \(Keepalive timeout\)/);
  });

  it('leaves no connection open, on either side, after runs that succeed, fail and get cancelled', async () => {
    await waitFor(() => h.openSessions(host) === 0, 5000, 'earlier sessions to end');
    const handles = tcpHandles();
    const ac = new AbortController();
    const runs = await Promise.all([
      runCollected({ chain: [h.hop(host)], content: 'echo a' }),
      runCollected({ chain: [h.hop(host)], content: 'exit 9' }),
      runCollected({ chain: [h.hop(host)], content: 'echo go; sleep 30', signal: ac.signal, onStdout: () => ac.abort() }),
      runScript({
        chain: [h.hop(host)],
        language: 'bash',
        content: 'sleep 30',
        args: [],
        connectTimeoutMs: 5000,
        timeoutMs: 500,
        onStdout: () => {},
        onStderr: () => {},
      }),
    ]);
    expect(runs.map((r) => r.status)).toEqual(['succeeded', 'failed', 'cancelled', 'timeout']);
    expect(tcpHandles()).toBe(handles);
    await waitFor(() => h.openSessions(host) === 0, 5000, 'the sshd to have no connection left');
  });
});
