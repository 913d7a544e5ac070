import { spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkConnection, generateKeyPair, runScript } from '../src/modules/automation/ssh/index.js';
import { runCollected, SshHarness, sshHarnessAvailable, type JumpTopology } from './ssh-harness.js';
import { waitFor } from './ssh-harness-system.js';

// Jump hosts through ssh2 forwardOut, on a topology of network namespaces where the targets can only
// be reached from their jump host's namespace.

const available = sshHarnessAvailable('automation-ssh-jump');

describe.skipIf(!available)('jump host chains', () => {
  let h: SshHarness;
  let t: JumpTopology;

  beforeAll(async () => {
    h = await SshHarness.start();
    t = await h.startJumpTopology();
  });
  afterAll(async () => h?.stop());

  it('a target behind a jump host cannot be reached directly, and can through the jump host', async () => {
    const direct = await checkConnection([h.hop(t.target1)], 3000);
    expect(direct).toMatchObject({ status: 'unreachable', fingerprints: [null] });

    const r = await runCollected({
      chain: [h.hop(t.jump1), h.hop(t.target1)],
      content: 'echo "$SSH_CONNECTION"; echo "$1"',
      args: ['via jump'],
    });
    expect(r).toMatchObject({ status: 'succeeded', exitCode: 0, fingerprints: [t.jump1.fingerprint, t.target1.fingerprint] });
    // The target saw the connection arrive from the jump host's side, on its own loopback address.
    expect(r.stdout).toMatch(/^127\.0\.0\.1 \d+ 127\.77\.0\.1 22\nvia jump\n$/);
  });

  it('a two-hop chain reaches a target that only the second jump host can reach', async () => {
    const oneHop = await checkConnection([h.hop(t.jump1), h.hop(t.target2)], 3000);
    expect(oneHop).toMatchObject({ status: 'unreachable', fingerprints: [t.jump1.fingerprint, null] });
    expect(oneHop.message).toContain(`jump host ${t.jump1.host}:22 could not open a connection to 127.77.0.2:22`);

    const chain = [h.hop(t.jump1), h.hop(t.jump2), h.hop(t.target2)];
    const check = await checkConnection(chain, 3000);
    expect(check).toMatchObject({ status: 'reachable', fingerprints: [t.jump1.fingerprint, t.jump2.fingerprint, t.target2.fingerprint] });
    expect(check.message).toContain('through 2 jump hosts');
    const r = await runCollected({ chain, language: 'python3', content: 'import os; print(os.environ["SSH_CONNECTION"].split()[2])' });
    expect(r).toMatchObject({ status: 'succeeded', stdout: '127.77.0.2\n' });
  });

  it('takes chains of up to 6 hops and refuses longer ones', async () => {
    const six = [...Array(5).fill(h.hop(t.jump1)), h.hop(t.target1)];
    const r = await runCollected({ chain: six, content: 'echo six' });
    expect(r).toMatchObject({ status: 'succeeded', stdout: 'six\n' });
    expect(r.fingerprints).toHaveLength(6);
    await expect(runCollected({ chain: [...six, h.hop(t.target1)], content: 'echo seven' })).rejects.toThrow(/1\.\.6 hops/);
    await expect(checkConnection([], 1000)).rejects.toThrow(/1\.\.6 hops/);
  });

  it('a changed key on the jump host stops the chain there', async () => {
    const r = await runCollected({ chain: [h.hop(t.jump1, { pin: h.clientKey.fingerprint }), h.hop(t.target1)], content: 'echo no' });
    expect(r).toMatchObject({ status: 'host-key-changed', fingerprints: [t.jump1.fingerprint, null], stdout: '' });
    expect(r.error).toContain(`${t.jump1.host}:22 has changed`);
  });

  it('a changed key or a wrong login on the target is reported for the target', async () => {
    const changed = await checkConnection([h.hop(t.jump1), h.hop(t.target1, { pin: t.target2.fingerprint })], 3000);
    expect(changed).toMatchObject({ status: 'host-key-changed', fingerprints: [t.jump1.fingerprint, t.target1.fingerprint] });
    expect(changed.message).toContain('127.77.0.1:22 has changed');
    const wrongKey = generateKeyPair('wrong').privateKey;
    const denied = await checkConnection([h.hop(t.jump1), h.hop(t.target1, { privateKey: wrongKey })], 3000);
    expect(denied).toMatchObject({ status: 'auth-failed', fingerprints: [t.jump1.fingerprint, t.target1.fingerprint] });
    expect(denied.message).toContain('root@127.77.0.1:22 rejected the login');
  });

  it('cancelling a run behind two jump hosts ends its processes on the target', async () => {
    const m = String(100000 + Math.floor(Math.random() * 899999));
    const remaining = () => spawnSync('pgrep', ['-af', `sleep 30[0-9].${m}`], { encoding: 'utf8' }).stdout.trim();
    const ac = new AbortController();
    const r = await runScript({
      chain: [h.hop(t.jump1), h.hop(t.jump2), h.hop(t.target2)],
      language: 'sh',
      content: `sleep 300.${m} & sleep 301.${m} & echo started; wait`,
      args: [],
      connectTimeoutMs: 3000,
      timeoutMs: 20_000,
      signal: ac.signal,
      onStdout: () => void waitFor(() => remaining().split('\n').length >= 2, 5000, 'the sleeps').then(() => ac.abort()),
      onStderr: () => {},
    });
    expect(r.status).toBe('cancelled');
    expect(remaining()).toBe('');
  });
});
