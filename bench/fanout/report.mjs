#!/usr/bin/env node
// Writes bench/results/fanout-<N>.md from the sessions run.sh ran at one N: for each key exchange
// session, the harness's own table (its report.py on the anchors' TSV with the Gatehouse and
// engine-only rows appended), then the ratios Gatehouse / each tool and the verdict against
// DESIGN.md's target (faster than every tool at N = 100 and 300, at equal key exchange too).
// Usage: node bench/fanout/report.mjs --n N --harness DIR --out FILE --info FILE
//        --session LABEL::TSV::HARNESS_MD [--session …] [--note TEXT …]
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { arg } from './measure.mjs';

const N = Number(arg('n'));
const HARNESS = arg('harness');
const OUT = arg('out');
const INFO = arg('info');
const SELF = ['gatehouse', 'gatehouse-unwatched', 'engine-only'];
const values = (flag) => process.argv.flatMap((a, i) => (a === `--${flag}` ? [process.argv[i + 1]] : []));
const sessions = values('session').map((s) => {
  const [label, tsv, md] = s.split('::');
  return { label, tsv, md };
});

/** Rows per tool; a run counts when every host said done (report.py's rule). */
function load(tsv) {
  const tools = new Map();
  for (const line of readFileSync(tsv, 'utf8').trim().split('\n')) {
    const [tool, expect, , wall, cpu, , , ok] = line.split('\t');
    if (!tools.has(tool)) tools.set(tool, []);
    if (Number(ok) >= Number(expect)) tools.get(tool).push({ wall: Number(wall), cpu: Number(cpu) });
  }
  return tools;
}

// statistics.median, as report.py uses: the mean of the two middle values for an even count.
function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

const fmt = (x) => x.toFixed(2);
const harnessHeader = (md) =>
  existsSync(md)
    ? readFileSync(md, 'utf8')
        .split('\n')
        .filter((l) => /^(Machine|Versions):/.test(l))
        // The harness wrote this for its last one-run round; the runs and key exchanges are stated below.
        .map((l) => l.replace(/; runs per tool: \d+ \(one-host rows: \d+\)/, '').replace(/; ssh KEX: .*$/, '.'))
    : [];

function ratios(s) {
  const tools = load(s.tsv);
  const gh = tools.get('gatehouse') ?? [];
  const eng = tools.get('engine-only') ?? [];
  const unw = tools.get('gatehouse-unwatched') ?? [];
  const lines = [
    `| tool (${s.label}) | tool median wall s | Gatehouse / tool (median) | Gatehouse / tool (min) | unwatched / tool (median) | engine-only / tool (median) | Gatehouse faster? |`,
    '|---|---|---|---|---|---|---|',
  ];
  const verdicts = [];
  for (const [tool, rs] of tools) {
    if (SELF.includes(tool) || tool.startsWith('ssh-1host')) continue;
    if (!rs.length || !gh.length) {
      lines.push(`| ${tool} | – | – | – | – | – | no data |`);
      verdicts.push(false);
      continue;
    }
    const tm = median(rs.map((r) => r.wall));
    const r = median(gh.map((x) => x.wall)) / tm;
    const rmin = Math.min(...gh.map((x) => x.wall)) / Math.min(...rs.map((x) => x.wall));
    const rel = (rows) => (rows.length ? fmt(median(rows.map((x) => x.wall)) / tm) : '–');
    verdicts.push(r < 1);
    lines.push(`| ${tool} | ${tm.toFixed(3)} | ${fmt(r)} | ${fmt(rmin)} | ${rel(unw)} | ${rel(eng)} | ${r < 1 ? 'yes' : '**no**'} |`);
  }
  return { lines, all: verdicts.length > 0 && verdicts.every(Boolean), gh };
}

const out = [`# SSH fan-out, N=${N} hosts: Gatehouse side by side with the anchors`, ''];
out.push(`Run: ${new Date().toISOString()} by \`npm run bench:fanout\` (bench/fanout/run.sh), Node ${process.version}.`);
out.push(...harnessHeader(sessions[0]?.md).map((l) => `${l}`), '');
out.push(
  'How: one session per key exchange, all on the same hosts (the harness sshds on 127.0.1.x:22, started fresh by this run, ' +
    "each with an empty /root/.bashrc in its own mount namespace: the harness default, REAL_BASHRC unset, so the anchors' and " +
    "Gatehouse's sessions cost the same on the host side). The anchors are the shared `run-anchors.sh` (run unmodified from a " +
    'scratch copy, so its results files in ../shared stay untouched). This machine is shared and the rig is CPU-bound, so each ' +
    'session runs in interleaved rounds (bench/fanout/session.mjs): every round runs each anchor once (run-anchors.sh with ' +
    'RUNS=1) and each Gatehouse row once, anchors first in odd rounds and last in even ones, after waiting for idle cores. ' +
    'Gatehouse and the engine-only process stay up between rounds, idle while the anchors run.',
  '',
  '- **gatehouse**: a real server process (`server/dist/main.js`, SQLite), N targets made with `POST /api/targets` (the harness client ' +
    'key, root), each checked once beforehand (pins its host key, as a user does), one bash script `uname -a; echo done`, one task ' +
    'with concurrency N. Wall = `POST /api/tasks/:id/run` → the finished status arriving on the WebSocket topic `run:<id>`. ' +
    'ok = targets whose stored stdout (GET /api/runs/:id) has a `done` line. Client CPU = the server process (ssh2 runs in it), ' +
    'busy % and peak memory as timeit.py measures them.',
  '- **gatehouse-unwatched**: the same server and task with nobody on the WebSocket: the client looks at GET /api/runs/:id every ' +
    "500 ms, and the wall time is the run's stored `finishedAt` − the moment of the POST (its CPU and busy % run until the look " +
    'that saw it finished). The difference to **gatehouse** is what one live viewer of the run costs.',
  '- **engine-only**: `runScript` from a tsx script (bench/fanout/engine-fanout.ts) on the same hosts, all at once, no HTTP, no database.',
  '- The anchors include their own process start-up (a fresh tool per run); Gatehouse is a running server, so its rows do not.',
  '',
);
if (INFO && existsSync(INFO))
  out.push(`Gatehouse's SSH (node ssh2) negotiates with these sshds: ${readFileSync(INFO, 'utf8').replace(/\n/g, '').trim()}.`, '');
for (const n of values('note')) out.push(n, '');

const verdicts = [];
for (const s of sessions) {
  out.push(`## ${s.label}`, '');
  out.push(execFileSync('python3', [`${HARNESS}/report.py`, s.tsv], { encoding: 'utf8' }).trim(), '');
  const r = ratios(s);
  out.push(...r.lines, '');
  verdicts.push(`${s.label}: ${r.all ? 'Gatehouse is faster than every tool' : 'Gatehouse is **not** faster than every tool'}`);
}
out.push('## Verdict (DESIGN.md: faster than every tool at N = 100 and 300, at equal key exchange too)', '');
out.push(...verdicts.map((v) => `- N=${N}, ${v}.`), '');
writeFileSync(OUT, out.join('\n'));
console.log(out.join('\n'));
