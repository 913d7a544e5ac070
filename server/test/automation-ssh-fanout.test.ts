import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCollected, SshHarness, sshHarnessAvailable, type HarnessHost } from './ssh-harness.js';
import { waitFor } from './ssh-harness-system.js';

// Many hosts at once, each run on its own connection: every host's output stays its own, and hosts
// that fail (nothing listening, silent, changed key, failing script) do not disturb the rest.

const available = sshHarnessAvailable('automation-ssh-fanout');
const N = 60;

describe.skipIf(!available)(`${N} hosts at once`, () => {
  let h: SshHarness;
  let hosts: HarnessHost[];

  beforeAll(async () => {
    h = await SshHarness.start();
    hosts = await h.startHosts(N);
  });
  afterAll(async () => h?.stop());

  it('runs on all of them concurrently, output attributed to the right host, failures kept apart', async () => {
    const silent = await h.startSilentHost();
    const content = 'echo "$(echo "$SSH_CONNECTION" | cut -d" " -f3) $1"; echo "err $1" >&2; [ "$1" != h7 ] || exit 7';
    const good = hosts.map((host, i) =>
      runCollected({ chain: [h.hop(host)], content, args: [`h${i}`], connectTimeoutMs: 20_000, timeoutMs: 30_000 }),
    );
    const bad = [
      runCollected({ chain: [h.hop(h.unusedAddress())], content }),
      runCollected({ chain: [h.hop(silent)], content, connectTimeoutMs: 1500 }),
      runCollected({ chain: [h.hop(hosts[0], { pin: hosts[1].fingerprint })], content }),
    ];
    const results = await Promise.all(good);
    results.forEach((r, i) => {
      expect(r.stdout, `host ${i}: ${r.error}`).toBe(`${hosts[i].host} h${i}\n`);
      expect(r.stderr).toBe(`err h${i}\n`);
      expect(r.fingerprints).toEqual([hosts[i].fingerprint]);
      if (i === 7) expect(r).toMatchObject({ status: 'failed', exitCode: 7 });
      else expect(r).toMatchObject({ status: 'succeeded', exitCode: 0 });
    });
    expect((await Promise.all(bad)).map((r) => r.status)).toEqual(['unreachable', 'timeout', 'host-key-changed']);
    await waitFor(() => hosts.every((x) => h.openSessions(x) === 0), 10_000, 'every sshd to have no connection left');
  });
});
