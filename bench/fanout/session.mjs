#!/usr/bin/env node
// One session of the fan-out benchmark at one N and one key exchange (KEX in the environment, as
// the harness reads it), called by run.sh. The machine is shared and the rig is CPU-bound, so the
// tools are measured in interleaved rounds rather than one block after another: round r runs every
// anchor once (the harness's run-anchors.sh with RUNS=1) and Gatehouse, Gatehouse unwatched and
// engine-only once each, anchors first in odd rounds and last in even ones. A load spike then lands
// on all rows alike. Gatehouse and the engine stay up between rounds (forked, driven over IPC), as a
// server would; the anchors start fresh every run, as the harness runs them.
// Usage: node bench/fanout/session.mjs --n N --harness DIR --tsv OUT [--rounds 5] [--anchor-runs 5]
//        [--tools "pdsh pssh"] [--cpu-prof DIR] [--quiet-max 300] [--info FILE]
import { spawnSync } from 'node:child_process';
import { appendFileSync, copyFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { forkIpc } from '../jenkins-lib.mjs';
import { arg } from './measure.mjs';

const N = Number(arg('n'));
const H = arg('harness');
const OUT = arg('tsv');
const ROUNDS = Number(arg('rounds', 5));
const ANCHOR_RUNS = Number(arg('anchor-runs', ROUNDS));
const TOOLS = arg('tools', 'ssh-loop pdsh pssh clush ansible-raw ansible-shell-warm-pipe');
const PROF = arg('cpu-prof', null);
const QUIET_MAX_S = Number(arg('quiet-max', 300));
const INFO = arg('info', `${H}/negotiated`);
const ONE_HOST_RUNS = 4; // per round: the harness's one-host rows keep their 20 runs over 5 rounds
const KEX = process.env.KEX || '';
const HARNESS_RES = `${H}/results-${N}${KEX ? `-kex-${KEX}` : ''}`;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function busyPct(ms = 2000) {
  const read = () => readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1, 9).map(Number);
  const a = read();
  spawnSync('sleep', [String(ms / 1000)]);
  const b = read();
  const d = b.map((x, i) => x - a[i]);
  const total = d.reduce((x, y) => x + y, 0);
  return (200 * (total - d[3] - d[4])) / Math.max(total, 1);
}

/** Wait until other work leaves the cores idle (< 30 % of 200), at most QUIET_MAX_S; returns a note if it did not. */
async function waitQuiet(what) {
  const t0 = Date.now();
  for (;;) {
    const b = busyPct();
    if (b < 30) return null;
    if (Date.now() - t0 > QUIET_MAX_S * 1000) return `${what} began with the machine ${b.toFixed(0)} % busy`;
    console.error(`session: machine ${b.toFixed(0)} % busy (other work); waiting before ${what}`);
    await sleep(10_000);
  }
}

/** One run of every anchor tool; its rows are appended with this round's run numbers. */
function anchorsRound(r) {
  const env = { ...process.env, KEEP_HOSTS: '1', RUNS: '1', RUNS1: String(ONE_HOST_RUNS), TOOLS };
  const p = spawnSync(`${H}/run-anchors.sh`, [String(N)], { env, stdio: ['ignore', 'ignore', 'inherit'] });
  if (p.status !== 0) throw new Error(`run-anchors.sh exited with ${p.status}`);
  const rows = readFileSync(`${HARNESS_RES}.tsv`, 'utf8').trim().split('\n');
  for (const line of rows) {
    const f = line.split('\t');
    f[2] = f[0].startsWith('ssh-1host') ? String((r - 1) * ONE_HOST_RUNS + Number(f[2])) : String(r);
    appendFileSync(`${OUT}.anchors`, f.join('\t') + '\n');
  }
}

async function main() {
  for (const f of [OUT, `${OUT}.anchors`, `${OUT}.ours`]) writeFileSync(f, '');
  const up = spawnSync(`${H}/hosts-up.sh`, [String(N)], { stdio: ['ignore', 'ignore', 'inherit'] });
  if (up.status !== 0) throw new Error(`hosts-up.sh exited with ${up.status}`);
  const common = ['--n', String(N), '--tsv', `${OUT}.ours`];
  const gh = await forkIpc('bench/fanout/gatehouse-fanout.mjs', [...common, ...(PROF ? ['--cpu-prof', PROF] : [])]);
  const eng = await forkIpc('bench/fanout/engine-fanout.ts', [...common, '--info', INFO], ['--import', 'tsx']);
  const notes = [];
  try {
    for (let r = 1; r <= ROUNDS; r++) {
      const note = await waitQuiet(`round ${r}`);
      if (note) notes.push(note);
      const ours = async () => {
        console.error(`== round ${r}/${ROUNDS}: Gatehouse, Gatehouse unwatched, engine-only`);
        await gh.call('run', { run: r, unwatched: false });
        await gh.call('run', { run: r, unwatched: true });
        await eng.call('run', { run: r });
      };
      const anchors = async () => {
        if (r > ANCHOR_RUNS) return;
        console.error(`== round ${r}/${ROUNDS}: anchors (${TOOLS})`);
        anchorsRound(r);
      };
      for (const step of r % 2 ? [anchors, ours] : [ours, anchors]) await step();
    }
  } finally {
    await gh.stop();
    await eng.stop();
  }
  // report.py orders tools by first appearance: the harness's rows (one-host first), then ours.
  const rows = readFileSync(`${OUT}.anchors`, 'utf8').trim().split('\n');
  const order = [...new Set(rows.map((l) => l.split('\t')[0]))];
  const sorted = order.flatMap((t) => rows.filter((l) => l.split('\t')[0] === t));
  writeFileSync(OUT, [...sorted, readFileSync(`${OUT}.ours`, 'utf8').trim()].join('\n') + '\n');
  if (existsSync(`${HARNESS_RES}.md`)) copyFileSync(`${HARNESS_RES}.md`, `${OUT}.harness.md`);
  writeFileSync(`${OUT}.notes`, notes.join('; '));
}

await main();
