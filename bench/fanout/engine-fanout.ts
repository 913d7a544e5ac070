// The SSH engine alone (runScript, no HTTP, no database) on the harness's hosts, with the same
// request the task runner builds: bash `uname -a; echo done`, the harness's client key, each host's
// key pinned, all N at once. Shows how much of Gatehouse's time is the engine and how much is the
// server around it. Rows go to --tsv in run-anchors.sh's layout; cpu is this process's user+sys.
// Usage: npx tsx bench/fanout/engine-fanout.ts --n 100 --tsv FILE [--runs 5] [--name engine-only] [--info FILE]
// (forked with IPC by session.mjs it runs when told to, one run per message)
import { readFileSync, writeFileSync } from 'node:fs';
import ssh2 from 'ssh2';
import { fingerprintOf, runScript, type ExecResult } from '../../server/src/modules/automation/ssh/index.js';
import { arg, saidDone, startMeasure, tsvRow } from './measure.mjs';

const N = Number(arg('n', '0'));
const RUNS = Number(arg('runs', '5'));
const TSV = arg('tsv', '');
const NAME = arg('name', 'engine-only');
const D = arg('fanout-dir', process.env.FANOUT_DIR ?? '/tmp/fanout');
const INFO = arg('info', ''); // where to write the negotiated algorithms (for the report)
if (!N || !TSV) throw new Error('usage: engine-fanout.ts --n N --tsv FILE [--runs 5]');

const hosts = readFileSync(`${D}/hosts-${N}.txt`, 'utf8').trim().split('\n');
const privateKey = readFileSync(`${D}/id_ed25519`, 'utf8');
const pinned = fingerprintOf(readFileSync(`${D}/host_ed25519.pub`, 'utf8'));
const cpuS = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
};

async function runOnce(): Promise<{ ok: number; results: ExecResult[] }> {
  const out = hosts.map(() => '');
  const results = await Promise.all(
    hosts.map((host, i) =>
      runScript({
        chain: [{ host, port: 22, username: 'root', privateKey, pinnedFingerprint: pinned }],
        language: 'bash',
        content: 'uname -a; echo done\n',
        args: [],
        connectTimeoutMs: 10_000,
        timeoutMs: 300_000,
        onStdout: (t) => (out[i] += t),
        onStderr: () => undefined,
      }),
    ),
  );
  return { ok: out.filter(saidDone).length, results };
}

/** What ssh2 negotiates with these sshds (key exchange, host key, cipher, MAC), from one connection. */
function negotiated(): Promise<string> {
  return new Promise((resolve, reject) => {
    const c = new ssh2.Client();
    c.on('handshake', (h) => {
      resolve(`kex ${h.kex}, host key ${h.serverHostKey}, cipher ${h.cs.cipher}, mac ${h.cs.mac || 'none (AEAD cipher)'}`);
      c.end();
    });
    c.on('error', reject);
    c.connect({ host: hosts[0], port: 22, username: 'root', privateKey });
  });
}

/** The size of /root/.bashrc as a Gatehouse session on host 1 sees it (the harness empties it per sshd). */
async function bashrcBytes(): Promise<string> {
  let out = '';
  await runScript({
    chain: [{ host: hosts[0], port: 22, username: 'root', privateKey, pinnedFingerprint: pinned }],
    language: 'bash',
    content: 'wc -c </root/.bashrc',
    args: [],
    connectTimeoutMs: 10_000,
    timeoutMs: 10_000,
    onStdout: (t) => (out += t),
    onStderr: () => undefined,
  });
  return out.trim();
}

const algos = await negotiated();
const bashrc = await bashrcBytes();
console.error(`engine: ssh2 negotiates ${algos}; /root/.bashrc on the host: ${bashrc} bytes`);
if (INFO) writeFileSync(INFO, `${algos}. /root/.bashrc as Gatehouse's sessions see it: ${bashrc} bytes`);
async function timedRun(r: number): Promise<void> {
  const stop = startMeasure(cpuS);
  const { ok, results } = await runOnce();
  const m = stop();
  const failed = results.filter((x) => x.status !== 'succeeded');
  if (failed.length) console.error(`  engine: ${failed.length} failed, e.g. ${failed[0].status}: ${failed[0].error}`);
  tsvRow(TSV, NAME, N, r, m, ok, failed.length ? 1 : 0);
}

// Standalone: RUNS runs. Forked with IPC (session.mjs): one run per {id, run} message.
const send = process.send?.bind(process);
if (send) {
  process.on('message', (m: { id: number; run: number }) =>
    timedRun(m.run).then(
      () => send({ id: m.id, ok: true }),
      (e: unknown) => send({ id: m.id, ok: false, error: String(e) }),
    ),
  );
  process.on('disconnect', () => process.exit(0));
  send({ ready: true });
} else for (let r = 1; r <= RUNS; r++) await timedRun(r);
